"""Conversations left with the bot close on their own; none waiting for a person or an answer does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import audit
from api.app import create_app
from api.agents import create_or_rotate
from api.conversation_figures import conversation_metrics
from api.conversations import Agent, ConversationService
from api.db import open_database
from api.events import LocalNotifier, events_after
from api.idle_close import close_idle
from assistant import Reply

from .api_helpers import ANSWERABLE, run_service, start_conversation
from .conftest import make_settings

DAY = timedelta(hours=24)


async def _answer(*_args, **_kwargs) -> Reply:
    return Reply(text="an answer", confidence=0.9, signals={"retrieval": 0.7})  # scored: from the knowledge base


async def _hand_off(*_args, **_kwargs) -> Reply:
    return Reply(text="a person will reply", confidence=0.2, handoff=True, handoff_reason="low_confidence")


def run(tmp_path: Path, scenario: Callable[[ConversationService], Awaitable[None]], url: str | None = None) -> None:
    run_service(url or f"sqlite:///{tmp_path / 'desk.db'}", scenario, max_agent_chats=10)


def test_a_conversation_the_bot_answered_closes_a_day_after_its_last_line_and_counts_as_resolved_by_the_bot(tmp_path):
    async def scenario(service: ConversationService) -> None:
        conversation_id, _ = await service.create()
        await service.post_customer_message(conversation_id, "how do I reset my password?", _answer)
        now = datetime.now(UTC)

        assert await close_idle(service.engine, service.notifier, DAY, now=now + DAY - timedelta(minutes=1)) == []
        assert (await service.get(conversation_id)).state == "bot"

        assert await close_idle(service.engine, service.notifier, DAY, now=now + DAY + timedelta(minutes=1)) == [conversation_id]
        assert (await service.get(conversation_id)).state == "closed"
        closed = [e for e in await events_after(service.engine, 0) if e.type == "conversation.closed"]
        assert [(e.conversation_id, e.data["agent"], e.data["reason"], e.data["idle_seconds"]) for e in closed] == [
            (conversation_id, None, "inactive", 24 * 3600)
        ]
        [entry] = await audit.entries(service.engine, action="conversation.close")
        assert entry.actor == "system" and entry.conversation_id == conversation_id
        assert (await conversation_metrics(service.engine, conversation_id, now=now + 2 * DAY)).resolved_by_bot

        # a second sweep (another worker's) finds nothing more to close
        assert await close_idle(service.engine, service.notifier, DAY, now=now + 2 * DAY) == []
        assert len([e for e in await events_after(service.engine, 0) if e.type == "conversation.closed"]) == 1

    run(tmp_path, scenario)


def test_conversations_waiting_for_a_person_held_by_one_or_with_an_unanswered_line_stay_open(tmp_path):
    async def scenario(service: ConversationService) -> None:
        account, _, _ = await create_or_rotate(service.engine, "alice")
        queued, _ = await service.create()
        await service.post_customer_message(queued, "I want a refund", _hand_off)
        held, _ = await service.create()
        await service.post_customer_message(held, "I want a refund", _hand_off)
        await service.claim(held, Agent(account.id, account.name))

        async def dead_llm(*_args, **_kwargs) -> Reply:
            raise RuntimeError("the worker stopped before it answered")

        unanswered, _ = await service.create()
        with pytest.raises(RuntimeError):
            await service.post_customer_message(unanswered, "are you there?", dead_llm)

        assert await close_idle(service.engine, service.notifier, DAY, now=datetime.now(UTC) + 30 * DAY) == []
        assert [(await service.get(c)).state for c in (queued, held, unanswered)] == ["queued", "agent", "bot"]

    run(tmp_path, scenario)


def test_two_workers_sweeping_at_once_on_postgresql_close_each_conversation_once(tmp_path, pg_url):
    async def scenario(service: ConversationService) -> None:
        ids = [(await service.create())[0] for _ in range(6)]
        for conversation_id in ids:
            await service.post_customer_message(conversation_id, "how do I reset my password?", _answer)
        other = await open_database(pg_url)  # the second worker's own connections
        try:
            later = datetime.now(UTC) + 2 * DAY
            first, second = await asyncio.gather(
                close_idle(service.engine, service.notifier, DAY, now=later),
                close_idle(other, LocalNotifier(), DAY, now=later),
            )
        finally:
            await other.dispose()
        assert sorted(first + second) == sorted(ids)
        closed = [e.conversation_id for e in await events_after(service.engine, 0) if e.type == "conversation.closed"]
        assert sorted(closed) == sorted(ids)

    run(tmp_path, scenario, url=pg_url)


def test_the_service_closes_idle_conversations_while_it_runs(data_dir, kb):
    settings = make_settings(data_dir, bot_idle_close_hours=1 / 3600)  # a second
    with TestClient(create_app(settings, kb)) as client:
        customer = start_conversation(client)
        assert customer.say(ANSWERABLE).status_code == 201
        deadline = time.monotonic() + 15
        while customer.conversation()["state"] != "closed" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert customer.conversation()["state"] == "closed"
        # closed is closed: the customer rates it, or starts a new conversation to write again
        assert customer.say("one more thing").status_code == 409
        assert client.put(f"/v1/conversations/{customer.id}/rating", json={"score": 5}, headers=customer.auth).status_code == 200


def test_idle_closing_can_be_turned_off(data_dir, kb):
    settings = make_settings(data_dir, bot_idle_close_hours=0)
    with TestClient(create_app(settings, kb)) as client:
        customer = start_conversation(client)
        assert customer.say(ANSWERABLE).status_code == 201
        time.sleep(1.5)  # longer than the sweep's shortest period
        assert customer.conversation()["state"] == "bot"
