"""The writes every move of a conversation is built from, each in the caller's transaction: a
line as stored (cleaned, and its event), the state a write requires (its row locked), the agent
who must hold the chat, the chat limit, and joining the queue.

`ConversationService` (api.conversations) makes the moves of the state machine out of them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api.conversation_reads import Agent, ConversationReads
from api.db import agents, conversations, lock_row, messages
from api.errors import Conflict, Invalid
from api.events import append_event
from api.masking import mask_card_numbers
from api.plain_text import shows_nothing, without_controls
from api.schemas import MessagePublic


def _now() -> datetime:
    return datetime.now(UTC)


class ConversationWrites(ConversationReads):
    """The reads (api.conversation_reads) and the writes the moves are made of."""

    def __init__(self, engine: AsyncEngine, *, max_message_chars: int, max_agent_chats: int) -> None:
        super().__init__(engine)
        self.max_message_chars = max_message_chars
        self.max_agent_chats = max_agent_chats

    def clean_text(self, text: str) -> str:
        """A line as stored: control characters other than line breaks and tabs removed (PostgreSQL
        refuses NUL in text), card data masked; one with nothing visible in it is refused."""
        text = without_controls(text).strip()
        if shows_nothing(text):
            raise Invalid("message text is empty")
        if len(text) > self.max_message_chars:
            raise Invalid(f"message is {len(text)} characters; the limit is {self.max_message_chars}")
        return mask_card_numbers(text)

    async def _touch(self, conn: AsyncConnection, conversation_id: str, allowed: tuple[str, ...]) -> str:
        """Lock the conversation row if its state is allowed, and return that state."""
        result = await conn.execute(
            conversations.update()
            .where(conversations.c.id == conversation_id, conversations.c.state.in_(allowed))
            .values(updated_at=_now())
            .returning(conversations.c.state)
        )
        row = result.first()
        if row is None:
            current = await self.get(conversation_id)
            raise Conflict(f"conversation is {current.state}" if current.state == "closed" else "conversation is not with the bot")
        return str(row.state)

    async def within_chat_limit(self, conn: AsyncConnection, conversation_id: str, agent: Agent) -> None:
        """In the caller's transaction, before it claims: 409 if the agent holds as many chats as
        one may. The agent's row stays locked till the claim commits, so claims sent at once count
        one after another and never both take the last free place."""
        await lock_row(conn, agents, agent.id)
        holding = (
            await conn.execute(
                sa.select(sa.func.count()).select_from(conversations).where(
                    conversations.c.state == "agent", conversations.c.agent_id == agent.id,
                    conversations.c.id != conversation_id,
                )
            )
        ).scalar_one()
        if holding >= self.max_agent_chats:
            raise Conflict(f"you already have {holding} chats open (the most allowed): close or return one first")

    async def add_settled_customer_line(self, conn: AsyncConnection, conversation_id: str, text: str) -> MessagePublic:
        """A line on the customer's behalf that the bot must never answer (a card's summary from
        the secure form): stored as answered, in the caller's transaction."""
        line = await self._add_message(conn, conversation_id, role="customer", text=text)
        await conn.execute(
            conversations.update().where(conversations.c.id == conversation_id).values(answered_through=line.id, updated_at=_now())
        )
        return line

    async def owned(self, conn: AsyncConnection, conversation_id: str, agent: Agent) -> None:
        """In the caller's transaction: 409 unless this agent holds the conversation."""
        await self._owned(conn, conversation_id, agent)

    async def _owned(self, conn: AsyncConnection, conversation_id: str, agent: Agent) -> None:
        result = await conn.execute(
            conversations.update()
            .where(
                conversations.c.id == conversation_id,
                conversations.c.state == "agent",
                conversations.c.agent_id == agent.id,
            )
            .values(updated_at=_now())
            .returning(conversations.c.id)
        )
        if result.first() is None:
            current = await self.get(conversation_id)  # NotFound if it does not exist
            if current.state == "closed":  # a chat the agent held, closed since: no claim reopens it
                raise Conflict("conversation is closed")
            if current.state == "agent" and current.agent is not None:
                raise Conflict(f"conversation is owned by {current.agent.name}")
            raise Conflict("you do not own this conversation: claim it first")

    async def _enqueue(self, conn: AsyncConnection, conversation_id: str, reason: str, detail: str | None = None) -> None:
        await conn.execute(
            conversations.update()
            .where(conversations.c.id == conversation_id)
            .values(
                state="queued", handoff_reason=reason, handoff_detail=detail, updated_at=_now(),
                # asked again while waiting: the customer keeps their place
                queued_at=sa.case((conversations.c.state == "queued", conversations.c.queued_at), else_=_now()),
            )
        )
        # the detail (signals, rule) is for agents: they read it from the queue, not the customer's stream
        await append_event(conn, conversation_id, "handoff.requested", {"reason": reason})

    async def _add_message(
        self, conn: AsyncConnection, conversation_id: str, *, role: str, text: str, event: str = "message.created", **fields
    ) -> MessagePublic:
        values = dict(
            conversation_id=conversation_id, role=role, text=text, sources=fields.pop("sources", []),
            handoff=fields.pop("handoff", False), created_at=_now(), **fields,
        )
        result = await conn.execute(messages.insert().values(**values))
        message = MessagePublic(
            id=int(result.inserted_primary_key[0]),
            conversation_id=conversation_id,
            role=role,
            text=text,
            confidence=values.get("confidence"),
            sources=values["sources"],
            handoff=values["handoff"],
            handoff_reason=values.get("handoff_reason"),
            author=values.get("author"),
            corrects=values.get("corrects"),
            created_at=values["created_at"],
            client_id=values.get("client_id"),
        )
        await append_event(conn, conversation_id, event, {"message": message.model_dump(mode="json")})
        return message
