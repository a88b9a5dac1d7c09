"""An agent who sends the bot's draft sends what it cites: the reply carries the draft's sources,
which the customer sees as the bot's. It used to pass the draft's "[1]" on with nothing it pointed to."""

from __future__ import annotations

from .api_helpers import OFF_TOPIC, start_conversation


def handed_off_with_a_draft(client, alice):
    """A customer whose question the bot handed to a person, and the bot message with its draft."""
    customer = start_conversation(client)
    assert customer.say(OFF_TOPIC).status_code == 201
    path = f"/v1/agent/conversations/{customer.id}"
    [held] = [m for m in client.get(path, headers=alice).json()["messages"] if m.get("draft")]
    return customer, path, held


def test_a_handoff_shows_agents_what_its_draft_cites(client, alice):
    customer, _, held = handed_off_with_a_draft(client, alice)
    assert "[1]" in held["draft"]
    assert held["draft_sources"] and all(s["title"] and s["doc_id"] for s in held["draft_sources"])
    assert held["sources"] == []  # the customer's handoff notice cites nothing
    assert all("draft_sources" not in m for m in customer.conversation()["messages"])  # agents only


def test_the_draft_sent_as_it_is_cites_its_sources_to_the_customer(client, alice):
    customer, path, held = handed_off_with_a_draft(client, alice)
    sent = client.post(f"{path}/messages", json={"text": held["draft"], "draft_of": held["id"]}, headers=alice)
    assert sent.status_code == 201, sent.text
    assert sent.json()["sources"] == held["draft_sources"]

    [reply] = [m for m in customer.conversation()["messages"] if m["role"] == "agent"]
    assert reply["text"] == held["draft"]
    assert [s["doc_id"] for s in reply["sources"]] == [s["doc_id"] for s in held["draft_sources"]]


def test_a_draft_edited_down_to_no_marker_cites_nothing(client, alice):
    _, path, held = handed_off_with_a_draft(client, alice)
    sent = client.post(f"{path}/messages", json={"text": "Let me check that for you.", "draft_of": held["id"]}, headers=alice)
    assert sent.status_code == 201 and sent.json()["sources"] == []


def test_a_reply_naming_no_draft_of_this_conversation_is_refused_and_takes_nothing_over(client, alice):
    customer, path, held = handed_off_with_a_draft(client, alice)
    other, other_path, other_held = handed_off_with_a_draft(client, alice)
    [question] = [m for m in customer.conversation()["messages"] if m["role"] == "customer"]

    for draft_of in (question["id"], other_held["id"], 2**31 - 1):
        refused = client.post(f"{path}/messages", json={"text": "See [1]", "draft_of": draft_of}, headers=alice)
        assert refused.status_code == 422, refused.text
        assert "draft_of" in refused.json()["detail"]
    assert client.get(path, headers=alice).json()["state"] == "queued"  # nobody claimed it
    assert client.post(f"{path}/messages", json={"text": "x", "draft_of": 0}, headers=alice).status_code == 422
