"""The customer's secure card form closes whenever the server withdraws the card request, in real
Chromium.

QA found it open after an admin took the chat over: the server had cancelled the request
(`payment_request: null`), but the page's handler for the take-over (`conversation.claimed` with
`from`) never hid the form, so the customer typed a whole card and was told "This payment request
is no longer open; nothing was stored". Every event that ends a request closes the form: a take-over,
the chat going back to the queue (its agent lost access or went offline), back to the bot, closed.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .browser import TIMEOUT_MS, agent_token, browser, new_context, open_chat, open_console  # noqa: F401  (fixtures)
from .browser import card_form_open, conversation_item, revoke_agent, saved_conversation

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def customer(new_context, base_url):
    return open_chat(new_context(), base_url)


@pytest.fixture
def console(new_context, base_url, settings):
    return open_console(new_context(), base_url, agent_token(settings, "alice"))


def test_an_admin_taking_the_chat_over_closes_the_customers_card_form(customer, console, new_context, base_url, settings):
    form = card_form_open(customer, console)
    form.get_by_label("Card number").press_sequentially("4111")  # half typed when the chat changes hands

    admin = open_console(new_context(), base_url, agent_token(settings, "root", "admin"))
    conversation_item(admin, "live", saved_conversation(customer)["id"]).click()
    admin.locator("#take-over-button").click()
    expect(admin.locator("#conversation-agent")).to_have_text("Handled by you")

    expect(customer.locator("#chat-status")).to_have_text("root joined")
    expect(form).to_be_hidden()
    expect(form.get_by_label("Card number")).to_have_value("")  # nothing of it is kept on the page
    expect(console.locator("#payment-status")).to_have_text("")
    customer.reload()  # and the stored state agrees
    expect(customer.locator("#chat-status")).to_have_text("root joined")
    expect(form).to_be_hidden()


def test_the_chat_going_back_to_the_queue_closes_the_customers_card_form(customer, console, settings):
    form = card_form_open(customer, console)
    revoke_agent(settings, "alice")  # her chats go back to the queue, their card requests cancelled
    # from another process, as `switchboard agent revoke` does: the server reads it within 15 s
    expect(customer.locator("#chat-status")).to_contain_text("Waiting for a person", timeout=3 * TIMEOUT_MS)
    expect(form).to_be_hidden()


def test_closing_the_chat_closes_the_customers_card_form(customer, console):
    form = card_form_open(customer, console)
    console.locator("#close-button").click()
    expect(customer.locator("#chat-status")).to_have_text("Conversation closed")
    expect(form).to_be_hidden()
