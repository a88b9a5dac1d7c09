"""Customer satisfaction: a customer rates their conversation 1-5, with an optional comment.

One rating per conversation (rating again replaces it), remembered with the agent who had the
chat, so CSAT can be read per agent as well as for the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from api.bot_turns import aware
from api.db import conversations, ratings
from api.masking import mask_card_numbers


@dataclass(frozen=True)
class Rating:
    conversation_id: str
    score: int
    comment: str | None
    rated_at: datetime


async def rate(engine: AsyncEngine, conversation_id: str, score: int, comment: str | None) -> Rating:
    comment = mask_card_numbers((comment or "").strip()) or None  # agents read comments: no card in clear
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        agent_id = (
            await conn.execute(sa.select(conversations.c.agent_id).where(conversations.c.id == conversation_id))
        ).scalar_one_or_none()
        values = {"score": score, "comment": comment, "agent_id": agent_id, "rated_at": now}
        updated = await conn.execute(
            ratings.update().where(ratings.c.conversation_id == conversation_id).values(**values)
        )
        if updated.rowcount == 0:
            try:
                async with conn.begin_nested():
                    await conn.execute(ratings.insert().values(conversation_id=conversation_id, **values))
            except IntegrityError:  # rated twice at once: the later one replaces the first
                await conn.execute(ratings.update().where(ratings.c.conversation_id == conversation_id).values(**values))
    return Rating(conversation_id, score, comment, now)


async def rating_of(engine: AsyncEngine, conversation_id: str) -> Rating | None:
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(ratings).where(ratings.c.conversation_id == conversation_id))).first()
    if row is None:
        return None
    return Rating(row.conversation_id, row.score, row.comment, aware(row.rated_at))
