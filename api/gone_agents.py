"""Chats held by an agent who is gone go back to the queue.

An agent who closes the console, signs out, loses the network or whose browser crashes is shown
away within a minute (api/presence.py), but the chats they held stayed theirs: the customer kept
seeing "alice joined" and waited for nobody, and no other agent could answer them. Now, once the
agent has been gone (no console open, no call to the agent API: an integration working with its
token alone is not gone) for `SWITCHBOARD_AGENT_GONE_REQUEUE_MINUTES` (5 by default, 0 never), each
chat they hold goes back to the queue at the place it first joined it, with the reason
"agent_gone", and the card they asked for is no longer wanted, as when an agent is revoked. An
agent who set themselves away but keeps the console open keeps their chats (a break, not a
departure); another agent may take those over (`take_over`, api/take_over.py).

Every worker runs the sweep; each chat moves once, by a conditional UPDATE, with its event and
audit entry in the same transaction.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api import audit
from api.background import Repeating
from api.db import agents, conversations
from api.events import LocalNotifier
from api.held_chats import requeue

log = logging.getLogger(__name__)

AGENT_GONE = "agent_gone"  # the handoff reason of a chat whose agent's console was gone too long
SYSTEM = audit.Actor("system")
MAX_SWEEP_SECONDS = 30.0


def _gone_since(cutoff: datetime) -> sa.ColumnElement[bool]:
    """The holding agent's console was last seen before `cutoff` (or never)."""
    seen = (
        sa.select(agents.c.id)
        .where(agents.c.id == conversations.c.agent_id, agents.c.last_seen_at >= cutoff)
        .correlate(conversations)
        .exists()
    )
    return sa.and_(conversations.c.state == "agent", ~seen)


async def requeue_from_gone_agents(
    engine: AsyncEngine, notifier: LocalNotifier, after: timedelta, now: datetime | None = None
) -> list[str]:
    """Every chat whose agent has not been seen for `after` back in the queue; returns their ids."""
    cutoff = (now or datetime.now(UTC)) - after
    async with engine.connect() as conn:
        held = (
            await conn.execute(
                sa.select(conversations.c.id, agents.c.name)
                .join(agents, agents.c.id == conversations.c.agent_id)
                .where(_gone_since(cutoff))
            )
        ).all()
    moved: list[str] = []
    minutes = round(after.total_seconds() / 60, 1)
    for conversation_id, name in held:
        async with engine.begin() as conn:
            detail = f"{name} held this chat and has been offline for over {minutes:g} min"
            if not await requeue(conn, conversation_id, AGENT_GONE, detail, only_if=_gone_since(cutoff)):
                continue  # the agent came back, the chat moved on, or another worker moved it, meanwhile
            await audit.record(
                conn, "conversation.requeue", SYSTEM, conversation_id=conversation_id,
                detail={"reason": AGENT_GONE, "agent": name},
            )
        moved.append(conversation_id)
    if moved:
        await notifier.publish()
    return moved


class GoneAgentSweep:
    """Runs `requeue_from_gone_agents` every so often while the app runs."""

    def __init__(self, engine: AsyncEngine, notifier: LocalNotifier, after_minutes: float) -> None:
        self.engine, self.notifier = engine, notifier
        self.after = timedelta(minutes=after_minutes)
        every = min(MAX_SWEEP_SECONDS, max(0.5, self.after.total_seconds() / 4))
        self._repeating = Repeating(self._sweep, every, "requeueing the chats of agents who are gone")

    async def start(self) -> None:
        if self.after > timedelta(0):
            self._repeating.start()

    async def close(self) -> None:
        await self._repeating.close()

    async def _sweep(self) -> None:
        moved = await requeue_from_gone_agents(self.engine, self.notifier, self.after)
        if moved:
            log.info("%d chats went back to the queue: their agents are gone", len(moved))
