"""What the bot has yet to answer in a conversation, and the rows it reads to answer it.

Reads only: the conversation service does every write, in its own transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.db import conversations, messages
from api.schemas import AgentMessagePublic, MessagePublic

HISTORY_TURNS = 10


@dataclass(frozen=True)
class Pending:
    """The customer's lines since the bot's (or a person's) last word."""

    answered_through: int
    line_ids: list[int]
    question: str
    history: list[tuple[str, str]]
    previous_confidence: float | None


async def pending_lines(conn: AsyncConnection, conversation_id: str) -> Pending | None:
    """What the bot has yet to answer; None unless the conversation is with the bot."""
    conv = (
        await conn.execute(
            sa.select(conversations.c.state, conversations.c.answered_through).where(conversations.c.id == conversation_id)
        )
    ).first()
    if conv is None or conv.state != "bot":
        return None
    last_agent = (  # a person's message answers what came before it
        await conn.execute(
            sa.select(sa.func.max(messages.c.id)).where(
                messages.c.conversation_id == conversation_id, messages.c.role == "agent"
            )
        )
    ).scalar()
    answered = int(conv.answered_through or 0)
    lines = (
        await conn.execute(
            sa.select(messages.c.id, messages.c.text)
            .where(
                messages.c.conversation_id == conversation_id,
                messages.c.role == "customer",
                messages.c.id > max(answered, int(last_agent or 0)),
            )
            .order_by(messages.c.id)
        )
    ).all()
    if not lines:
        return Pending(answered, [], "", [], None)
    return Pending(
        answered_through=answered,
        line_ids=[r.id for r in lines],
        question="\n".join(r.text for r in lines),
        history=await history(conn, conversation_id, exclude=[r.id for r in lines]),
        previous_confidence=await previous_answer_confidence(conn, conversation_id),
    )


def unanswered_conversations(since: datetime, limit: int, quiet_since: datetime | None = None) -> sa.Select:
    """Conversations with the bot, active since `since` (and, given `quiet_since`, not after it),
    whose customer has lines nobody answered."""
    quiet = conversations.c.updated_at <= quiet_since if quiet_since is not None else sa.true()
    return (
        sa.select(conversations.c.id)
        .where(conversations.c.state == "bot", conversations.c.updated_at >= since, quiet, has_unanswered_lines())
        .order_by(conversations.c.updated_at)
        .limit(limit)
    )


def has_unanswered_lines() -> sa.ColumnElement[bool]:
    """The conversation's customer has lines after the last the bot answered and any person's reply."""
    said = messages.alias("said")
    last_agent = (
        sa.select(sa.func.max(said.c.id))
        .where(said.c.conversation_id == conversations.c.id, said.c.role == "agent")
        .correlate(conversations)
        .scalar_subquery()
    )
    return sa.exists().where(
        messages.c.conversation_id == conversations.c.id,
        messages.c.role == "customer",
        messages.c.id > sa.func.coalesce(conversations.c.answered_through, 0),
        messages.c.id > sa.func.coalesce(last_agent, 0),
    )


async def line_by_client_id(conn: AsyncConnection, conversation_id: str, client_id: str | None) -> MessagePublic | None:
    if client_id is None:
        return None
    row = (
        await conn.execute(
            sa.select(messages).where(messages.c.conversation_id == conversation_id, messages.c.client_id == client_id)
        )
    ).first()
    return public_message(row) if row else None


async def reply_to(conn: AsyncConnection, line: MessagePublic) -> MessagePublic | None:
    """The bot's reply that answered `line`, if there is one yet."""
    row = (
        await conn.execute(
            sa.select(messages)
            .where(messages.c.conversation_id == line.conversation_id, messages.c.answers_through >= line.id)
            .order_by(messages.c.id)
            .limit(1)
        )
    ).first()
    return public_message(row) if row is not None else None


async def history(conn: AsyncConnection, conversation_id: str, exclude: list[int] | None = None) -> list[tuple[str, str]]:
    """The last turns as (speaker, text), oldest first, but for the lines being answered
    (`exclude`); handoff notices are not the topic."""
    where = [messages.c.conversation_id == conversation_id, messages.c.handoff.is_(False)]
    if exclude:
        where.append(messages.c.id.not_in(exclude))
    rows = (
        await conn.execute(
            sa.select(messages.c.role, messages.c.text).where(*where).order_by(messages.c.id.desc()).limit(HISTORY_TURNS)
        )
    ).all()
    return [("user" if r.role == "customer" else "agent", r.text) for r in reversed(rows)]


async def previous_answer_confidence(conn: AsyncConnection, conversation_id: str) -> float | None:
    """The confidence of the bot's last answer, if the last word before the customer's was one.

    An agent's message in between (or a handoff) starts the count of doubtful answers afresh.
    """
    row = (
        await conn.execute(
            sa.select(messages.c.role, messages.c.confidence, messages.c.handoff, messages.c.signals)
            .where(messages.c.conversation_id == conversation_id, messages.c.role != "customer")
            .order_by(messages.c.id.desc())
            .limit(1)
        )
    ).first()
    if row is None or row.role != "bot" or row.handoff or row.signals is None:
        return None
    return row.confidence


def aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def public_message(r: sa.Row) -> MessagePublic:
    return MessagePublic(
        id=r.id, conversation_id=r.conversation_id, role=r.role, text=r.text, confidence=r.confidence,
        sources=r.sources or [], handoff=bool(r.handoff), handoff_reason=r.handoff_reason, author=r.author,
        corrects=r.corrects, created_at=aware(r.created_at), client_id=r.client_id,
    )


def agent_message(r: sa.Row) -> AgentMessagePublic:
    """A message as agents see it: with the bot's draft and why it scored as it did."""
    return AgentMessagePublic(
        **public_message(r).model_dump(), draft=r.draft, draft_sources=r.draft_sources or [], handoff_detail=r.handoff_detail,
        signals=r.signals, low_signals=r.low_signals or [],
    )
