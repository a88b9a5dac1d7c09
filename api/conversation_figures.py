"""One conversation's service figures, read back from what it stored: its lines, the events that
moved it between the bot, the queue and people, and its rating.

Definitions (all durations in seconds):

- bot first response: the customer's first line -> the first bot line after it that is no handoff
  notice (the bot's line that it passes them to a person answers nothing, as in the window's first
  response of `api.service_metrics`).
- time in queue: each handoff -> the claim that ended the wait (or the close, if nobody claimed it),
  summed over the conversation's handoffs; a wait still going counts up to `now`.
- human first response: the first handoff -> the first line of a person after it (None without a
  handoff: an agent who takes a chat over unasked did not keep anyone waiting).
- handle time: how long people held it: each claim -> the release or close that ended the hold,
  summed. A hold still going counts up to the last line its agent wrote (0 if none yet), never up
  to `now`: an agent who holds an idle chat is not working on it.
- resolved by the bot: closed (by a person, or after idling with the bot), the bot answered from
  the knowledge base (a scored answer it sent, not a greeting or a question back), no answer of it
  was flagged as bad by an agent, and no person was ever involved (no handoff, no claim, no line
  of a person).
- reopened: a closed conversation cannot be reopened here (a customer's line to it gets 409 and is
  not stored; the chat page offers a new conversation, which is not linked to the old one). What the
  service does have is a person returning a conversation to the bot, the person's "done"; the
  conversation counts as reopened when, after that, it needed a person again (another handoff, or a
  person took it again).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api.bot_turns import aware
from api.db import answer_flags, conversations, events, messages, ratings
from api.errors import NotFound

HANDOFF, CLAIMED, RELEASED, CLOSED = (
    "handoff.requested", "conversation.claimed", "conversation.released", "conversation.closed",
)
OWNERSHIP_EVENTS = (HANDOFF, CLAIMED, RELEASED, CLOSED)


@dataclass(frozen=True)
class Line:
    role: str  # customer | bot | agent
    at: datetime
    answer: bool = False  # the bot's scored answer from the knowledge base, sent to the customer
    notice: bool = False  # the bot's notice that it passes the customer to a person: no reply
    flagged: bool = False  # an agent flagged it as a bad answer


@dataclass(frozen=True)
class Change:
    """A handoff, claim, release or close."""

    type: str
    at: datetime
    agent_id: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Rated:
    score: int
    agent_id: int | None  # who had the chat when it was rated
    at: datetime


@dataclass(frozen=True)
class Timeline:
    """What a conversation stored, in order."""

    id: str
    state: str
    created_at: datetime
    lines: list[Line] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    rating: Rated | None = None


@dataclass(frozen=True)
class Hold:
    """An agent held the conversation from `start` until `end` (None: holds it still)."""

    conversation_id: str
    agent_id: int
    start: datetime
    end: datetime | None
    worked_until: datetime  # `end`, or for a hold still going, its agent's last line (or `start`)

    @property
    def seconds(self) -> float:
        return (self.worked_until - self.start).total_seconds()


@dataclass(frozen=True)
class ConversationMetrics:
    id: str
    state: str
    created_at: datetime
    bot_first_response: float | None
    time_in_queue: float | None  # None: never handed off
    handed_off: bool
    handoffs: int
    handoff_reason: str | None  # of the first handoff
    human_first_response: float | None
    handle_time: float | None  # None: no person ever held it
    agents: list[int]  # who held it, in order of their first claim
    resolved_by_bot: bool
    returned_to_bot: bool  # a person handed it back to the bot at least once
    reopened: bool
    rating: int | None


def holds(timeline: Timeline) -> list[Hold]:
    """Who held the conversation when. A claim by the agent who holds it already changes nothing."""
    found: list[Hold] = []
    holder: tuple[int, datetime] | None = None  # (agent, since)
    for change in timeline.changes:
        if change.type == CLAIMED and change.agent_id is not None:
            if holder and holder[0] == change.agent_id:
                continue
            if holder:
                found.append(_hold(timeline, *holder, end=change.at))
            holder = (change.agent_id, change.at)
        elif change.type in (RELEASED, CLOSED, HANDOFF) and holder:  # a held chat is queued when its agent is revoked
            found.append(_hold(timeline, *holder, end=change.at))
            holder = None
    if holder:
        found.append(_hold(timeline, *holder, end=None))
    return found


def _hold(timeline: Timeline, agent_id: int, start: datetime, *, end: datetime | None) -> Hold:
    if end is not None:
        return Hold(timeline.id, agent_id, start, end, end)
    spoke = [line.at for line in timeline.lines if line.role == "agent" and line.at >= start]
    return Hold(timeline.id, agent_id, start, None, max(spoke, default=start))


def _seconds(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds(), 3)


def _queue_waits(timeline: Timeline, now: datetime) -> list[float]:
    waits, waiting_since = [], None
    for change in timeline.changes:
        if change.type == HANDOFF and waiting_since is None:
            waiting_since = change.at
        elif change.type in (CLAIMED, CLOSED) and waiting_since is not None:
            waits.append(_seconds(waiting_since, change.at))
            waiting_since = None
    if waiting_since is not None:
        waits.append(_seconds(waiting_since, max(now, waiting_since)))
    return waits


def figures(timeline: Timeline, now: datetime) -> ConversationMetrics:
    """The conversation's figures as of `now` (see the module's docstring for the definitions)."""
    lines, changes = timeline.lines, timeline.changes
    asked = next((i for i, line in enumerate(lines) if line.role == "customer"), None)
    replies = (line for line in lines[asked:] if line.role == "bot" and not line.notice)  # the notice answers nothing
    answered = next(replies, None) if asked is not None else None
    handoffs = [c for c in changes if c.type == HANDOFF]
    person_lines = [line for line in lines if line.role == "agent"]
    first_person = next((line for line in person_lines if handoffs and line.at >= handoffs[0].at), None)
    held = holds(timeline)
    released = next((i for i, c in enumerate(changes) if c.type == RELEASED), None)
    involved = bool(handoffs or held or person_lines)
    return ConversationMetrics(
        id=timeline.id,
        state=timeline.state,
        created_at=timeline.created_at,
        bot_first_response=_seconds(lines[asked].at, answered.at) if asked is not None and answered else None,
        time_in_queue=round(sum(_queue_waits(timeline, now)), 3) if handoffs else None,
        handed_off=bool(handoffs),
        handoffs=len(handoffs),
        handoff_reason=handoffs[0].reason if handoffs else None,
        human_first_response=_seconds(handoffs[0].at, first_person.at) if first_person else None,
        handle_time=round(sum(h.seconds for h in held), 3) if held else None,
        agents=list(dict.fromkeys(h.agent_id for h in held)),
        resolved_by_bot=timeline.state == "closed" and not involved and any(line.answer for line in lines)
        and not any(line.flagged for line in lines),
        returned_to_bot=released is not None,
        reopened=released is not None and any(c.type in (HANDOFF, CLAIMED) for c in changes[released + 1:]),
        rating=timeline.rating.score if timeline.rating else None,
    )


def handoff_notice(role: str, handoff: bool) -> bool:
    """A stored line is the bot's notice that it passes the customer to a person (`messages.handoff`,
    the column the window's first response leaves out): no reply to what they asked."""
    return role == "bot" and bool(handoff)


def knowledge_answer(role: str, handoff: bool, signals: dict | None) -> bool:
    """A stored line is an answer the bot sent from the knowledge base: scored (a greeting or a
    question back has no signals) and not held back for a person."""
    return role == "bot" and not handoff and signals is not None


def _change(type_: str, data: dict | None, at: datetime) -> Change:
    if type_ == HANDOFF:
        return Change(type_, aware(at), reason=str((data or {}).get("reason") or "unknown"))
    agent_id = ((data or {}).get("agent") or {}).get("id")
    return Change(type_, aware(at), agent_id=int(agent_id) if agent_id is not None else None)


async def timelines(conn: AsyncConnection, ids: sa.Select | Iterable[str]) -> dict[str, Timeline]:
    """The timelines of the conversations `ids` (a list, or a SELECT of conversation ids)."""
    ids = ids if isinstance(ids, sa.Select) else list(ids)
    rows = (
        await conn.execute(sa.select(conversations.c.id, conversations.c.state, conversations.c.created_at).where(conversations.c.id.in_(ids)))
    ).all()
    flagged = set(
        (await conn.execute(sa.select(answer_flags.c.message_id).where(answer_flags.c.conversation_id.in_(ids)))).scalars()
    )
    lines: dict[str, list[Line]] = {}
    for mid, cid, role, at, handoff, signals in await conn.execute(
        sa.select(
            messages.c.id, messages.c.conversation_id, messages.c.role, messages.c.created_at, messages.c.handoff,
            messages.c.signals,
        )
        .where(messages.c.conversation_id.in_(ids))
        .order_by(messages.c.id)
    ):
        answer, notice = knowledge_answer(role, handoff, signals), handoff_notice(role, handoff)
        lines.setdefault(cid, []).append(Line(role, aware(at), answer=answer, notice=notice, flagged=mid in flagged))
    changes: dict[str, list[Change]] = {}
    for cid, type_, data, at in await conn.execute(
        sa.select(events.c.conversation_id, events.c.type, events.c.data, events.c.created_at)
        .where(events.c.conversation_id.in_(ids), events.c.type.in_(OWNERSHIP_EVENTS))
        .order_by(events.c.id)
    ):
        changes.setdefault(cid, []).append(_change(type_, data, at))
    rated = {
        cid: Rated(score, agent_id, aware(at))
        for cid, score, agent_id, at in await conn.execute(
            sa.select(ratings.c.conversation_id, ratings.c.score, ratings.c.agent_id, ratings.c.rated_at)
            .where(ratings.c.conversation_id.in_(ids))
        )
    }
    return {
        cid: Timeline(cid, state, aware(created), lines.get(cid, []), changes.get(cid, []), rated.get(cid))
        for cid, state, created in rows
    }


async def conversation_metrics(engine: AsyncEngine, conversation_id: str, now: datetime | None = None) -> ConversationMetrics:
    """One conversation's figures; NotFound if there is no such conversation."""
    async with engine.connect() as conn:
        found = (await timelines(conn, [conversation_id])).get(conversation_id)
    if found is None:
        raise NotFound()
    return figures(found, now or datetime.now(UTC))
