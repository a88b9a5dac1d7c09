"""Every line a customer sends is stored once, in order, and the bot answers a burst once.

These drive the conversation service directly against a real SQLite database, with an answer
function the test controls: it can hold a reply back while the customer keeps typing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.agents import create_or_rotate
from api.conversations import Agent, ConversationService
from api.db import messages, open_database
from api.errors import Invalid
from api.stranded_lines import answer_unanswered
from api.events import LocalNotifier
from assistant import Reply

from .api_helpers import run_service


class HeldAnswers:
    """An answer function that records each question and, when held, waits to be released."""

    def __init__(self, held: bool = False) -> None:
        self.questions: list[str] = []
        self.histories: list[list[tuple[str, str]]] = []
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        if not held:
            self.release.set()

    async def __call__(self, text: str, history: list[tuple[str, str]], previous: float | None) -> Reply:
        self.questions.append(text)
        self.histories.append(history)
        self.started.set()
        await self.release.wait()
        return Reply(text=f"answer to: {text}", confidence=0.9, sources=[], handoff=False)


def run(tmp_path: Path, scenario: Callable[[ConversationService], Awaitable[None]]) -> None:
    run_service(f"sqlite:///{tmp_path / 'chat.db'}", scenario)


async def transcript(service: ConversationService, conversation_id: str) -> list[tuple[str, str]]:
    return [(m.role, m.text) for m in await service.messages(conversation_id)]


async def stored_rows(service: ConversationService, conversation_id: str) -> int:
    async with service.engine.connect() as conn:
        query = sa.select(sa.func.count()).where(messages.c.conversation_id == conversation_id)
        return int((await conn.execute(query)).scalar_one())


async def until(condition: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


def test_a_retried_line_is_stored_and_answered_once(tmp_path: Path) -> None:
    async def scenario(service: ConversationService) -> None:
        answers = HeldAnswers()
        cid, _ = await service.create()
        first = await service.post_customer_message(cid, "my invoice is wrong", answers, client_id="line-1")
        again = await service.post_customer_message(cid, "my invoice is wrong", answers, client_id="line-1")
        assert again.duplicate and not first.duplicate
        assert again.message.id == first.message.id
        assert again.reply is not None and again.reply.id == first.reply.id  # the retry learns the reply
        assert answers.questions == ["my invoice is wrong"]
        assert await stored_rows(service, cid) == 2

    run(tmp_path, scenario)


def test_another_line_under_a_used_client_id_is_refused_not_dropped_as_a_duplicate(tmp_path: Path) -> None:
    async def scenario(service: ConversationService) -> None:
        answers = HeldAnswers()
        cid, _ = await service.create()
        await service.post_customer_message(cid, "my invoice is wrong", answers, client_id="line-1")
        with pytest.raises(Invalid, match="client_id names another line"):
            await service.post_customer_message(cid, "and my card was charged twice", answers, client_id="line-1")
        again = await service.post_customer_message(cid, "  my invoice is wrong ", answers, client_id="line-1")
        assert again.duplicate  # the same line, as stored, is a retry
        assert await stored_rows(service, cid) == 2

    run(tmp_path, scenario)


def test_the_same_line_sent_twice_at_once_is_stored_once(tmp_path: Path) -> None:
    async def scenario(service: ConversationService) -> None:
        answers = HeldAnswers()
        cid, _ = await service.create()
        results = await asyncio.gather(
            *(service.post_customer_message(cid, "hello?", answers, client_id="same") for _ in range(5))
        )
        assert len({r.message.id for r in results}) == 1
        assert sum(not r.duplicate for r in results) == 1
        assert [role for role, _ in await transcript(service, cid)] == ["customer", "bot"]

    run(tmp_path, scenario)


def test_lines_typed_while_the_bot_answers_are_answered_together_in_one_reply(tmp_path: Path) -> None:
    async def scenario(service: ConversationService) -> None:
        answers = HeldAnswers(held=True)
        cid, _ = await service.create()
        first = asyncio.create_task(service.post_customer_message(cid, "hi", answers, client_id="a"))
        await answers.started.wait()  # the bot is thinking about "hi"
        second = asyncio.create_task(service.post_customer_message(cid, "my invoice", answers, client_id="b"))
        await until(lambda: stored_rows_is(service, cid, 2))  # the page sends its lines one after another
        third = asyncio.create_task(service.post_customer_message(cid, "is wrong", answers, client_id="c"))
        await until(lambda: stored_rows_is(service, cid, 3))
        answers.release.set()
        one, two, three = await asyncio.gather(first, second, third)

        assert answers.questions == ["hi", "my invoice\nis wrong"]
        assert answers.histories[1] == [("user", "hi"), ("agent", "answer to: hi")]
        assert one.reply.text == "answer to: hi"
        assert two.reply.id == three.reply.id and two.reply.text == "answer to: my invoice\nis wrong"
        assert await transcript(service, cid) == [
            ("customer", "hi"), ("customer", "my invoice"), ("customer", "is wrong"),
            ("bot", "answer to: hi"), ("bot", "answer to: my invoice\nis wrong"),
        ]

    run(tmp_path, scenario)


async def stored_rows_is(service: ConversationService, cid: str, n: int) -> bool:
    return await stored_rows(service, cid) == n


def test_the_bot_stays_silent_on_a_line_an_agent_took_over_while_it_was_answering(tmp_path: Path) -> None:
    async def scenario(service: ConversationService) -> None:
        answers = HeldAnswers(held=True)
        agent, _, _ = await create_or_rotate(service.engine, "alice")
        cid, _ = await service.create()
        pending = asyncio.create_task(service.post_customer_message(cid, "cancel my plan", answers))
        await answers.started.wait()
        await service.claim(cid, Agent(agent.id, agent.name))
        answers.release.set()
        posted = await pending
        assert posted.reply is None
        roles = [role for role, _ in await transcript(service, cid)]
        assert roles == ["customer"]  # the line is kept; the bot's late answer is not sent

    run(tmp_path, scenario)


def test_a_line_sent_without_waiting_is_answered_on_the_event_stream(tmp_path: Path) -> None:
    async def scenario(service: ConversationService) -> None:
        answers = HeldAnswers()
        cid, _ = await service.create()
        posted = await service.post_customer_message(cid, "where is my invoice?", answers, wait=False)
        assert posted.reply is None and posted.message.text == "where is my invoice?"

        async def answered() -> bool:
            return [role for role, _ in await transcript(service, cid)] == ["customer", "bot"]

        await until(answered)

    run(tmp_path, scenario)


def test_lines_sent_to_a_person_are_stored_and_not_answered_by_the_bot(tmp_path: Path) -> None:
    async def scenario(service: ConversationService) -> None:
        answers = HeldAnswers()
        cid, _ = await service.create()
        await service.request_handoff(cid)
        posted = await service.post_customer_message(cid, "are you there?", answers, client_id="x")
        assert posted.reply is None and answers.questions == []
        assert (await transcript(service, cid))[-1] == ("customer", "are you there?")

    run(tmp_path, scenario)


async def _refunded_by_alice(service: ConversationService, answers: HeldAnswers) -> tuple[str, Agent]:
    """A conversation alice holds, where she answered the customer's request."""
    account, _, _ = await create_or_rotate(service.engine, "alice")
    alice = Agent(account.id, account.name)
    cid, _ = await service.create()
    await service.claim(cid, alice)
    await service.post_customer_message(cid, "can you refund invoice 1042?", answers)
    await service.agent_message(cid, alice, "Done: refunded.")
    return cid, alice


def test_after_release_the_bot_answers_what_no_person_answered_and_only_that(tmp_path: Path) -> None:
    async def scenario(service: ConversationService) -> None:
        answers = HeldAnswers()
        cid, alice = await _refunded_by_alice(service, answers)
        await service.post_customer_message(cid, "and how do I export invoices?", answers)
        assert answers.questions == []  # said to the person
        await service.release(cid, alice, answers)  # who went without answering it: the bot does, not never

        async def answered() -> bool:
            return (await transcript(service, cid))[-1] == ("bot", "answer to: and how do I export invoices?")

        await until(answered)
        assert answers.questions == ["and how do I export invoices?"]  # not the refund, which the person answered
        posted = await service.post_customer_message(cid, "and csv?", answers)
        assert answers.questions[-1] == "and csv?" and posted.reply is not None

    run(tmp_path, scenario)


def test_a_release_with_nothing_unanswered_says_nothing(tmp_path: Path) -> None:
    async def scenario(service: ConversationService) -> None:
        answers = HeldAnswers()
        cid, alice = await _refunded_by_alice(service, answers)
        await service.release(cid, alice, answers)
        await asyncio.sleep(0.2)
        assert answers.questions == [] and (await transcript(service, cid))[-1] == ("agent", "Done: refunded.")

    run(tmp_path, scenario)


def test_a_conversation_from_the_previous_release_has_nothing_pending_after_the_upgrade(tmp_path: Path) -> None:
    """Before client ids, every line was answered as it came: after the upgrade the bot answers the
    customer's next line alone, not the whole old conversation with it."""
    from .previous_release import forget_steps, sqlite_database

    url = sqlite_database(tmp_path / "chat.db")  # conversation c-1: a customer line the bot answered
    old = sa.create_engine(url)
    with old.begin() as conn:  # the schema as it was before the hand-written runner's m003
        conn.execute(sa.text("UPDATE conversations SET state = 'bot', agent_id = NULL"))
        conn.execute(sa.text("DROP INDEX ux_messages_client_id"))
        conn.execute(sa.text("ALTER TABLE messages DROP COLUMN client_id"))
        conn.execute(sa.text("ALTER TABLE messages DROP COLUMN answers_through"))
        conn.execute(sa.text("ALTER TABLE conversations DROP COLUMN answered_through"))
        forget_steps(conn, "api.m003_message_client_ids")
    old.dispose()

    async def after_upgrade() -> None:
        engine = await open_database(url)
        service = ConversationService(engine=engine, notifier=LocalNotifier(), max_message_chars=4000)
        answers = HeldAnswers()
        await service.post_customer_message("c-1", "and can I pay by card?", answers)
        assert answers.questions == ["and can I pay by card?"]
        await engine.dispose()

    asyncio.run(after_upgrade())


class Crashing(HeldAnswers):
    """The worker stops while answering: the line is stored, no reply is."""

    async def __call__(self, text: str, history: list[tuple[str, str]], previous: float | None) -> Reply:
        raise RuntimeError("the worker stopped")


def test_a_line_left_unanswered_by_a_stopped_worker_is_answered_when_one_starts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"

    async def first_worker() -> str:
        engine = await open_database(url)
        service = ConversationService(engine=engine, notifier=LocalNotifier(), max_message_chars=4000)
        cid, _ = await service.create()
        await service.post_customer_message(cid, "where is my invoice?", Crashing(), wait=False)
        await service.shutdown()
        await engine.dispose()
        return cid

    cid = asyncio.run(first_worker())

    async def next_worker() -> None:
        engine = await open_database(url)
        service = ConversationService(engine=engine, notifier=LocalNotifier(), max_message_chars=4000)
        assert [role for role, _ in await transcript(service, cid)] == ["customer"]
        answers = HeldAnswers()
        assert await answer_unanswered(service, answers) == [cid]
        await service.shutdown()
        assert answers.questions == ["where is my invoice?"]
        assert [role for role, _ in await transcript(service, cid)] == ["customer", "bot"]
        assert await answer_unanswered(service, answers) == []  # nothing is answered twice
        await engine.dispose()

    asyncio.run(next_worker())


def test_a_running_worker_answers_a_line_a_stopped_one_left_once_nothing_has_happened_for_a_while(tmp_path: Path) -> None:
    """With other workers healthy and none restarting, such a line waited for the customer to write again."""
    from datetime import timedelta

    from api.stranded_lines import StrandedLines

    async def scenario(service: ConversationService) -> None:
        cid, _ = await service.create()
        await service.post_customer_message(cid, "where is my invoice?", Crashing(), wait=False)
        await service.shutdown()  # its worker "died" mid-answer
        answers = HeldAnswers()
        sweeper = StrandedLines(service, answers, after_seconds=3600, every_seconds=3600)
        assert await sweeper.sweep() == 0  # a live worker may still be answering it
        sweeper.after = timedelta(0)
        assert await sweeper.sweep() == 1
        await until(lambda: _roles_are(service, cid, ["customer", "bot"]))
        assert answers.questions == ["where is my invoice?"]
        assert await sweeper.sweep() == 0  # answered once

    run(tmp_path, scenario)


def test_a_line_whose_answer_fails_each_time_is_tried_a_few_times_not_every_sweep_for_a_day(tmp_path: Path) -> None:
    from api.stranded_lines import MAX_ATTEMPTS, StrandedLines

    async def scenario(service: ConversationService) -> None:
        cid, _ = await service.create()
        await service.post_customer_message(cid, "where is my invoice?", Crashing(), wait=False)
        await service.shutdown()
        sweeper = StrandedLines(service, Crashing(), after_seconds=0, every_seconds=3600)
        tries = [await sweeper.sweep() for _ in range(MAX_ATTEMPTS + 2)]
        await service.shutdown()
        assert tries == [1] * MAX_ATTEMPTS + [0, 0]

    run(tmp_path, scenario)


def test_a_retried_line_whose_first_worker_died_is_answered_by_the_retry(tmp_path: Path) -> None:
    async def scenario(service: ConversationService) -> None:
        cid, _ = await service.create()
        await service.post_customer_message(cid, "where is my invoice?", Crashing(), wait=False, client_id="k1")
        await service.shutdown()
        again = await service.post_customer_message(cid, "where is my invoice?", HeldAnswers(), client_id="k1")
        assert again.duplicate and again.reply is not None
        assert again.reply.text == "answer to: where is my invoice?"
        assert [role for role, _ in await transcript(service, cid)] == ["customer", "bot"]

    run(tmp_path, scenario)


async def _roles_are(service: ConversationService, conversation_id: str, roles: list[str]) -> bool:
    return [role for role, _ in await transcript(service, conversation_id)] == roles


def test_a_card_number_in_the_bots_own_reply_is_masked_too(tmp_path):
    """The bot quotes a knowledge base or a model; neither may pass a card number on to anyone."""

    async def leaky(text: str, history: list[tuple[str, str]], previous: float | None) -> Reply:
        return Reply(text="Your card 4111 1111 1111 1111 is on file.", confidence=0.2, sources=[], handoff=True,
                     handoff_reason="low_confidence", draft="Charge 4111-1111-1111-1111 again?")

    async def scenario(service: ConversationService) -> None:
        cid, _ = await service.create()
        await service.post_customer_message(cid, "which card do you have?", leaky)
        stored = [m for m in await service.messages(cid) if m.role == "bot"]
        assert stored[0].text == "Your card •••• •••• •••• 1111 is on file."
        assert stored[0].draft == "Charge •••• •••• •••• 1111 again?"

    run(tmp_path, scenario)
