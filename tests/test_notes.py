"""Agents' internal notes: every agent sees them among the messages, in time order, with their author;
the customer and the bot never do (not in the customer's view, not on the customer's event stream,
not in the history the bot answers from). Any agent may note any conversation, one another agent
holds or a closed one too; a note is masked like any text, never edited, and audited."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from api import audit
from knowledge import Settings

from .api_helpers import ANSWERABLE, OFF_TOPIC, Customer, create_agent, start_conversation
from .browser import TIMEOUT_MS, agent_token, ask, browser, new_context, open_chat, open_console  # noqa: F401  (fixtures)
from .browser import conversation_item, saved_conversation, screenshot
from .live_server import open_stream

NOTE = "customer is on the legacy plan, check with billing"


def path(customer: Customer) -> str:
    return f"/v1/agent/conversations/{customer.id}"


def add_note(client, customer: Customer, agent: dict[str, str], text: str = NOTE):
    return client.post(f"{path(customer)}/notes", json={"text": text}, headers=agent)


def agent_view(client, customer: Customer, agent: dict[str, str]) -> dict:
    response = client.get(path(customer), headers=agent)
    assert response.status_code == 200, response.text
    return response.json()


def queued(client) -> Customer:
    customer = start_conversation(client)
    assert customer.say(OFF_TOPIC).status_code == 201  # a question the bot hands to a person
    return customer


# ----- agents see it ------------------------------------------------------------------------


def test_every_agent_sees_a_note_with_its_author_in_time_order_among_the_messages(client: TestClient, settings: Settings):
    alice, bob = create_agent(settings, "alice"), create_agent(settings, "bob")
    customer = queued(client)
    assert client.post(f"{path(customer)}/messages", json={"text": "Hi, Alice here."}, headers=alice).status_code == 201
    added = add_note(client, customer, bob)
    assert customer.say("Are you still there?").status_code == 201

    assert added.status_code == 201, added.text
    note = added.json()
    assert {k: note[k] for k in ("conversation_id", "author", "text")} == {
        "conversation_id": customer.id, "author": "bob", "text": NOTE,
    }
    for viewer in (alice, bob):
        view = agent_view(client, customer, viewer)
        assert view["notes"] == [note]
        said = {m["text"]: datetime.fromisoformat(m["created_at"]) for m in view["messages"]}
        at = datetime.fromisoformat(note["created_at"])
        assert said["Hi, Alice here."] <= at <= said["Are you still there?"]


def test_a_note_is_no_line_of_the_conversation(client: TestClient, settings: Settings):
    """The lists' preview still shows the customer's line, and nobody took the chat by noting it."""
    alice = create_agent(settings, "alice")
    customer = queued(client)
    assert add_note(client, customer, alice).status_code == 201

    (waiting,) = client.get("/v1/agent/queue", headers=alice).json()["conversations"]
    assert waiting["state"] == "queued" and waiting["agent"] is None
    assert waiting["last_message"]["text"] == OFF_TOPIC
    assert [m["role"] for m in agent_view(client, customer, alice)["messages"]] == ["customer", "bot"]


# ----- the customer and the bot never do ----------------------------------------------------


def test_the_customer_never_sees_a_note_in_their_conversation(client: TestClient, settings: Settings):
    alice = create_agent(settings, "alice")
    customer = queued(client)
    assert add_note(client, customer, alice).status_code == 201
    assert client.post(f"{path(customer)}/messages", json={"text": "Hi, Alice here."}, headers=alice).status_code == 201

    response = client.get(f"/v1/conversations/{customer.id}", headers=customer.auth)
    assert response.status_code == 200
    assert "notes" not in response.json()
    assert NOTE not in response.text and "legacy plan" not in response.text
    assert [m["text"] for m in response.json()["messages"]][-1] == "Hi, Alice here."


def test_the_customer_cannot_even_tell_a_note_was_written(client: TestClient, settings: Settings):
    """Their conversation's last event id had counted agent-only events too."""
    alice = create_agent(settings, "alice")
    customer = queued(client)
    before = customer.conversation()["last_event_id"]
    assert add_note(client, customer, alice).status_code == 201
    assert customer.conversation()["last_event_id"] == before


def test_the_customers_event_stream_never_carries_a_note_live_or_replayed(http, settings: Settings):
    alice = create_agent(settings, "alice")
    customer = queued(http)
    reply = {"text": "Hi, Alice here."}
    with open_stream(http, f"/v1/conversations/{customer.id}/events", customer.auth) as stream:
        assert add_note(http, customer, alice).status_code == 201
        assert http.post(f"{path(customer)}/messages", json=reply, headers=alice).status_code == 201
        live = stream.until("conversation.claimed") + stream.until("message.created")
    with open_stream(http, f"/v1/conversations/{customer.id}/events", customer.auth) as stream:  # from the start
        replayed = stream.until("conversation.claimed") + stream.until("message.created")

    for events in (live, replayed):
        assert events[-1].data["message"]["text"] == "Hi, Alice here."  # the note came before this, and is not there
        assert "note.created" not in [e.type for e in events]
        assert not any("legacy plan" in json.dumps(e.data) for e in events)


def test_the_bot_never_reads_a_note_as_history_nor_takes_it_for_a_persons_word(client: TestClient, settings: Settings, monkeypatch):
    services = client.app.state.services
    answer, asked = services.answer, []

    async def recording(text, history, previous_confidence, **kwargs):
        asked.append((text, history))
        return await answer(text, history, previous_confidence, **kwargs)

    monkeypatch.setattr(services, "answer", recording)
    alice = create_agent(settings, "alice")
    customer = start_conversation(client)
    assert customer.say(ANSWERABLE).json()["reply"] is not None
    assert add_note(client, customer, alice).status_code == 201  # while the bot has the chat
    second = customer.say("and how do I change my email?").json()

    assert second["reply"] is not None  # still the bot's to answer: a note is no person's reply
    assert len(asked) == 2
    (question, history) = asked[1]
    assert [who for who, _ in history] == ["user", "agent"]  # the first line and the bot's answer, no more
    assert "legacy plan" not in question and not any("legacy plan" in said for _, said in history)


# ----- the agents' stream -------------------------------------------------------------------


def test_agents_streams_carry_the_note_live_and_after_a_reconnect(http, settings: Settings):
    alice, bob = create_agent(settings, "alice"), create_agent(settings, "bob")
    customer = queued(http)
    with open_stream(http, "/v1/agent/events", bob) as stream:
        note = add_note(http, customer, alice).json()
        live = stream.until("note.created")[-1]
    assert live.data == {"conversation_id": customer.id, "note": note}

    before = live.id - 1
    with open_stream(http, "/v1/agent/events", {**bob, "Last-Event-ID": str(before)}) as stream:
        assert stream.next() == live  # the console that was away gets it, once


# ----- what a note may be -------------------------------------------------------------------


def test_card_numbers_in_a_note_are_masked(client: TestClient, settings: Settings):
    alice = create_agent(settings, "alice")
    customer = queued(client)
    note = add_note(client, customer, alice, "she read her card out: 4111 1111 1111 1111, exp 12/29").json()
    assert "4111 1111 1111 1111" not in note["text"] and note["text"].startswith("she read her card out: ")
    assert "1111" in note["text"]  # the last four stay, as in any masked text
    assert agent_view(client, customer, alice)["notes"][0]["text"] == note["text"]


@pytest.mark.parametrize(
    "body",
    [
        '{"text": ""}', '{"text": "   \\n\\t "}', '{"text": "\\u200b"}', '{"text": "\\ud800"}',  # nothing visible
        '{"text": 42}', '{"text": null}', "{}", '{"text": "x", "private": false}', "not json",
    ],
)
def test_a_note_with_nothing_to_say_or_of_the_wrong_shape_gets_422_and_nothing_is_stored(
    client: TestClient, settings: Settings, body: str
):
    alice = create_agent(settings, "alice")
    customer = queued(client)
    response = client.post(
        f"{path(customer)}/notes", content=body, headers={**alice, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert agent_view(client, customer, alice)["notes"] == []


def test_a_note_may_be_as_long_as_a_reply_and_no_longer(client: TestClient, settings: Settings):
    alice = create_agent(settings, "alice")
    customer = queued(client)
    limit = settings.max_message_chars
    assert add_note(client, customer, alice, "x" * limit).status_code == 201
    too_long = add_note(client, customer, alice, "x" * (limit + 1))
    assert too_long.status_code == 422
    assert too_long.json() == {"detail": f"the note is {limit + 1} characters; the limit is {limit}"}
    assert len(agent_view(client, customer, alice)["notes"]) == 1


def test_a_note_on_an_unknown_conversation_is_404(client: TestClient, settings: Settings):
    alice = create_agent(settings, "alice")
    response = client.post("/v1/agent/conversations/no-such-conversation/notes", json={"text": NOTE}, headers=alice)
    assert response.status_code == 404


def test_only_agents_write_notes(client: TestClient, settings: Settings):
    customer = queued(client)
    assert add_note(client, customer, customer.auth).status_code == 401  # a customer's token is no agent's
    assert client.post(f"{path(customer)}/notes", json={"text": NOTE}).status_code == 401


def test_a_note_cannot_be_edited_or_deleted(client: TestClient, settings: Settings):
    alice = create_agent(settings, "alice")
    customer = queued(client)
    note = add_note(client, customer, alice).json()
    for method in ("PUT", "PATCH", "DELETE"):
        response = client.request(method, f"{path(customer)}/notes/{note['id']}", json={"text": "changed"}, headers=alice)
        assert response.status_code in (404, 405)
    assert agent_view(client, customer, alice)["notes"] == [note]


# ----- who may write one --------------------------------------------------------------------


def test_any_agent_may_note_a_chat_another_agent_holds(client: TestClient, settings: Settings):
    alice, bob = create_agent(settings, "alice"), create_agent(settings, "bob")
    customer = queued(client)
    assert client.post(f"{path(customer)}/claim", headers=alice).status_code == 200
    assert add_note(client, customer, bob, "supervisor: offer the 20% goodwill credit").status_code == 201

    view = agent_view(client, customer, alice)
    assert view["state"] == "agent" and view["agent"]["name"] == "alice"  # still alice's
    assert [(n["author"], n["text"]) for n in view["notes"]] == [("bob", "supervisor: offer the 20% goodwill credit")]


def test_a_closed_chat_can_still_be_noted(client: TestClient, settings: Settings):
    alice = create_agent(settings, "alice")
    customer = queued(client)
    assert client.post(f"{path(customer)}/close", headers=alice).status_code == 200
    assert add_note(client, customer, alice, "refund went through on the 3rd").status_code == 201
    view = agent_view(client, customer, alice)
    assert view["state"] == "closed" and [n["text"] for n in view["notes"]] == ["refund went through on the 3rd"]


def test_each_note_is_in_the_audit_log_and_a_refused_one_is_not(client: TestClient, settings: Settings):
    alice = create_agent(settings, "alice")
    customer = queued(client)
    note = add_note(client, customer, alice).json()
    assert add_note(client, customer, alice, " ").status_code == 422
    services = client.app.state.services

    entries = client.portal.call(lambda: audit.entries(services.engine, action="conversation.note"))
    assert [(e.actor, e.conversation_id, e.detail) for e in entries] == [("alice", customer.id, {"note_id": note["id"]})]


# ----- the console --------------------------------------------------------------------------


def transcript_notes(console):
    return console.locator('#conversation-messages [data-testid="note"]')


@pytest.mark.slow
def test_a_note_on_a_chat_another_agent_holds_shows_live_in_that_agents_console(new_context, base_url, settings, http):
    expect.set_options(timeout=TIMEOUT_MS)
    customer = queued(http)
    bob = open_console(new_context(), base_url, agent_token(settings, "bob"))
    conversation_item(bob, "queue", customer.id).click()
    bob.locator("#claim-button").click()
    expect(bob.locator("#conversation-state")).to_have_text("agent")

    alice = open_console(new_context(), base_url, agent_token(settings, "alice"))
    conversation_item(alice, "live", customer.id).click()
    expect(alice.locator("#conversation-agent")).to_contain_text("Handled by bob")
    # bob's chat: alice may not reply in it, so it opens on the note box, which she may use
    expect(alice.locator("#agent-input")).to_be_disabled()
    expect(alice.locator("#reply-form")).to_be_hidden()
    expect(alice.locator('[data-testid="mode-note"]')).to_have_attribute("aria-selected", "true")
    note_box = alice.locator('[data-testid="note-input"]')
    expect(note_box).to_have_attribute("placeholder", "Note for agents only: the customer won't see it")
    note_box.fill("Customer is on the legacy plan, check with billing")
    note_box.press("Enter")

    for console, author in ((alice, "alice"), (bob, "alice")):  # bob's console shows it without a reload
        note = transcript_notes(console)
        expect(note).to_have_count(1)
        expect(note.locator(".msg__text")).to_have_text("Customer is on the legacy plan, check with billing")
        expect(note.locator('[data-testid="note-author"]')).to_have_text(author)
        expect(note.locator('[data-testid="note-label"]')).to_contain_text("only agents see this")
    expect(note_box).to_have_value("")
    expect(bob.locator("#conversation-state")).to_have_text("agent")  # still bob's: he may reply after it
    bob.locator("#agent-input").fill("I've checked with billing.")
    bob.locator("#agent-input").press("Enter")
    # in time order: after the customer's question and the bot's handoff, before bob's reply
    order = bob.locator("#conversation-messages > li")
    expect(order).to_have_count(4)
    expect(order.nth(2)).to_have_attribute("data-testid", "note")
    expect(order.nth(3)).to_contain_text("I've checked with billing.")
    screenshot(alice, "console-note-on-a-held-chat")
    assert "legacy plan" not in http.get(f"/v1/conversations/{customer.id}", headers=customer.auth).text


@pytest.mark.slow
def test_in_note_mode_the_composer_adds_a_note_and_the_customers_page_never_shows_it(new_context, base_url, settings):
    expect.set_options(timeout=TIMEOUT_MS)
    console = open_console(new_context(), base_url, agent_token(settings, "alice"))
    customer = open_chat(new_context(), base_url)
    ask(customer, OFF_TOPIC)
    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")
    conversation_item(console, "queue", saved_conversation(customer)["id"]).click()
    console.locator("#claim-button").click()
    expect(console.locator("#conversation-state")).to_have_text("agent")
    expect(console.locator('[data-testid="mode-reply"]')).to_have_attribute("aria-selected", "true")
    with console.expect_request(lambda r: r.url.endswith("/typing")):  # a reply being written is announced
        console.locator("#agent-input").fill("Let me check your plan")
    typing = []  # (listened for only once that one has gone: it had raced the listener)
    console.on("request", lambda r: r.url.endswith("/typing") and typing.append(r.url))

    console.locator('[data-testid="mode-note"]').click()
    expect(console.locator("#reply-form")).to_be_hidden()
    note_box = console.locator('[data-testid="note-input"]')
    expect(note_box).to_be_focused()
    note_box.press_sequentially("card on file 4111 1111 1111 1111 is expired")
    note_box.press("Enter")
    note = transcript_notes(console)
    expect(note.locator(".msg__text")).to_have_text("card on file •••• •••• •••• 1111 is expired")
    assert typing == []  # the customer was never told someone is writing

    console.locator('[data-testid="mode-reply"]').click()  # the half-written reply waited in its own box
    expect(console.locator("#agent-input")).to_have_value("Let me check your plan")
    console.locator("#agent-input").press("Enter")
    agent_lines = customer.locator('#messages [data-testid="message"][data-role="agent"]')
    expect(agent_lines.locator(".msg__text")).to_have_text(["Let me check your plan"])  # what came after the note arrived; the note never did
    expect(customer.locator("#messages")).not_to_contain_text("expired")
