"""A handoff notice cannot be corrected; the answer before it can.

The server took a correction of the bot's handoff notice ("I'm connecting you with a member of our
team…"), and the console offered "Correct" on it in an open chat: the customer then saw "Corrected
by alice" under a line that answered nothing. Now it is a 409 that says why, as flagging one is
(tests/test_flag_handoff_notice.py). A handoff for doubt keeps its held-back draft, which the agent
sends or edits as a reply.
"""

from __future__ import annotations

from .api_helpers import ANSWERABLE, OFF_TOPIC, start_conversation


def correct(client, chat: str, message_id: int, headers: dict[str, str]):
    url = f"/v1/agent/conversations/{chat}/messages/{message_id}/correct"
    return client.post(url, json={"text": "Go to Settings → Security."}, headers=headers)


def bot_lines(client, chat: str, headers: dict[str, str]) -> list[dict]:
    view = client.get(f"/v1/agent/conversations/{chat}", headers=headers).json()
    return [m for m in view["messages"] if m["role"] == "bot"]


def test_the_notice_of_a_handoff_the_customer_asked_for_cannot_be_corrected(client, alice):
    customer = start_conversation(client)
    customer.say(ANSWERABLE)
    assert client.post(f"/v1/conversations/{customer.id}/handoff", headers=customer.auth).status_code == 200
    answer, notice = bot_lines(client, customer.id, alice)
    assert notice["handoff"] and notice["handoff_reason"] == "customer_request"

    refused = correct(client, customer.id, notice["id"], alice)
    assert refused.status_code == 409
    assert refused.json()["detail"] == "a handoff notice is not an answer: only the bot's answers can be corrected"
    assert not [m for m in customer.conversation()["messages"] if m["corrects"] is not None]
    assert correct(client, customer.id, answer["id"], alice).status_code == 201


def test_the_notice_of_a_handoff_for_doubt_cannot_be_corrected_even_by_the_agent_holding_it(client, alice):
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    [notice] = bot_lines(client, customer.id, alice)
    assert notice["handoff"] and notice["handoff_reason"] == "low_confidence" and notice["draft"]
    assert client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice).status_code == 200
    assert correct(client, customer.id, notice["id"], alice).status_code == 409
