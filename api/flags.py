"""Bad answers: an agent flags a bot reply, with a note, and the editors find it in `kb gaps`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api import audit
from api.conversations import Agent
from api.db import answer_flags, conversations, messages
from api.errors import MESSAGE_NOT_FOUND, Conflict, NotFound
from api.masking import mask_card_numbers


@dataclass(frozen=True)
class AnswerFlag:
    id: int
    message_id: int
    note: str | None
    flagged_by: str
    created_at: datetime


async def flag_answer(engine: AsyncEngine, conversation_id: str, message_id: int, agent: Agent, note: str | None) -> AnswerFlag:
    """Any agent may flag any bot answer (flagging again adds another note), in a closed chat too:
    reviewing closed chats is how a team finds bad answers. The bot's handoff notice ("I'm
    connecting you with a member of our team…") answers nothing, so it is no answer to flag: a
    handoff for doubt is in `kb gaps` already, with the answer the bot held back."""
    note = mask_card_numbers((note or "").strip()) or None
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        if (await conn.execute(sa.select(conversations.c.id).where(conversations.c.id == conversation_id))).first() is None:
            raise NotFound()  # said first: a message cannot be in a conversation that does not exist
        target = (
            await conn.execute(
                sa.select(messages.c.role, messages.c.handoff)
                .where(messages.c.id == message_id, messages.c.conversation_id == conversation_id)
            )
        ).first()
        if target is None:
            raise NotFound(MESSAGE_NOT_FOUND)
        if target.role != "bot":
            raise Conflict("only a bot reply can be flagged as a bad answer")
        if target.handoff:
            raise Conflict("a handoff notice is not an answer: only the bot's answers can be flagged")
        result = await conn.execute(
            answer_flags.insert().values(
                message_id=message_id, conversation_id=conversation_id, agent_id=agent.id, agent_name=agent.name,
                note=note, created_at=now,
            )
        )
        await audit.record(
            conn, "answer.flag", audit.Actor(agent.name, agent.id), conversation_id=conversation_id,
            detail={"message_id": message_id},
        )
    return AnswerFlag(int(result.inserted_primary_key[0]), message_id, note, agent.name, now)


async def flagged_messages(engine: AsyncEngine, conversation_id: str) -> set[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(answer_flags.c.message_id).where(answer_flags.c.conversation_id == conversation_id).distinct()
        )
        return set(rows.scalars())
