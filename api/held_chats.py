"""What happens to a chat when it leaves the person who held it: the card they asked for is no
longer wanted, and the chats of an agent whose access is revoked go back to the queue (so do
those of an agent who is gone: api/gone_agents.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.db import conversations, payment_requests
from api.events import append_event


def _now() -> datetime:
    return datetime.now(UTC)


AGENT_REVOKED = "agent_revoked"  # the handoff reason of a chat whose agent lost access


async def requeue_held_by(conn: AsyncConnection, agent_id: int) -> list[str]:
    """In the caller's transaction (an agent's access being revoked): the conversations the agent
    holds go back to the queue, at the place they first joined it, and the agent's card requests
    end. Held by someone who can no longer act, they would wait for another agent to take them
    over, and the bot does not answer a held chat."""
    held = await _lock_held_by(conn, agent_id)
    for conversation_id in held:
        await requeue(conn, conversation_id, AGENT_REVOKED, "the agent who had this chat lost access")
    return held


async def _lock_held_by(conn: AsyncConnection, agent_id: int) -> list[str]:
    """The conversations the agent holds, their rows locked (PostgreSQL) in id order before any
    event is appended. A customer's line locks its conversation's row, then takes the event lock
    (`append_event`); requeueing the chats one by one took the event lock with the first and then
    waited for the next one's row, held by a line waiting for the event lock: a deadlock, and the
    revocation or the line failed. With every row locked first (in id order, one order for all
    who lock several), the lines being stored finish first and the later ones wait."""
    return list(
        (
            await conn.execute(
                sa.select(conversations.c.id)
                .where(conversations.c.state == "agent", conversations.c.agent_id == agent_id)
                .order_by(conversations.c.id)
                .with_for_update()
            )
        ).scalars()
    )


async def requeue(
    conn: AsyncConnection, conversation_id: str, reason: str, detail: str, *, only_if: sa.ColumnElement[bool] | None = None
) -> bool:
    """In the caller's transaction: the held conversation back to the queue, at the place it first
    joined it, with why, if it is still held (and `only_if` holds); the card its agent asked for is
    no longer wanted. Whether it moved."""
    moved = await conn.execute(
        conversations.update()
        .where(conversations.c.id == conversation_id, conversations.c.state == "agent", *([] if only_if is None else [only_if]))
        .values(
            state="queued", agent_id=None, handoff_reason=reason, handoff_detail=detail, updated_at=_now(),
            queued_at=sa.func.coalesce(conversations.c.queued_at, _now()),
        )
        .returning(conversations.c.id)
    )
    if moved.first() is None:
        return False
    await end_payment_requests(conn, conversation_id)
    await append_event(conn, conversation_id, "handoff.requested", {"reason": reason})
    return True


async def end_payment_requests(conn: AsyncConnection, conversation_id: str) -> None:
    """A card asked for by the person who held the conversation is no longer wanted once it leaves
    their hands: a card sent after that would reach nobody (the form says so with a 409)."""
    await conn.execute(
        payment_requests.update()
        .where(payment_requests.c.conversation_id == conversation_id, payment_requests.c.status == "pending")
        .values(status="cancelled", completed_at=_now())
    )
