"""Errors that named the wrong cause (QA of the agent workspace).

"Return to bot" and "Request payment details" on a chat the agent had held and closed said "you
do not own this conversation: claim it first", though no claim reopens a closed chat; correcting a
bot reply of another conversation said "conversation not found" of a conversation that exists;
flagging one in a conversation that does not exist said the message was not in it.
"""

from __future__ import annotations

import pytest

from .api_helpers import ANSWERABLE, create_agent, start_conversation


@pytest.mark.parametrize(("action", "body"), [("release", None), ("payment-requests", {})])
def test_returning_or_asking_for_a_card_in_a_closed_chat_you_held_says_it_is_closed(client, alice, action, body):
    customer = start_conversation(client)
    customer.say("talk to a human")
    assert client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice).status_code == 200
    assert client.post(f"/v1/agent/conversations/{customer.id}/close", headers=alice).status_code == 200
    refused = client.post(f"/v1/agent/conversations/{customer.id}/{action}", json=body, headers=alice)
    assert refused.status_code == 409 and refused.json()["detail"] == "conversation is closed"


def test_returning_a_chat_another_agent_holds_names_them_not_a_claim(client, alice, settings):
    bob = create_agent(settings, "bob")
    customer = start_conversation(client)
    customer.say("talk to a human")
    client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice)
    refused = client.post(f"/v1/agent/conversations/{customer.id}/release", headers=bob)
    assert refused.status_code == 409 and refused.json()["detail"] == "conversation is owned by alice"


def test_returning_a_chat_nobody_holds_still_says_to_claim_it(client, alice):
    customer = start_conversation(client)
    customer.say("talk to a human")
    refused = client.post(f"/v1/agent/conversations/{customer.id}/release", headers=alice)
    assert refused.status_code == 409 and refused.json()["detail"] == "you do not own this conversation: claim it first"


@pytest.mark.parametrize(("action", "body"), [("correct", {"text": "Here is how."}), ("flag", {"note": "wrong"})])
def test_a_message_of_another_conversation_is_404_message_not_found(client, alice, action, body):
    here, there = start_conversation(client), start_conversation(client)
    here.say(ANSWERABLE)
    elsewhere = there.say(ANSWERABLE).json()["reply"]["id"]
    refused = client.post(f"/v1/agent/conversations/{here.id}/messages/{elsewhere}/{action}", json=body, headers=alice)
    assert refused.status_code == 404 and refused.json()["detail"] == "message not found in this conversation"
    unknown = client.post(f"/v1/agent/conversations/no-such-chat/messages/{elsewhere}/{action}", json=body, headers=alice)
    assert unknown.status_code == 404 and unknown.json()["detail"] == "conversation not found"
