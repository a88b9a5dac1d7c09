"""Prometheus metrics at `GET /metrics`.

The service's state is read from the database at scrape time (conversations, messages, handoffs,
the queue, each agent's open chats, ratings), so every worker reports the same totals whichever
one is scraped. What only a worker knows, the time it took to compute its bot replies, is a
histogram of that worker.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.conversation_reads import has_lines
from api.db import agents, conversations, messages, ratings
from api.service_metrics import waiting_since

STATES = ("bot", "queued", "agent", "closed")


class Telemetry:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.conversations = Gauge("switchboard_conversations", "Conversations by state", ["state"], registry=r)
        self.messages = Gauge("switchboard_messages_total", "Messages stored, by author role", ["role"], registry=r)
        self.handoffs = Gauge("switchboard_handoffs_total", "Handoffs to the agent queue, by reason", ["reason"], registry=r)
        self.bot_replies = Gauge(
            "switchboard_bot_replies_total", "Bot replies, sent or handed off", ["outcome"], registry=r
        )
        self.queue_waiting = Gauge("switchboard_queue_waiting", "Conversations waiting for a person", registry=r)
        self.queue_oldest = Gauge(
            "switchboard_queue_oldest_wait_seconds", "How long the longest-waiting conversation has waited", registry=r
        )
        self.agent_chats = Gauge("switchboard_agent_open_chats", "Conversations each agent holds", ["agent"], registry=r)
        self.ratings = Gauge("switchboard_ratings_total", "Customer ratings, by score", ["score"], registry=r)
        self.reply_seconds = Histogram(
            "switchboard_bot_reply_seconds", "Time this worker took to compute a bot reply",
            buckets=(0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=r,
        )

    def time_reply(self) -> _Timer:
        return _Timer(self.reply_seconds)

    async def render(self, engine: AsyncEngine) -> bytes:
        async with engine.connect() as conn:
            by_state = dict((await conn.execute(
                sa.select(conversations.c.state, sa.func.count()).where(has_lines())  # not one where nothing was said
                .group_by(conversations.c.state))).all())
            by_role = dict((await conn.execute(
                sa.select(messages.c.role, sa.func.count()).group_by(messages.c.role))).all())
            by_reason = dict((await conn.execute(
                sa.select(messages.c.handoff_reason, sa.func.count())
                .where(messages.c.role == "bot", messages.c.handoff.is_(True))
                .group_by(messages.c.handoff_reason))).all())
            handed = (await conn.execute(sa.select(sa.func.count()).select_from(messages).where(
                messages.c.role == "bot", messages.c.handoff.is_(True)))).scalar_one()
            queued_since = await waiting_since(conn)
            held = (await conn.execute(
                sa.select(agents.c.name, sa.func.count(conversations.c.id))
                .select_from(agents.outerjoin(conversations, sa.and_(
                    conversations.c.agent_id == agents.c.id, conversations.c.state == "agent")))
                .where(agents.c.revoked_at.is_(None))
                .group_by(agents.c.name))).all()
            scores = dict((await conn.execute(
                sa.select(ratings.c.score, sa.func.count()).group_by(ratings.c.score))).all())
        for state in STATES:
            self.conversations.labels(state).set(by_state.get(state, 0))
        for role in ("customer", "bot", "agent"):
            self.messages.labels(role).set(by_role.get(role, 0))
        for reason, count in by_reason.items():
            self.handoffs.labels(reason or "unknown").set(count)
        self.bot_replies.labels("handed_off").set(handed)
        self.bot_replies.labels("sent").set(by_role.get("bot", 0) - handed)
        now = datetime.now(UTC)
        self.queue_waiting.set(len(queued_since))
        self.queue_oldest.set((now - min(queued_since)).total_seconds() if queued_since else 0)
        self.agent_chats.clear()
        for name, count in held:
            self.agent_chats.labels(name).set(count)
        for score in range(1, 6):
            self.ratings.labels(str(score)).set(scores.get(score, 0))
        return generate_latest(self.registry)


class _Timer:
    def __init__(self, histogram: Histogram) -> None:
        self._histogram = histogram

    def __enter__(self) -> _Timer:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self._histogram.observe(time.perf_counter() - self._started)
