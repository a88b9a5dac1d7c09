"""The read side of conversations: who owns one, its state, and what was said in it.

`ConversationWrites` (api.conversation_writes) extends it with the writes the moves are made of,
and `ConversationService` (api.conversations) with the moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api import bot_turns as turns
from api.auth import hash_token
from api.db import agents, conversations, messages
from api.errors import NotFound
from api.schemas import AgentMessagePublic


@dataclass(frozen=True)
class Agent:
    id: int
    name: str


@dataclass(frozen=True)
class Conversation:
    id: str
    state: str
    agent: Agent | None
    handoff_reason: str | None
    created_at: datetime
    updated_at: datetime
    handoff_detail: str | None = None
    queued_at: datetime | None = None  # when it last joined the queue


class ConversationReads:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def authorize(self, conversation_id: str, token: str) -> Conversation:
        """The conversation this customer token opens; any mismatch is a plain 404."""
        conv = await self.get(conversation_id)
        async with self.engine.connect() as conn:
            stored = (
                await conn.execute(sa.select(conversations.c.token_hash).where(conversations.c.id == conversation_id))
            ).scalar_one()
        if stored != hash_token(token):
            raise NotFound()
        return conv

    async def get(self, conversation_id: str) -> Conversation:
        rows = await self._select(conversations.c.id == conversation_id)
        if not rows:
            raise NotFound()
        return rows[0]

    async def list(self, *, states: tuple[str, ...], limit: int = 200) -> list[Conversation]:
        """Conversations in these states, the most recently active first; not one with the bot in
        which nothing was said yet (a chat page opened, its first line refused)."""
        where = sa.and_(conversations.c.state.in_(states), sa.or_(conversations.c.state != "bot", has_lines()))
        return await self._select(where, order=conversations.c.updated_at.desc(), limit=limit)

    async def queue(self, limit: int = 200) -> list[Conversation]:
        """Conversations waiting for a person, in the order they joined the queue: a customer who
        writes again while waiting keeps their place."""
        order = sa.func.coalesce(conversations.c.queued_at, conversations.c.updated_at).asc()
        return await self._select(conversations.c.state == "queued", order=order, limit=limit)

    async def _select(self, where, order=None, limit: int | None = None) -> list[Conversation]:
        query = (
            sa.select(conversations, agents.c.name.label("agent_name"))
            .select_from(conversations.outerjoin(agents, agents.c.id == conversations.c.agent_id))
            .where(where)
        )
        if order is not None:
            query = query.order_by(order)
        if limit:
            query = query.limit(limit)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            Conversation(
                id=r.id,
                state=r.state,
                agent=Agent(r.agent_id, r.agent_name) if r.agent_id else None,
                handoff_reason=r.handoff_reason,
                created_at=turns.aware(r.created_at),
                updated_at=turns.aware(r.updated_at),
                handoff_detail=r.handoff_detail,
                queued_at=turns.aware(r.queued_at) if r.queued_at else None,
            )
            for r in rows
        ]

    async def messages(self, conversation_id: str) -> list[AgentMessagePublic]:
        query = sa.select(messages).where(messages.c.conversation_id == conversation_id).order_by(messages.c.id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [turns.agent_message(r) for r in rows]

    async def last_messages(self, conversation_ids: list[str]) -> dict[str, AgentMessagePublic]:
        """Each conversation's latest line for the lists' preview, the bot's stock handoff lines
        left out: a queued conversation shows what the customer asked, not "I'm passing your
        question to a member of our team"."""
        if not conversation_ids:
            return {}
        latest = (
            sa.select(sa.func.max(messages.c.id))
            .where(
                messages.c.conversation_id.in_(conversation_ids),
                sa.or_(messages.c.role != "bot", messages.c.handoff.is_not(True)),
            )
            .group_by(messages.c.conversation_id)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(sa.select(messages).where(messages.c.id.in_(latest)))).all()
        return {r.conversation_id: turns.agent_message(r) for r in rows}


def has_lines() -> sa.ColumnElement[bool]:
    """Something was said in the conversation: a conversation is made before its first line is
    accepted, and one whose first line was refused (too long, say) holds nothing."""
    return sa.exists().where(messages.c.conversation_id == conversations.c.id)
