"""A request the app cannot take gets a clear 422 that names the field and never repeats what was
sent: not a card number one digit short, not a token. Text that is not valid Unicode (a lone
surrogate, "\\ud800" in the JSON) is dropped from chat lines and refused elsewhere, never a 500.
Found by an exploratory QA pass: such a request got a 500 whose traceback logged the card."""

from __future__ import annotations

import logging

import pytest

from .api_helpers import OFF_TOPIC, create_agent, start_conversation

JSON = {"Content-Type": "application/json"}
CARD_DIGITS = "5555555555554443"  # one digit off a valid test card


@pytest.fixture
def payment(client, settings):
    """A customer, and the payment request alice made in their conversation: (customer, card url)."""
    alice = create_agent(settings, "alice")
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    assert client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice).status_code == 200
    made = client.post(f"/v1/agent/conversations/{customer.id}/payment-requests", json={}, headers=alice)
    return customer, f"/v1/conversations/{customer.id}/payment-requests/{made.json()['id']}/card"


def test_a_refused_card_is_named_not_repeated_in_the_reply_or_the_log(client, payment, caplog):
    customer, url = payment
    caplog.set_level(logging.DEBUG)
    for number in (CARD_DIGITS, f"{CARD_DIGITS}\\ud800", "4" * 40):
        body = f'{{"number": "{number}", "expiry": "12/29", "cvc": "987\\udc00"}}'
        refused = client.post(url, content=body, headers={**customer.auth, **JSON})
        assert refused.status_code == 422, refused.text
        assert CARD_DIGITS not in refused.text and "4444" not in refused.text and "987" not in refused.text
    assert CARD_DIGITS not in caplog.text and "987" not in caplog.text


def test_a_lone_surrogate_in_a_chat_line_is_dropped_and_the_line_stored(client, alice):
    customer = start_conversation(client)
    sent = client.post(
        f"/v1/conversations/{customer.id}/messages", content='{"text": "hello \\ud83d there"}', headers={**customer.auth, **JSON}
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["message"]["text"] == "hello  there"
    assert client.post(f"/v1/agent/conversations/{customer.id}/close", headers=alice).status_code == 200  # rated once closed
    rated = client.put(
        f"/v1/conversations/{customer.id}/rating", content='{"score": 4, "comment": "ok\\udc00"}', headers={**customer.auth, **JSON}
    )
    assert rated.status_code == 200 and rated.json()["comment"] == "ok"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/agent/session", '{"token": "abc\\ud800"}'),
        ("POST", "/v1/admin/agents", '{"name": "bob\\ud800"}'),
        ("POST", "/v1/admin/canned-responses", '{"shortcut": "hi", "title": "Hi\\ud800", "text": "Hello\\ud800"}'),
        ("PUT", "/v1/admin/escalation-rules", '{"yaml": "rules: []\\ud800"}'),
    ],
)
def test_text_that_is_not_unicode_never_ends_in_a_500(client, admin, method, path, body):
    response = client.request(method, path, content=body, headers={**admin, **JSON})
    assert response.status_code < 500, response.text
    if response.status_code == 422:
        assert "\\ud800" not in response.text.replace("\\\\ud800", "")  # said what is wrong, not repeated


def test_a_validation_error_names_the_field_and_the_rule_without_the_value(client):
    customer = start_conversation(client)
    comment = "secret words " * 200
    refused = client.put(f"/v1/conversations/{customer.id}/rating", json={"score": 9, "comment": comment}, headers=customer.auth)
    assert refused.status_code == 422
    errors = refused.json()["detail"]
    assert {tuple(e["loc"]) for e in errors} == {("body", "score"), ("body", "comment")}
    assert all(set(e) == {"type", "loc", "msg"} for e in errors) and "secret words" not in refused.text


@pytest.mark.parametrize("stream", [False, True])
def test_a_chat_completion_of_only_a_lone_surrogate_is_refused_not_a_500(client, stream):
    body = '{"model": "switchboard", "stream": %s, "messages": [{"role": "user", "content": "\\udfff"}]}' % str(stream).lower()
    response = client.post("/v1/chat/completions", content=body, headers=JSON)
    assert response.status_code == 422 and "user's question" in response.text
    asked = '{"model": "switchboard", "messages": [{"role": "user", "content": "How do I reset my password?\\ud800"}]}'
    assert client.post("/v1/chat/completions", content=asked, headers=JSON).status_code == 200
