"""Conversations the bot answered and nobody came back to close on their own.

A customer who got their answer rarely says goodbye. Left open, such a conversation would never
count as resolved by the bot (api/conversation_figures.py), and it would never offer the customer
the rating that a closed one does. So a conversation still with the bot closes once nothing has
happened in it for `SWITCHBOARD_BOT_IDLE_CLOSE_HOURS` (24 by default, 0 never), as Intercom and
Chatwoot resolve idle conversations. Never one that waits for a person (queued) or that a person
has, and never one whose last line the bot has not answered yet (a stopped worker's, answered when
the service starts again).

Every worker runs the sweep; each conversation closes once, by a conditional UPDATE, with its
`conversation.closed` event and audit entry in the same transaction.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api import audit
from api.background import Repeating
from api.bot_turns import has_unanswered_lines
from api.db import conversations
from api.events import LocalNotifier, append_event

log = logging.getLogger(__name__)

SYSTEM = audit.Actor("system")  # the audit log's actor for what the service does on its own
BATCH = 200  # conversations closed per transaction round, so one sweep never holds the database long
MAX_SWEEP_SECONDS = 60.0


async def close_idle(engine: AsyncEngine, notifier: LocalNotifier, idle: timedelta, now: datetime | None = None) -> list[str]:
    """Close every conversation with the bot idle for `idle` or longer; returns their ids."""
    cutoff = (now or datetime.now(UTC)) - idle
    idle_with_bot = sa.and_(conversations.c.state == "bot", conversations.c.updated_at <= cutoff, ~has_unanswered_lines())
    closed: list[str] = []
    while True:
        async with engine.connect() as conn:
            ids = (
                await conn.execute(
                    sa.select(conversations.c.id).where(idle_with_bot).order_by(conversations.c.updated_at).limit(BATCH)
                )
            ).scalars().all()
        batch = []
        for conversation_id in ids:
            async with engine.begin() as conn:
                done = (
                    await conn.execute(
                        conversations.update()
                        .where(conversations.c.id == conversation_id, idle_with_bot)
                        .values(state="closed", updated_at=datetime.now(UTC))
                        .returning(conversations.c.id)
                    )
                ).first()
                if done is None:  # the customer wrote, or another worker closed it, meanwhile
                    continue
                seconds = idle.total_seconds()
                detail = {"reason": "inactive", "idle_hours": round(seconds / 3600, 2), "idle_seconds": round(seconds)}
                await append_event(conn, conversation_id, "conversation.closed", {"agent": None, **detail})
                await audit.record(conn, "conversation.close", SYSTEM, conversation_id=conversation_id, detail=detail)
            batch.append(conversation_id)
        closed += batch
        if batch:
            await notifier.publish()
        if len(ids) < BATCH:
            return closed


class IdleCloser:
    """Runs `close_idle` every so often while the app runs (a quarter of the idle time, at most a minute)."""

    def __init__(self, engine: AsyncEngine, notifier: LocalNotifier, idle_hours: float) -> None:
        self.engine = engine
        self.notifier = notifier
        self.idle = timedelta(hours=idle_hours)
        self.every = min(MAX_SWEEP_SECONDS, max(0.5, self.idle.total_seconds() / 4))
        self._repeating = Repeating(self._sweep, self.every, "closing idle conversations", now=True)

    async def start(self) -> None:
        if self.idle > timedelta(0):
            self._repeating.start()

    async def close(self) -> None:
        await self._repeating.close()

    async def _sweep(self) -> None:
        closed = await close_idle(self.engine, self.notifier, self.idle)
        if closed:
            log.info("closed %d conversations left idle with the bot", len(closed))
