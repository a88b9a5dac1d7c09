"""A chat an agent holds never waits for someone who is gone: another agent takes it over from an
agent who is not online, an admin from anyone, and the chats of an agent whose console has been
gone for a while go back to the queue on their own."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from api.db import open_database
from api.events import LocalNotifier
from api.gone_agents import AGENT_GONE, requeue_from_gone_agents

from .api_helpers import OFF_TOPIC, create_agent, start_conversation
from .test_audit import audit


def held_by_bob(client, settings):
    bob, alice = create_agent(settings, "bob"), create_agent(settings, "alice")
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    assert client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=bob).status_code == 200
    return customer, bob, alice


def last_seen(settings, name: str, ago: timedelta) -> None:
    """The agent's console (or API call) last seen `ago`."""

    async def set_it() -> None:
        engine = await open_database(settings.resolved_database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    sa.text("UPDATE agents SET last_seen_at = :at WHERE name = :name"), {"at": datetime.now(UTC) - ago, "name": name}
                )
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as runner:  # a loop of its own: a browser test's may be running in this thread
        runner.submit(asyncio.run, set_it()).result()


def test_a_chat_held_by_an_agent_at_work_is_not_taken_by_another(client, settings):
    customer, bob, alice = held_by_bob(client, settings)
    for status in ("online", "away"):  # set away, to take no new chats, but finishing this one
        assert client.put("/v1/agent/presence", json={"status": status}, headers=bob).status_code == 200
        refused = client.post(f"/v1/agent/conversations/{customer.id}/take-over", headers=alice)
        assert refused.status_code == 409 and "bob holds this chat and is at work" in refused.json()["detail"]
    assert client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice).status_code == 409
    assert customer.conversation()["agent"]["name"] == "bob"


def test_an_agent_takes_over_a_chat_whose_agent_is_gone(client, settings):
    customer, bob, alice = held_by_bob(client, settings)
    last_seen(settings, "bob", timedelta(minutes=2))  # the console closed, no call since
    taken = client.post(f"/v1/agent/conversations/{customer.id}/take-over", headers=alice)
    assert taken.status_code == 200 and taken.json()["agent"]["name"] == "alice"
    assert customer.conversation()["agent"]["name"] == "alice"  # the customer sees who has them now
    # the chat is alice's: she answers it, bob no longer can
    assert client.post(f"/v1/agent/conversations/{customer.id}/messages", json={"text": "Hi, I'm Alice."}, headers=alice).status_code == 201
    assert client.post(f"/v1/agent/conversations/{customer.id}/messages", json={"text": "Bob here"}, headers=bob).status_code == 409
    assert any(m["text"] == "Hi, I'm Alice." for m in customer.conversation()["messages"])


def test_an_admin_takes_over_any_chat_and_the_audit_log_says_from_whom(client, settings, admin):
    customer, bob, _ = held_by_bob(client, settings)
    assert client.put("/v1/agent/presence", json={"status": "online"}, headers=bob).status_code == 200
    taken = client.post(f"/v1/agent/conversations/{customer.id}/take-over", headers=admin)
    assert taken.status_code == 200 and taken.json()["agent"]["name"] == "root"
    lines = audit(settings, "--conversation", customer.id)
    assert "conversation.take_over" in lines[0] and "root" in lines[0] and "bob" in lines[0], lines


def test_taking_over_a_chat_nobody_holds_claims_it_and_a_closed_one_is_refused(client, settings):
    alice = create_agent(settings, "alice")
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    assert client.post(f"/v1/agent/conversations/{customer.id}/take-over", headers=alice).json()["agent"]["name"] == "alice"
    assert client.post(f"/v1/agent/conversations/{customer.id}/close", headers=alice).status_code == 200
    assert client.post(f"/v1/agent/conversations/{customer.id}/take-over", headers=alice).status_code == 409


def test_the_chats_of_an_agent_gone_for_a_while_go_back_to_the_queue(client, settings):
    customer, bob, alice = held_by_bob(client, settings)
    kept = start_conversation(client)
    kept.say(OFF_TOPIC)
    assert client.post(f"/v1/agent/conversations/{kept.id}/claim", headers=alice).status_code == 200
    for who in (bob, alice):
        assert client.put("/v1/agent/presence", json={"status": "online"}, headers=who).status_code == 200

    async def sweep(later: timedelta) -> list[str]:
        engine = await open_database(settings.resolved_database_url)
        try:
            async with engine.begin() as conn:  # alice's console is still open: seen just now
                await conn.execute(
                    sa.text("UPDATE agents SET last_seen_at = :at WHERE name = 'alice'"), {"at": datetime.now(UTC) + later}
                )
            return await requeue_from_gone_agents(engine, LocalNotifier(), timedelta(minutes=5), now=datetime.now(UTC) + later)
        finally:
            await engine.dispose()

    assert asyncio.run(sweep(timedelta(minutes=4))) == []  # not gone long enough
    assert asyncio.run(sweep(timedelta(minutes=6))) == [customer.id]
    waiting = customer.conversation()
    assert waiting["state"] == "queued" and waiting["agent"] is None
    queue = client.get("/v1/agent/queue", headers=alice).json()["conversations"]
    row = next(c for c in queue if c["id"] == customer.id)
    assert row["handoff_reason"] == AGENT_GONE and "bob" in row["handoff_detail"]
    assert kept.conversation()["agent"]["name"] == "alice"
    assert asyncio.run(sweep(timedelta(minutes=7))) == []  # moved once


def test_an_agent_working_through_the_api_alone_is_not_gone(client, settings, monkeypatch):
    """An integration that claims and answers chats with its token, without a console, had its
    chats taken back to the queue after five minutes: only a console's stream marked it seen."""
    import api.presence

    monkeypatch.setattr(api.presence, "ACTIVITY_EVERY", timedelta(0))  # every call is written down
    customer, bob, _ = held_by_bob(client, settings)
    last_seen(settings, "bob", timedelta(minutes=10))  # quiet for a while, then at work again
    assert client.get("/v1/agent/queue", headers=bob).status_code == 200

    async def sweep() -> list[str]:
        engine = await open_database(settings.resolved_database_url)
        try:
            return await requeue_from_gone_agents(engine, LocalNotifier(), timedelta(minutes=5))
        finally:
            await engine.dispose()

    assert asyncio.run(sweep()) == []
    assert customer.conversation()["agent"]["name"] == "bob"
