"""A handoff notice cannot be flagged as a bad answer; an answer in a closed chat can.

The server took a flag on the bot's handoff notice ("I'm connecting you with a member of our
team…", shown as "handed off" in the console), and the console offered "Flag bad answer" on it.
The notice answers nothing, yet a flag on it put the customer's last question in `kb gaps` as one
the bot answered badly. Now it is a 409 that says why. Answers stay flaggable in every state, closed
chats too: reviewing closed chats is how a team finds bad answers.
"""

from __future__ import annotations

from .api_helpers import ANSWERABLE, OFF_TOPIC, start_conversation


def flag(client, chat: str, message_id: int, headers: dict[str, str]):
    return client.post(f"/v1/agent/conversations/{chat}/messages/{message_id}/flag", json={"note": "bad"}, headers=headers)


def bot_lines(client, chat: str, headers: dict[str, str]) -> list[dict]:
    view = client.get(f"/v1/agent/conversations/{chat}", headers=headers).json()
    return [m for m in view["messages"] if m["role"] == "bot"]


def test_the_notice_of_a_handoff_the_customer_asked_for_cannot_be_flagged(client, alice):
    customer = start_conversation(client)
    customer.say(ANSWERABLE)
    assert client.post(f"/v1/conversations/{customer.id}/handoff", headers=customer.auth).status_code == 200
    answer, notice = bot_lines(client, customer.id, alice)
    assert notice["handoff"] and notice["handoff_reason"] == "customer_request"

    refused = flag(client, customer.id, notice["id"], alice)
    assert refused.status_code == 409
    assert refused.json()["detail"] == "a handoff notice is not an answer: only the bot's answers can be flagged"
    assert flag(client, customer.id, answer["id"], alice).status_code == 201
    assert [m["flagged"] for m in bot_lines(client, customer.id, alice)] == [True, False]


def test_the_notice_of_a_handoff_for_doubt_cannot_be_flagged_even_with_a_draft(client, alice):
    """Its held-back answer is in `kb gaps` already, as handed off for low confidence."""
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    [notice] = bot_lines(client, customer.id, alice)
    assert notice["handoff"] and notice["handoff_reason"] == "low_confidence"
    assert flag(client, customer.id, notice["id"], alice).status_code == 409


def test_an_answer_in_a_closed_chat_can_still_be_flagged_but_not_its_handoff_notice(client, alice):
    customer = start_conversation(client)
    customer.say(ANSWERABLE)
    customer.say(OFF_TOPIC)
    answer, notice = bot_lines(client, customer.id, alice)
    assert client.post(f"/v1/agent/conversations/{customer.id}/close", headers=alice).status_code == 200
    assert flag(client, customer.id, answer["id"], alice).status_code == 201
    assert flag(client, customer.id, notice["id"], alice).status_code == 409
