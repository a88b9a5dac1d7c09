"""The secure card form names the field that is wrong, in real Chromium. After a refused card the
CVC is cleared (by design); a customer who fixed the number and sent it again was shown pydantic's
"String should have at least 1 character", which names no field."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from .api_helpers import OFF_TOPIC
from .browser import TIMEOUT_MS, ask, browser, new_context, open_chat  # noqa: F401  (fixtures)
from .browser import agent_token, customer_auth, saved_conversation

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)

CARD_URL = "**/v1/conversations/*/payment-requests/*/card"


@pytest.fixture
def customer(new_context, base_url, settings, http) -> Page:
    """A customer whose agent has asked for a card: the secure form is open."""
    page = open_chat(new_context(), base_url)
    ask(page, OFF_TOPIC)
    expect(page.locator("#chat-status")).to_contain_text("Waiting for a person")
    path = f"/v1/agent/conversations/{saved_conversation(page)['id']}"
    alice = {"Authorization": f"Bearer {agent_token(settings, 'alice')}"}
    assert http.post(f"{path}/claim", headers=alice).status_code == 200
    assert http.post(f"{path}/payment-requests", json={}, headers=alice).status_code == 201
    expect(page.locator('[data-testid="payment-form"]')).to_be_visible()
    return page


def fill_card(page: Page, number: str, expiry: str = "1229", cvc: str | None = "737") -> None:
    form = page.locator('[data-testid="payment-form"]')
    form.get_by_label("Card number").fill("")
    form.get_by_label("Card number").press_sequentially(number)
    form.get_by_label("Expiry (MM/YY)").fill("")
    form.get_by_label("Expiry (MM/YY)").press_sequentially(expiry)
    if cvc is not None:
        form.get_by_label("CVC").fill(cvc)


def test_a_card_sent_again_without_its_security_code_is_asked_for_the_cvc_by_name(customer):
    form = customer.locator('[data-testid="payment-form"]')
    error, cvc = form.locator('[data-testid="payment-error"]'), form.get_by_label("CVC")
    sent: list[str] = []
    customer.on("request", lambda r: sent.append(r.url) if r.url.endswith("/card") else None)

    fill_card(customer, "4111111111111112")  # fails Luhn: refused by the vault
    form.locator('[data-testid="payment-submit"]').click()
    expect(error).to_contain_text("card number is not valid")
    expect(cvc).to_have_value("")  # cleared after a refusal, by design
    assert len(sent) == 1

    fill_card(customer, "4111111111111111", cvc=None)
    form.locator('[data-testid="payment-submit"]').click()
    expect(error).to_have_text("Enter the security code (CVC).")
    expect(cvc).to_have_attribute("aria-invalid", "true")
    expect(cvc).to_be_focused()
    assert len(sent) == 1  # checked before it is sent

    cvc.fill("737")
    expect(error).to_be_hidden()  # typing in the field clears its message
    form.locator('[data-testid="payment-submit"]').click()
    expect(form).to_be_hidden()
    assert len(sent) == 2


def test_the_servers_refusal_of_a_field_names_that_field(customer, http):
    """The server's own 422 for an empty CVC (pydantic's, by field), played back to the form."""
    conversation, auth = saved_conversation(customer)["id"], customer_auth(customer)
    request_id = http.get(f"/v1/conversations/{conversation}", headers=auth).json()["payment_request"]["id"]
    refused = http.post(f"/v1/conversations/{conversation}/payment-requests/{request_id}/card",
                        json={"number": "4111111111111111", "expiry": "12/29", "cvc": ""}, headers=auth)
    assert refused.status_code == 422 and "at least 1 character" in refused.text
    customer.route(CARD_URL, lambda route: route.fulfill(status=422, content_type="application/json",
                                                         body=json.dumps(refused.json())))

    form = customer.locator('[data-testid="payment-form"]')
    fill_card(customer, "4111111111111111")
    form.locator('[data-testid="payment-submit"]').click()
    expect(form.locator('[data-testid="payment-error"]')).to_have_text("Enter the security code (CVC).")
    expect(form.get_by_label("CVC")).to_have_attribute("aria-invalid", "true")


def test_a_card_sent_after_the_request_ended_is_wiped_from_the_form(customer):
    """A late card (the agent let the chat go while the customer typed; the closing event not yet
    arrived) got 409, and the form kept the number on screen with "Send" enabled again."""
    customer.route(CARD_URL, lambda route: route.fulfill(
        status=409, content_type="application/json",
        body=json.dumps({"detail": "this payment request is no longer open; nothing was stored"}),
    ))
    form = customer.locator('[data-testid="payment-form"]')
    fill_card(customer, "4111111111111111")
    form.locator('[data-testid="payment-submit"]').click()
    expect(form.locator('[data-testid="payment-error"]')).to_contain_text("no longer open")
    for label in ("Card number", "Expiry (MM/YY)", "CVC"):
        expect(form.get_by_label(label)).to_have_value("")
    expect(form.locator('[data-testid="payment-submit"]')).to_be_disabled()
