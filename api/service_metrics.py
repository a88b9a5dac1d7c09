"""The service's figures for operators: volume, how fast customers hear back, how often the bot
hands off and why, satisfaction, the queue now, and each agent's load.

Read from the stored conversations, messages, events and ratings over a time window, so every
worker reports the same numbers and nothing is counted in memory.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api.bot_turns import aware
from api.conversation_figures import knowledge_answer
from api.conversation_reads import has_lines
from api.db import agents, conversations, events, messages, ratings
from api.presence import effectively_online


@dataclass(frozen=True)
class Durations:
    """Seconds: how many were measured, their median and 90th percentile."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, seconds: list[float]) -> Durations:
        if not seconds:
            return cls(0, None, None)
        ordered = sorted(seconds)
        return cls(len(ordered), round(quantile(ordered, 0.5), 3), round(quantile(ordered, 0.9), 3))


@dataclass(frozen=True)
class Satisfaction:
    ratings: int
    average: float | None  # of the 1-5 scores
    csat: float | None  # the share of ratings that are 4 or 5


@dataclass(frozen=True)
class AgentLoad:
    id: int
    name: str
    presence: str  # online (set online, and a console seen within a minute) | away | revoked
    open_chats: int  # conversations this agent has now
    handled: int  # conversations of the window this agent claimed
    satisfaction: Satisfaction


@dataclass(frozen=True)
class ServiceMetrics:
    since: datetime
    until: datetime
    conversations: int  # started in the window
    handed_off: int  # of those, how many went to the agent queue
    handoff_rate: float | None
    handoffs_by_reason: dict[str, int]
    # of those, how many a person took from the bot unasked (claimed, or replied to, before any
    # handoff): people were involved though nothing was handed off
    taken_over: int
    answered_by_bot_alone: int  # the bot sent an answer from the knowledge base, and it never went to a person
    first_response: Durations  # customer's first line -> the first reply, from the bot (not a handoff notice) or a person
    agent_first_response: Durations  # conversation handed off -> the first message of a person
    satisfaction: Satisfaction
    queue_waiting: int  # now
    queue_longest_wait: float | None  # seconds, now
    agents: list[AgentLoad] = field(default_factory=list)


def quantile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks."""
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def waiting_since(conn: AsyncConnection) -> list[datetime]:
    """Since when each conversation in the queue now has waited: the time it joined the queue, which
    orders the queue and which the console counts from (`Conversations.queue`). A chat put back in
    the queue (its agent revoked) or asked for again keeps it; its last handoff event does not."""
    rows = await conn.execute(
        sa.select(sa.func.coalesce(conversations.c.queued_at, conversations.c.updated_at)).where(
            conversations.c.state == "queued"
        )
    )
    return [aware(t) for t in rows.scalars()]


def satisfaction_of(scores: list[int]) -> Satisfaction:
    if not scores:
        return Satisfaction(0, None, None)
    return Satisfaction(
        len(scores), round(sum(scores) / len(scores), 3), round(sum(s >= 4 for s in scores) / len(scores), 3)
    )


async def service_metrics(engine: AsyncEngine, since: datetime, until: datetime | None = None) -> ServiceMetrics:
    until = until or datetime.now(UTC)
    in_window = sa.and_(conversations.c.created_at >= since, conversations.c.created_at < until, has_lines())
    window_ids = sa.select(conversations.c.id).where(in_window)
    async with engine.connect() as conn:
        started = (await conn.execute(sa.select(sa.func.count()).select_from(conversations).where(in_window))).scalar_one()
        lines = (
            await conn.execute(
                sa.select(messages.c.conversation_id, messages.c.role, sa.func.min(messages.c.created_at))
                .where(messages.c.conversation_id.in_(window_ids))
                .group_by(messages.c.conversation_id, messages.c.role)
            )
        ).all()
        first_asked = (
            sa.select(messages.c.conversation_id, sa.func.min(messages.c.created_at).label("at"))
            .where(messages.c.role == "customer", messages.c.conversation_id.in_(window_ids))
            .group_by(messages.c.conversation_id)
            .subquery()
        )
        # the first reply after the customer's first line: a line before it (the notice of a handoff
        # the customer asked for with the button, an agent's greeting) answers nothing they said,
        # and the bot's notice that it passes them to a person is no answer either
        replies = sa.or_(messages.c.role == "agent", sa.and_(messages.c.role == "bot", messages.c.handoff.is_(False)))
        first_answered = (
            await conn.execute(
                sa.select(first_asked.c.at, sa.func.min(messages.c.created_at))
                .join(first_asked, first_asked.c.conversation_id == messages.c.conversation_id)
                .where(replies, messages.c.created_at >= first_asked.c.at)
                .group_by(messages.c.conversation_id, first_asked.c.at)
            )
        ).all()
        handoffs = (
            await conn.execute(
                sa.select(events.c.conversation_id, events.c.data, events.c.created_at)
                .where(events.c.type == "handoff.requested", events.c.conversation_id.in_(window_ids))
                .order_by(events.c.id)
            )
        ).all()
        scored = {  # conversations with an answer the bot sent from the knowledge base (not a greeting)
            cid for cid, role, handoff, signals in await conn.execute(
                sa.select(messages.c.conversation_id, messages.c.role, messages.c.handoff, messages.c.signals).where(
                    messages.c.role == "bot", messages.c.conversation_id.in_(window_ids)
                )
            ) if knowledge_answer(role, handoff, signals)
        }
        agent_lines = (
            await conn.execute(
                sa.select(messages.c.conversation_id, messages.c.created_at)
                .where(messages.c.role == "agent", messages.c.conversation_id.in_(window_ids))
                .order_by(messages.c.id)
            )
        ).all()
        claims = (
            await conn.execute(
                sa.select(events.c.conversation_id, events.c.data, events.c.created_at)
                .where(events.c.type == "conversation.claimed", events.c.conversation_id.in_(window_ids))
            )
        ).all()
        rated = (
            await conn.execute(
                sa.select(ratings.c.score, ratings.c.agent_id).where(ratings.c.conversation_id.in_(window_ids))
            )
        ).all()
        queued_since = await waiting_since(conn)
        load = dict(
            (
                await conn.execute(
                    sa.select(conversations.c.agent_id, sa.func.count())
                    .where(conversations.c.state == "agent")
                    .group_by(conversations.c.agent_id)
                )
            ).all()
        )
        accounts = (
            await conn.execute(
                sa.select(
                    agents.c.id, agents.c.name,
                    sa.case((agents.c.revoked_at.is_not(None), "revoked"), (effectively_online(), "online"), else_="away"),
                ).order_by(agents.c.name)
            )
        ).all()

    first_by_role: dict[str, dict[str, datetime]] = {}
    for conversation_id, role, at in lines:
        first_by_role.setdefault(conversation_id, {})[role] = aware(at)
    first_response = [(aware(answered) - aware(asked)).total_seconds() for asked, answered in first_answered]

    first_handoff: dict[str, datetime] = {}
    reasons: Counter[str] = Counter()
    for conversation_id, data, at in handoffs:
        if conversation_id not in first_handoff:
            first_handoff[conversation_id] = aware(at)
            reasons[str((data or {}).get("reason") or "unknown")] += 1
    agent_first: dict[str, float] = {}
    for conversation_id, at in agent_lines:
        handed = first_handoff.get(conversation_id)
        if handed and conversation_id not in agent_first and aware(at) >= handed:
            agent_first[conversation_id] = (aware(at) - handed).total_seconds()

    bot_alone = sum(
        1 for cid, by_role in first_by_role.items() if cid in scored and cid not in first_handoff and "agent" not in by_role
    )
    claimed_by = {(cid, (data or {}).get("agent", {}).get("id")) for cid, data, _ in claims}
    first_claim: dict[str, datetime] = {}
    for cid, _, at in claims:
        first_claim[cid] = min(first_claim.get(cid, aware(at)), aware(at))
    taken_over = sum(1 for cid, at in first_claim.items() if cid not in first_handoff or at < first_handoff[cid])
    handled: Counter[int] = Counter(int(agent_id) for _, agent_id in claimed_by if agent_id is not None)
    scores_by_agent: dict[int, list[int]] = {}
    for score, agent_id in rated:
        if agent_id is not None:
            scores_by_agent.setdefault(agent_id, []).append(score)
    now = datetime.now(UTC)
    return ServiceMetrics(
        since=since,
        until=until,
        conversations=started,
        handed_off=len(first_handoff),
        handoff_rate=round(len(first_handoff) / started, 3) if started else None,
        handoffs_by_reason=dict(reasons.most_common()),
        taken_over=taken_over,
        answered_by_bot_alone=bot_alone,
        first_response=Durations.of(first_response),
        agent_first_response=Durations.of(list(agent_first.values())),
        satisfaction=satisfaction_of([score for score, _ in rated]),
        queue_waiting=len(queued_since),
        queue_longest_wait=round((now - min(queued_since)).total_seconds(), 1) if queued_since else None,
        # a revoked agent stays listed for the chats and ratings of the window (the per-agent figures
        # add up to the totals); one with none there is gone
        agents=[
            AgentLoad(id, name, presence, int(load.get(id, 0)), handled[id], satisfaction_of(scores_by_agent.get(id, [])))
            for id, name, presence in accounts
            if presence != "revoked" or handled[id] or scores_by_agent.get(id)
        ],
    )
