"""A worker starting up while another is answering a line (a slow streaming model) answered it too.

Its start-up sweep took every unanswered line for one a stopped worker had left: the agents'
stream got the two answers' `message.delta` pieces interleaved (the console's draft was garbage)
and the model was paid twice, for one reply stored. Now it answers only the lines quiet for longer
than a live answer takes (`stranded_after`, tied to the model's timeout), as the running sweep does.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from api.conversations import ConversationService
from api.db import conversations, open_database
from api.events import LocalNotifier
from api.services import Services, open_services, stranded_after
from assistant import Reply
from knowledge import KnowledgeBase, Settings

from .test_customer_lines import Crashing, HeldAnswers, transcript

LINE = "where is my invoice?"


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the starting worker's model is asked."""
    questions: list[str] = []

    async def answer(self: Services, text: str, history, previous_confidence, on_piece=None) -> Reply:
        questions.append(text)
        return Reply(text=f"second answer to: {text}", confidence=0.9)

    monkeypatch.setattr(Services, "answer", answer)
    return questions


async def start_worker(settings: Settings, kb: KnowledgeBase) -> None:
    """A worker starts, runs what its start-up sweep began to the end, and stops."""
    services = await open_services(settings, kb=kb)
    await services.conversations.shutdown()
    await services.close()


def test_a_starting_worker_leaves_a_line_another_worker_is_answering_to_it(settings, kb, asked) -> None:
    async def main() -> None:
        engine = await open_database(settings.resolved_database_url)
        other = ConversationService(engine=engine, notifier=LocalNotifier(), max_message_chars=4000)
        writing = HeldAnswers(held=True)  # the other worker's model, still writing its answer
        cid, _ = await other.create()
        await other.post_customer_message(cid, LINE, writing, wait=False)
        await writing.started.wait()
        await start_worker(settings, kb)
        writing.release.set()
        await other.shutdown()
        assert await transcript(other, cid) == [("customer", LINE), ("bot", f"answer to: {LINE}")]
        await engine.dispose()

    asyncio.run(main())
    assert asked == []  # the model was asked once, by the worker answering


def test_a_starting_worker_answers_a_line_left_quiet_for_longer_than_any_answer_takes(settings, kb, asked) -> None:
    async def main() -> None:
        engine = await open_database(settings.resolved_database_url)
        died = ConversationService(engine=engine, notifier=LocalNotifier(), max_message_chars=4000)
        cid, _ = await died.create()
        await died.post_customer_message(cid, LINE, Crashing(), wait=False)
        await died.shutdown()  # its worker died mid-answer ...
        await quiet_since(engine, cid, stranded_after(settings) + timedelta(seconds=1))  # ... that long ago
        await start_worker(settings, kb)
        assert await transcript(died, cid) == [("customer", LINE), ("bot", f"second answer to: {LINE}")]
        await engine.dispose()

    asyncio.run(main())
    assert asked == [LINE]


async def quiet_since(engine, conversation_id: str, ago: timedelta) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            conversations.update().where(conversations.c.id == conversation_id).values(updated_at=datetime.now(UTC) - ago)
        )
