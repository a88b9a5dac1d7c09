"""Service metrics per conversation and per UTC day, and each agent's days (issue 8, Metrics).

Most tests drive the real conversation service against a real SQLite database on a clock the test
sets: every time the service stores (a line, an event, a rating) is the clock's, and the bot's
answer takes as long as the test says. So each figure is known to the second. The last tests read
the same figures over HTTP, as an admin.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

import api.conversation_writes
import api.conversations
import api.events
import api.held_chats
import api.ratings
import api.service_metrics
import api.telemetry
from api import agents, ratings
from api.agents import create_or_rotate
from api.conversation_figures import ConversationMetrics, conversation_metrics
from api.conversations import Agent, ConversationService
from api.flags import flag_answer
from api.db import open_database
from api.errors import Invalid, NotFound
from api.events import LocalNotifier
from api.metrics_series import DailyMetrics, daily_metrics
from api.service_metrics import service_metrics
from api.telemetry import Telemetry
from assistant import Reply

from .api_helpers import OFF_TOPIC, start_conversation

MONDAY = date(2025, 3, 3)


def at(clock: str, day: int = 0) -> datetime:
    """'09:00:10' on MONDAY (+ `day` days), UTC."""
    return datetime.combine(MONDAY + timedelta(days=day), time.fromisoformat(clock), UTC)


class Clock:
    """What the service reads as now."""

    def __init__(self) -> None:
        self.now = at("00:00:00")

    def datetime_class(self) -> type[datetime]:
        clock = self

        class ClockDatetime(datetime):
            @classmethod
            def now(cls, tz=None):  # type: ignore[override]
                return clock.now if tz else clock.now.replace(tzinfo=None)

        return ClockDatetime


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The service's clock: conversations and their lines, events and ratings are stamped with it."""
    clock = Clock()
    monkeypatch.setattr(api.conversations, "_now", lambda: clock.now)
    monkeypatch.setattr(api.conversation_writes, "_now", lambda: clock.now)
    monkeypatch.setattr(api.events, "datetime", clock.datetime_class())
    monkeypatch.setattr(api.ratings, "datetime", clock.datetime_class())
    monkeypatch.setattr(api.held_chats, "_now", lambda: clock.now)
    monkeypatch.setattr(api.service_metrics, "datetime", clock.datetime_class())  # the queue's wait "now"
    monkeypatch.setattr(api.telemetry, "datetime", clock.datetime_class())
    return clock


@dataclass
class Desk:
    """A help desk on the test's clock: customers, a bot that answers in a set time, and agents."""

    service: ConversationService
    clock: Clock
    agents: dict[str, Agent] = field(default_factory=dict)

    async def hire(self, name: str) -> Agent:
        account, _, _ = await create_or_rotate(self.service.engine, name)
        self.agents[name] = Agent(account.id, account.name)
        return self.agents[name]

    async def start(self, when: datetime) -> str:
        self.clock.now = when
        conversation_id, _ = await self.service.create()
        return conversation_id

    async def customer_says(self, conversation_id: str, when: datetime, *, bot_after: float = 2.0, hands_off: str | None = None) -> None:
        """The customer writes at `when`; the bot (if it has the chat) answers `bot_after` seconds
        later, handing off for the reason `hands_off` if given."""

        async def answer(*_args, **_kwargs) -> Reply:
            self.clock.now = when + timedelta(seconds=bot_after)
            return Reply(
                text="an answer", confidence=0.2 if hands_off else 0.9, handoff=bool(hands_off), handoff_reason=hands_off,
                signals={"retrieval": 0.7},  # scored: an answer from the knowledge base
            )

        self.clock.now = when
        await self.service.post_customer_message(conversation_id, "a question", answer)

    async def asks_for_a_person(self, conversation_id: str, when: datetime) -> None:
        self.clock.now = when
        await self.service.request_handoff(conversation_id)

    async def claims(self, name: str, conversation_id: str, when: datetime) -> None:
        self.clock.now = when
        await self.service.claim(conversation_id, self.agents[name])

    async def writes(self, name: str, conversation_id: str, when: datetime) -> None:
        self.clock.now = when
        await self.service.agent_message(conversation_id, self.agents[name], "a person's answer")

    async def releases(self, name: str, conversation_id: str, when: datetime) -> None:
        self.clock.now = when
        await self.service.release(conversation_id, self.agents[name])

    async def closes(self, name: str, conversation_id: str, when: datetime) -> None:
        self.clock.now = when
        await self.service.close(conversation_id, self.agents[name])

    async def revokes(self, name: str, when: datetime) -> None:
        """An admin revokes the agent: the chats they hold go back to the queue."""
        self.clock.now = when
        await agents.revoke(self.service.engine, self.agents[name].id)

    async def rates(self, conversation_id: str, score: int, when: datetime) -> None:
        self.clock.now = when
        await ratings.rate(self.service.engine, conversation_id, score, None)

    async def figures(self, conversation_id: str, now: datetime) -> ConversationMetrics:
        return await conversation_metrics(self.service.engine, conversation_id, now=now)

    async def daily(self, days: int, now: datetime) -> DailyMetrics:
        return await daily_metrics(self.service.engine, days, now=now)


def run(tmp_path: Path, clock: Clock, scenario: Callable[[Desk], Awaitable[None]]) -> None:
    async def main() -> None:
        engine = await open_database(f"sqlite:///{tmp_path / 'desk.db'}")
        service = ConversationService(engine=engine, notifier=LocalNotifier(), max_message_chars=4000, max_agent_chats=10)
        desk = Desk(service, clock)
        for name in ("alice", "bob"):
            await desk.hire(name)
        try:
            await scenario(desk)
        finally:
            await service.shutdown()
            await engine.dispose()

    asyncio.run(main())


# ----- one conversation ---------------------------------------------------------------------


def test_the_first_response_is_the_first_reply_after_the_customers_first_line(tmp_path: Path, clock: Clock) -> None:
    """A line before the customer's first one answers nothing they said: the notice of a handoff
    they asked for with the button, or a person's greeting. The reply after it counts."""

    async def scenario(desk: Desk) -> None:
        greeted = await desk.start(at("09:00:00"))
        await desk.asks_for_a_person(greeted, at("09:00:01"))
        await desk.claims("alice", greeted, at("09:00:02"))
        await desk.writes("alice", greeted, at("09:00:03"))  # "Hi, how can I help?" before a word from them
        await desk.customer_says(greeted, at("09:00:10"))
        await desk.writes("alice", greeted, at("09:00:13"))  # 3 s
        by_bot = await desk.start(at("10:00:00"))
        await desk.customer_says(by_bot, at("10:00:05"), bot_after=5)  # 5 s
        summary = await service_metrics(desk.service.engine, since=at("08:00:00"), until=at("12:00:00"))
        assert summary.first_response.count == 2
        assert summary.first_response.median == 4.0

    run(tmp_path, clock, scenario)


def test_the_bots_notice_that_it_passes_the_customer_on_is_no_first_response(tmp_path: Path, clock: Clock) -> None:
    """A chat queued for minutes and never answered had a first response of a fraction of a second:
    the handoff notice's. The person's reply is the first response; before it there is none."""

    async def scenario(desk: Desk) -> None:
        answered = await desk.start(at("09:00:00"))
        await desk.customer_says(answered, at("09:00:05"), bot_after=0.5, hands_off="low_confidence")
        await desk.claims("alice", answered, at("09:08:00"))
        await desk.writes("alice", answered, at("09:08:05"))  # 8 min after the customer asked
        waiting = await desk.start(at("10:00:00"))
        await desk.customer_says(waiting, at("10:00:05"), bot_after=0.5, hands_off="low_confidence")
        summary = await service_metrics(desk.service.engine, since=at("08:00:00"), until=at("12:00:00"))
        assert summary.first_response.count == 1
        assert summary.first_response.median == 480.0

    run(tmp_path, clock, scenario)


def test_the_bots_handoff_notice_is_no_bot_first_response(tmp_path, clock):
    """A typed "talk to a human" scored a bot first response of 0.03 s, the notice's, in a
    conversation's figures and the day's median, while the window's first response (and the README)
    leave that notice out."""

    async def scenario(desk: Desk) -> None:
        handed = await desk.start(at("09:00:00"))
        await desk.customer_says(handed, at("09:00:05"), bot_after=0.03, hands_off="customer_request")
        await desk.claims("alice", handed, at("09:03:00"))
        await desk.writes("alice", handed, at("09:03:05"))
        answered = await desk.start(at("10:00:00"))
        await desk.customer_says(answered, at("10:00:00"), bot_after=4)

        assert (await desk.figures(handed, now=at("12:00:00"))).bot_first_response is None
        assert (await desk.figures(answered, now=at("12:00:00"))).bot_first_response == 4.0
        assert (await desk.daily(1, now=at("12:00:00"))).days[0].bot_first_response == 4.0  # not the median of 0.03 and 4
        window = await service_metrics(desk.service.engine, since=at("08:00:00"), until=at("12:00:00"))
        assert window.first_response.count == 2 and window.first_response.median == (180.0 + 4.0) / 2

    run(tmp_path, clock, scenario)


def test_a_conversations_figures_follow_what_happened_in_it(tmp_path: Path, clock: Clock) -> None:
    async def scenario(desk: Desk) -> None:
        c = await desk.start(at("09:00:00"))
        await desk.customer_says(c, at("09:00:10"), bot_after=2, hands_off="low_confidence")  # queued at 09:00:12
        await desk.claims("alice", c, at("09:01:12"))  # 60 s in the queue
        await desk.writes("alice", c, at("09:01:42"))  # a person answers 90 s after the handoff
        await desk.releases("alice", c, at("09:11:12"))  # alice held it 600 s
        await desk.customer_says(c, at("09:20:00"), bot_after=1, hands_off="escalation")  # queued again at 09:20:01
        await desk.claims("bob", c, at("09:20:31"))  # 30 s in the queue
        await desk.closes("bob", c, at("09:25:31"))  # bob held it 300 s
        await desk.rates(c, 5, at("09:26:00"))

        m = await desk.figures(c, now=at("12:00:00"))
        assert m.state == "closed" and m.created_at == at("09:00:00")
        assert m.bot_first_response is None  # the bot's lines were handoff notices: no reply
        assert m.handoffs == 2 and m.handed_off and m.handoff_reason == "low_confidence"
        assert m.time_in_queue == 90.0
        assert m.human_first_response == 90.0
        assert m.handle_time == 900.0
        assert m.agents == [desk.agents["alice"].id, desk.agents["bob"].id]
        assert m.returned_to_bot and m.reopened  # alice gave it back, and it needed a person again
        assert not m.resolved_by_bot
        assert m.rating == 5

    run(tmp_path, clock, scenario)


def test_a_conversation_the_bot_answered_and_that_was_closed_without_a_person_is_resolved_by_the_bot(tmp_path, clock):
    async def scenario(desk: Desk) -> None:
        c = await desk.start(at("09:00:00"))
        await desk.customer_says(c, at("09:00:05"), bot_after=3)
        await desk.closes("alice", c, at("09:10:00"))  # closed from the list, never claimed

        m = await desk.figures(c, now=at("12:00:00"))
        assert m.resolved_by_bot and m.bot_first_response == 3.0
        assert not m.handed_off and m.handoff_reason is None
        assert m.time_in_queue is None and m.human_first_response is None and m.handle_time is None
        assert m.agents == [] and not m.returned_to_bot and not m.reopened and m.rating is None

    run(tmp_path, clock, scenario)


def test_a_greeting_a_question_back_or_a_flagged_answer_is_not_resolved_by_the_bot(tmp_path, clock):
    async def scenario(desk: Desk) -> None:
        greeted = await desk.start(at("09:00:00"))

        async def greeting(*_args, **_kwargs) -> Reply:
            return Reply(text="Hello! What can I help you with?", confidence=1.0)  # smalltalk: no score

        clock.now = at("09:00:05")
        await desk.service.post_customer_message(greeted, "hi", greeting)
        await desk.closes("alice", greeted, at("10:00:00"))

        flagged = await desk.start(at("09:00:00"))
        await desk.customer_says(flagged, at("09:00:05"))
        [answer] = [m for m in await desk.service.messages(flagged) if m.role == "bot"]
        await flag_answer(desk.service.engine, flagged, answer.id, await desk.hire("carol"), "wrong article")
        await desk.closes("alice", flagged, at("10:00:00"))

        for conversation_id in (greeted, flagged):
            assert not (await desk.figures(conversation_id, now=at("12:00:00"))).resolved_by_bot

    run(tmp_path, clock, scenario)


def test_a_wait_still_going_counts_to_now_and_a_chat_still_held_to_its_agents_last_line(tmp_path, clock):
    async def scenario(desk: Desk) -> None:
        waiting = await desk.start(at("09:00:00"))
        await desk.asks_for_a_person(waiting, at("09:00:30"))  # no line yet: no bot first response
        held = await desk.start(at("09:00:00"))
        await desk.asks_for_a_person(held, at("09:00:00"))
        await desk.claims("alice", held, at("09:02:00"))
        await desk.writes("alice", held, at("09:05:00"))

        w = await desk.figures(waiting, now=at("09:10:30"))
        assert w.state == "queued" and w.time_in_queue == 600.0 and w.bot_first_response is None
        assert w.handoff_reason == "customer_request" and w.human_first_response is None and w.handle_time is None
        h = await desk.figures(held, now=at("09:30:00"))
        assert h.time_in_queue == 120.0 and h.human_first_response == 300.0
        assert h.handle_time == 180.0  # claimed 09:02, last line 09:05; idle time after that is not handling
        assert not h.reopened

    run(tmp_path, clock, scenario)


def test_an_unknown_conversation_has_no_figures(tmp_path, clock):
    async def scenario(desk: Desk) -> None:
        with pytest.raises(NotFound):
            await desk.figures("no-such-conversation", now=at("09:00:00"))

    run(tmp_path, clock, scenario)


# ----- day by day ---------------------------------------------------------------------------


def test_every_day_of_the_window_is_there_and_an_empty_day_has_zeros_and_no_medians(tmp_path, clock):
    async def scenario(desk: Desk) -> None:
        before = await desk.start(at("23:59:59", day=-1))  # the day before the window
        await desk.customer_says(before, at("23:59:59", day=-1))
        c = await desk.start(at("10:00:00", day=1))
        await desk.customer_says(c, at("10:00:00", day=1), bot_after=4)

        d = await desk.daily(4, now=at("18:00:00", day=3))
        assert [day.date for day in d.days] == [MONDAY + timedelta(days=n) for n in range(4)]
        assert d.since == at("00:00:00") and d.until == at("18:00:00", day=3)
        assert [day.conversations for day in d.days] == [0, 1, 0, 0]
        empty = d.days[0]
        assert empty.handed_off == 0 and empty.handoffs_by_reason == {} and empty.resolved_by_bot == 0 and empty.ratings == 0
        assert empty.handoff_rate is None and empty.bot_resolution_rate is None and empty.csat is None
        assert empty.bot_first_response is None and empty.time_in_queue is None and empty.handle_time is None
        assert empty.reopen_rate is None
        assert d.days[1].bot_first_response == 4.0 and d.days[1].handoff_rate == 0.0
        assert d.agents == []  # nobody held a chat or was rated

    run(tmp_path, clock, scenario)


def test_a_days_rates_and_medians(tmp_path, clock):
    async def scenario(desk: Desk) -> None:
        solved = await desk.start(at("09:00:00"))
        await desk.customer_says(solved, at("09:00:00"), bot_after=2)
        await desk.closes("alice", solved, at("09:05:00"))
        await desk.rates(solved, 5, at("09:06:00"))
        unsure = await desk.start(at("10:00:00"))
        await desk.customer_says(unsure, at("10:00:00"), bot_after=4, hands_off="low_confidence")
        await desk.claims("alice", unsure, at("10:01:04"))  # 60 s in the queue
        await desk.writes("alice", unsure, at("10:02:04"))  # 120 s after the handoff
        await desk.closes("alice", unsure, at("10:10:04"))  # handled 540 s
        await desk.rates(unsure, 2, at("10:11:00"))
        asked = await desk.start(at("11:00:00"))
        await desk.customer_says(asked, at("11:00:00"), bot_after=6)
        await desk.asks_for_a_person(asked, at("11:01:00"))
        await desk.claims("bob", asked, at("11:04:00"))  # 180 s in the queue
        await desk.writes("bob", asked, at("11:05:00"))  # 240 s after the handoff
        await desk.closes("bob", asked, at("11:07:00"))  # handled 180 s
        await desk.rates(asked, 4, at("11:08:00"))

        monday = (await desk.daily(1, now=at("20:00:00"))).days[0]
        assert monday.conversations == 3 and monday.handed_off == 2 and monday.handoff_rate == 0.667
        assert monday.handoffs_by_reason == {"low_confidence": 1, "customer_request": 1}
        assert monday.resolved_by_bot == 1 and monday.bot_resolution_rate == 0.333
        assert monday.bot_first_response == 4.0  # of 2 and 6 (after 4 s the bot handed off: no reply)
        assert monday.time_in_queue == 120.0  # of 60 and 180
        assert monday.human_first_response == 180.0  # of 120 and 240
        assert monday.handle_time == 360.0  # of 540 and 180
        assert monday.ratings == 3 and monday.csat == 0.667  # 5 and 4 of 5, 2, 4

    run(tmp_path, clock, scenario)


def test_the_reopen_rate_is_the_share_of_chats_given_back_to_the_bot_that_needed_a_person_again(tmp_path, clock):
    async def scenario(desk: Desk) -> None:
        given_back = []
        for hour in ("09", "10", "11"):
            c = await desk.start(at(f"{hour}:00:00"))
            await desk.asks_for_a_person(c, at(f"{hour}:00:10"))
            await desk.claims("alice", c, at(f"{hour}:01:00"))
            await desk.releases("alice", c, at(f"{hour}:05:00"))
            given_back.append(c)
        await desk.customer_says(given_back[0], at("12:00:00"), hands_off="escalation")  # back to the queue
        await desk.claims("bob", given_back[1], at("12:30:00"))  # bob takes it from the bot
        kept = await desk.start(at("13:00:00"))  # never given back: not in the rate
        await desk.asks_for_a_person(kept, at("13:00:10"))
        await desk.claims("alice", kept, at("13:01:00"))

        monday = (await desk.daily(1, now=at("20:00:00"))).days[0]
        assert monday.returned_to_bot == 3 and monday.reopened == 2 and monday.reopen_rate == 0.667
        assert (await desk.figures(given_back[2], now=at("20:00:00"))).reopened is False

    run(tmp_path, clock, scenario)


def test_an_agents_peak_is_the_most_chats_held_at_once_and_chats_held_overnight_count_the_next_day(tmp_path, clock):
    async def scenario(desk: Desk) -> None:
        chats = []
        for minute in ("00", "05", "10", "30"):
            c = await desk.start(at(f"09:{minute}:00"))
            await desk.asks_for_a_person(c, at(f"09:{minute}:00"))
            chats.append(c)
        for c, minute in zip(chats[:3], ("01", "06", "11"), strict=True):
            await desk.claims("alice", c, at(f"09:{minute}:00"))  # three at once from 09:11
        await desk.writes("alice", chats[0], at("09:12:00"))
        await desk.writes("alice", chats[2], at("09:11:00"))  # a greeting as she takes it: held 0 s so far
        await desk.releases("alice", chats[0], at("09:20:00"))  # two
        await desk.claims("alice", chats[3], at("09:31:00"))  # three again, never four
        await desk.closes("alice", chats[1], at("10:00:00", day=1))  # held overnight

        d = await desk.daily(3, now=at("12:00:00", day=2))
        assert [a.name for a in d.agents] == ["alice"]
        monday, tuesday, wednesday = d.agents[0].days
        assert monday.peak_concurrent == 3 and monday.handled == 4
        # held 1140 s (09:01-09:20), 24 h 54 min (closed on Tuesday), and two not yet answered (0 s so far)
        assert monday.handle_time == 570.0
        assert tuesday.peak_concurrent == 3 and tuesday.handled == 0  # three held since Monday, one closed at 10:00
        assert wednesday.peak_concurrent == 2  # still held

    run(tmp_path, clock, scenario)


def test_a_rating_counts_on_the_day_given_for_the_agent_who_had_the_chat_when_it_closed_and_wrote_in_it(tmp_path, clock):
    """A chat is rated once closed (api/ratings.py); the agent holding it then is rated if they
    had written in it, not one who gave it back to the bot, nor one who never said a word."""

    async def scenario(desk: Desk) -> None:
        answered, silent, given_back = [await desk.start(at(f"09:0{n}:00")) for n in range(3)]
        for n, c in enumerate((answered, silent, given_back)):
            await desk.asks_for_a_person(c, at(f"09:0{n}:00"))
            await desk.claims("alice", c, at(f"09:0{n}:30"))
        await desk.writes("alice", answered, at("09:05:00"))
        await desk.writes("alice", given_back, at("09:05:00"))
        await desk.releases("alice", given_back, at("09:06:00"))
        for c in (answered, silent, given_back):
            await desk.closes("alice", c, at("17:00:00"))
        await desk.rates(answered, 5, at("10:30:00", day=1))
        await desk.rates(silent, 2, at("10:30:00", day=1))
        await desk.rates(given_back, 1, at("10:30:00", day=1))

        d = await desk.daily(2, now=at("12:00:00", day=1))
        monday, tuesday = d.agents[0].days
        assert monday.ratings == 0 and monday.csat is None
        assert tuesday.ratings == 1 and tuesday.csat == 1.0

    run(tmp_path, clock, scenario)


def test_a_chat_released_as_another_is_claimed_was_not_held_with_it(tmp_path, clock):
    async def scenario(desk: Desk) -> None:
        first, second = await desk.start(at("09:00:00")), await desk.start(at("09:00:00"))
        await desk.claims("bob", first, at("09:00:00"))
        await desk.releases("bob", first, at("09:10:00"))
        await desk.claims("bob", second, at("09:10:00"))
        await desk.claims("bob", second, at("09:15:00"))  # claiming what he holds changes nothing

        bob = (await desk.daily(1, now=at("20:00:00"))).agents[0]
        assert bob.days[0].peak_concurrent == 1 and bob.days[0].handled == 2

    run(tmp_path, clock, scenario)


def test_a_window_is_1_to_90_days(tmp_path, clock):
    async def scenario(desk: Desk) -> None:
        for days in (0, 91, -1):
            with pytest.raises(Invalid, match="from 1 to 90"):
                await desk.daily(days, now=at("12:00:00"))
        assert len((await desk.daily(90, now=at("12:00:00"))).days) == 90

    run(tmp_path, clock, scenario)


# ----- the queue now ------------------------------------------------------------------------


def test_the_longest_wait_counts_from_when_the_chat_joined_the_queue_also_after_its_agent_is_revoked(tmp_path, clock):
    """Chats put back in the queue when their agent is revoked keep their place (`queued_at`): the
    queue and the console said "waiting 5 min", but the metrics and Prometheus counted from the
    requeue's handoff event, and the longest wait dropped."""

    async def scenario(desk: Desk) -> None:
        first, second, third = [await desk.start(at("09:00:00")) for _ in range(3)]
        await desk.asks_for_a_person(first, at("09:00:00"))
        await desk.asks_for_a_person(second, at("09:00:10"))
        await desk.asks_for_a_person(third, at("09:04:00"))
        await desk.claims("alice", first, at("09:05:00"))
        await desk.claims("alice", second, at("09:05:00"))
        await desk.writes("alice", first, at("09:05:30"))
        await desk.revokes("alice", at("09:06:00"))

        clock.now = at("09:06:40")
        queue = await desk.service.queue()
        assert [c.id for c in queue] == [first, second, third] and queue[0].queued_at == at("09:00:00")
        summary = await service_metrics(desk.service.engine, since=at("08:00:00"))
        assert summary.queue_waiting == 3 and summary.queue_longest_wait == 400.0  # since 09:00:00, not 09:06:00
        scraped = (await Telemetry().render(desk.service.engine)).decode()
        assert "switchboard_queue_oldest_wait_seconds 400.0" in scraped.splitlines()

    run(tmp_path, clock, scenario)


# ----- over HTTP ----------------------------------------------------------------------------


def test_an_admin_reads_the_daily_series_and_one_conversations_figures(client, admin, alice):
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)  # the bot hands off
    assert client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice).status_code == 200
    assert client.post(f"/v1/agent/conversations/{customer.id}/messages", json={"text": "Paris."}, headers=alice).status_code == 201

    daily = client.get("/v1/admin/metrics/daily", params={"days": 3}, headers=admin)
    assert daily.status_code == 200, daily.text
    body = daily.json()
    assert len(body["days"]) == 3 and body["days"][-1]["date"] == datetime.now(UTC).date().isoformat()
    today = body["days"][-1]
    assert today["conversations"] == 1 and today["handed_off"] == 1 and today["handoffs_by_reason"] == {"low_confidence": 1}
    assert today["time_in_queue"] >= 0 and today["human_first_response"] >= 0
    assert body["days"][0]["conversations"] == 0 and body["days"][0]["csat"] is None
    (agent,) = body["agents"]
    assert agent["name"] == "alice" and agent["days"][-1]["handled"] == 1 and agent["days"][-1]["peak_concurrent"] == 1
    assert len(client.get("/v1/admin/metrics/daily", headers=admin).json()["days"]) == 14  # the default

    one = client.get(f"/v1/admin/conversations/{customer.id}/metrics", headers=admin)
    assert one.status_code == 200, one.text
    m = one.json()
    assert m["id"] == customer.id and m["state"] == "agent" and m["handed_off"] and m["handoff_reason"] == "low_confidence"
    assert m["bot_first_response"] is None  # the bot only said it passes them on: no reply
    assert m["human_first_response"] >= 0 and m["handle_time"] >= 0
    assert m["resolved_by_bot"] is False and m["reopened"] is False and m["rating"] is None
    assert client.get("/v1/admin/conversations/nope/metrics", headers=admin).status_code == 404


def test_a_window_outside_1_to_90_days_gets_422_saying_so(client, admin):
    for days in ("0", "91"):
        response = client.get("/v1/admin/metrics/daily", params={"days": days}, headers=admin)
        assert response.status_code == 422 and response.json()["detail"] == f"`days` must be from 1 to 90; got {days}"
    assert client.get("/v1/admin/metrics/daily", params={"days": "a week"}, headers=admin).status_code == 422


def test_only_admins_read_the_daily_series_and_a_conversations_figures(client, alice):
    customer = start_conversation(client)
    for path in ("/v1/admin/metrics/daily", f"/v1/admin/conversations/{customer.id}/metrics"):
        assert client.get(path, headers=alice).status_code == 403
        assert client.get(path).status_code == 401
