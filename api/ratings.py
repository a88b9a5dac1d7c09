"""Customer satisfaction: a customer rates their conversation 1-5, with an optional comment.

A conversation is rated once it is closed, as Intercom and Zendesk ask for CSAT when the
conversation ends: a rating given mid-chat would score a conversation not yet resolved (and the
chat page offers its form only once the chat is closed). One rating per conversation (rating again
replaces it), remembered with the agent who had the chat when it closed if they had written to the
customer in it, so CSAT can be read per agent as well as for the service. An agent who took the
chat a moment ago and had not said a word is not rated for what came before them; nor is one who
gave the chat back to the bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from api.bot_turns import aware
from api.db import agents, conversations, messages, ratings
from api.errors import Conflict, NotFound
from api.masking import mask_card_numbers

NOT_CLOSED = "this conversation is still open: you can rate it once it has been closed"


@dataclass(frozen=True)
class Rating:
    conversation_id: str
    score: int
    comment: str | None
    rated_at: datetime


def _has_written(name: sa.ColumnElement[str]) -> sa.Exists:
    return (
        sa.select(messages.c.id)
        .where(messages.c.conversation_id == conversations.c.id, messages.c.role == "agent", messages.c.author == name)
        .correlate(conversations, agents)
        .exists()
    )


async def rate(engine: AsyncEngine, conversation_id: str, score: int, comment: str | None) -> Rating:
    comment = mask_card_numbers((comment or "").strip()) or None  # agents read comments: no card in clear
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        state = (
            await conn.execute(sa.select(conversations.c.state).where(conversations.c.id == conversation_id))
        ).scalar_one_or_none()
        if state is None:
            raise NotFound()
        if state != "closed":  # closed is for good: no lock needed to keep it so till the rating is stored
            raise Conflict(NOT_CLOSED)
        holder = conversations.c.agent_id
        agent_id = (
            await conn.execute(
                sa.select(holder)
                .join(agents, agents.c.id == holder)
                .where(conversations.c.id == conversation_id, _has_written(agents.c.name))
            )
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
