"""The service's figures day by day (UTC days, every day of the window present even when nothing
happened), for the dashboard's charts; and each agent's days.

A conversation counts on the day it started, with the figures of `api.conversation_figures`. An
agent's day counts the conversations the agent took that day (first claim), the median of the
agent's handle time in them, the ratings given that day while the agent had the chat, and the peak
of chats the agent held at once during the day, rebuilt from the claims, releases and closes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.conversation_figures import (
    OWNERSHIP_EVENTS,
    ConversationMetrics,
    Hold,
    Timeline,
    figures,
    holds,
    timelines,
)
from api.db import agents, conversations, events, ratings
from api.errors import Invalid
from api.service_metrics import Durations, satisfaction_of

MAX_DAYS = 90


@dataclass(frozen=True)
class DayFigures:
    date: date
    conversations: int  # started this day
    handed_off: int
    handoff_rate: float | None
    handoffs_by_reason: dict[str, int]  # the first handoff's reason
    resolved_by_bot: int  # closed without a person
    bot_resolution_rate: float | None  # of the day's conversations
    bot_first_response: float | None  # the medians, in seconds
    time_in_queue: float | None
    human_first_response: float | None
    handle_time: float | None
    ratings: int
    csat: float | None  # the share of ratings that are 4 or 5
    returned_to_bot: int  # a person handed it back to the bot
    reopened: int  # ... and it needed a person again
    reopen_rate: float | None  # reopened / returned_to_bot


@dataclass(frozen=True)
class AgentDay:
    date: date
    handled: int  # conversations the agent took this day
    handle_time: float | None  # median seconds the agent held each of them
    ratings: int  # given this day while the agent had the chat
    csat: float | None
    peak_concurrent: int  # the most chats the agent held at once this day


@dataclass(frozen=True)
class AgentSeries:
    id: int
    name: str
    days: list[AgentDay]


@dataclass(frozen=True)
class DailyMetrics:
    since: datetime  # midnight UTC of the first day
    until: datetime  # now
    days: list[DayFigures]
    agents: list[AgentSeries]  # the agents who held a chat or were rated in the window, by name


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _median(seconds: list[float | None]) -> float | None:
    return Durations.of([s for s in seconds if s is not None]).median


def day_figures(day: date, started: list[ConversationMetrics]) -> DayFigures:
    n = len(started)
    handed = [c for c in started if c.handed_off]
    resolved = sum(c.resolved_by_bot for c in started)
    returned = [c for c in started if c.returned_to_bot]
    reopened = sum(c.reopened for c in returned)
    rated = satisfaction_of([c.rating for c in started if c.rating is not None])
    return DayFigures(
        date=day,
        conversations=n,
        handed_off=len(handed),
        handoff_rate=_share(len(handed), n),
        handoffs_by_reason=dict(Counter(c.handoff_reason or "unknown" for c in handed).most_common()),
        resolved_by_bot=resolved,
        bot_resolution_rate=_share(resolved, n),
        bot_first_response=_median([c.bot_first_response for c in started]),
        time_in_queue=_median([c.time_in_queue for c in handed]),
        human_first_response=_median([c.human_first_response for c in handed]),
        handle_time=_median([c.handle_time for c in started]),
        ratings=rated.ratings,
        csat=rated.csat,
        returned_to_bot=len(returned),
        reopened=reopened,
        reopen_rate=_share(reopened, len(returned)),
    )


def peak_concurrent(agent_holds: list[Hold], start: datetime, end: datetime) -> int:
    """The most of `agent_holds` open at one moment between `start` and `end` (a hold still going
    lasts until `end`). A chat released at the moment another is claimed was not held with it."""
    points: list[tuple[datetime, int, int]] = []  # (moment, order: ends first, change)
    for hold in agent_holds:
        since, until = max(hold.start, start), min(hold.end or end, end)
        if since < until:
            points += [(since, 1, 1), (until, 0, -1)]
        elif hold.start == hold.end and start <= hold.start < end:
            points.append((since, 2, 0))  # claimed and let go in the same instant: held, for a moment
    held = peak = 0
    for _, order, change in sorted(points):
        held += change
        peak = max(peak, held + (order == 2))
    return peak


def agent_days(days: list[date], agent_holds: list[Hold], rated: list[tuple[datetime, int]], until: datetime) -> list[AgentDay]:
    """One agent's days. `rated`: (when, score) of the ratings given while the agent had the chat."""
    taken: dict[str, date] = {}  # conversation -> the day the agent first took it
    held_seconds: Counter[str] = Counter()
    for hold in sorted(agent_holds, key=lambda h: h.start):
        taken.setdefault(hold.conversation_id, hold.start.astimezone(UTC).date())
        held_seconds[hold.conversation_id] += hold.seconds
    found = []
    for day in days:
        start = datetime.combine(day, time(), UTC)
        ids = [cid for cid, on in taken.items() if on == day]
        satisfaction = satisfaction_of([score for at, score in rated if at.date() == day])
        found.append(
            AgentDay(
                date=day,
                handled=len(ids),
                handle_time=_median([held_seconds[cid] for cid in ids]),
                ratings=satisfaction.ratings,
                csat=satisfaction.csat,
                peak_concurrent=peak_concurrent(agent_holds, start, min(start + timedelta(days=1), until)),
            )
        )
    return found


def window(days: int, now: datetime) -> list[date]:
    """The last `days` UTC days, today included, oldest first."""
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"`days` must be from 1 to {MAX_DAYS}; got {days}")
    today = now.astimezone(UTC).date()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


async def daily_metrics(engine: AsyncEngine, days: int = 14, now: datetime | None = None) -> DailyMetrics:
    now = now or datetime.now(UTC)
    dates = window(days, now)
    since = datetime.combine(dates[0], time(), UTC)
    involved = sa.union(  # started in the window, or a person held it during the window, or rated in it
        sa.select(conversations.c.id).where(conversations.c.created_at >= since, conversations.c.created_at < now),
        sa.select(events.c.conversation_id).where(events.c.type.in_(OWNERSHIP_EVENTS), events.c.created_at >= since),
        sa.select(conversations.c.id).where(conversations.c.state == "agent"),
        sa.select(ratings.c.conversation_id).where(ratings.c.rated_at >= since),
    )
    async with engine.connect() as conn:
        found = await timelines(conn, sa.select(involved.subquery().c.id))
        names = dict((await conn.execute(sa.select(agents.c.id, agents.c.name))).all())

    by_day: dict[date, list[ConversationMetrics]] = {day: [] for day in dates}
    holds_by_agent: dict[int, list[Hold]] = {}
    rated_by_agent: dict[int, list[tuple[datetime, int]]] = {}
    for timeline in found.values():
        if since <= timeline.created_at < now and timeline.lines:  # not a conversation in which nothing was said
            by_day[timeline.created_at.astimezone(UTC).date()].append(figures(timeline, now))
        for hold in holds(timeline):
            if hold.end is None or hold.end >= since:
                holds_by_agent.setdefault(hold.agent_id, []).append(hold)
        _note_rating(timeline, since, rated_by_agent)
    series = [
        AgentSeries(agent_id, names.get(agent_id, f"agent {agent_id}"), agent_days(
            dates, holds_by_agent.get(agent_id, []), rated_by_agent.get(agent_id, []), now
        ))
        for agent_id in holds_by_agent.keys() | rated_by_agent.keys()
    ]
    return DailyMetrics(
        since=since,
        until=now,
        days=[day_figures(day, by_day[day]) for day in dates],
        agents=sorted(series, key=lambda a: (a.name, a.id)),
    )


def _note_rating(timeline: Timeline, since: datetime, rated_by_agent: dict[int, list[tuple[datetime, int]]]) -> None:
    rating = timeline.rating
    if rating and rating.agent_id is not None and rating.at >= since:
        rated_by_agent.setdefault(rating.agent_id, []).append((rating.at.astimezone(UTC), rating.score))
