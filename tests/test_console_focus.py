"""The console's keyboard focus follows the agent, in real Chromium.

QA, working by keyboard: after signing in, focus was on the page's body (the form that had it was
gone), and opening a chat from the list left focus in the list, so reaching its Claim button took
15 Tabs. Signing in puts focus on the queue; opening a chat puts it on the chat's heading, one Tab
before Claim. A refresh the page makes by itself (a new line, another agent's move) moves nothing.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .api_helpers import OFF_TOPIC
from .browser import TIMEOUT_MS, agent_token, browser, new_context, open_console  # noqa: F401  (fixtures)
from .browser import conversation_item

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)


def waiting_customer(http) -> tuple[str, dict[str, str]]:
    created = http.post("/v1/conversations").json()
    auth = {"Authorization": f"Bearer {created['token']}"}
    assert http.post(f"/v1/conversations/{created['id']}/messages", json={"text": OFF_TOPIC}, headers=auth).is_success
    return created["id"], auth


def test_signing_in_puts_focus_on_the_queue(new_context, base_url, settings, http):
    chat, _ = waiting_customer(http)
    page = new_context().new_page()
    page.goto(f"{base_url}/agent")
    page.locator("#agent-token").fill(agent_token(settings, "alice"))
    page.keyboard.press("Enter")
    expect(page.locator("#console")).to_be_visible()
    expect(page.locator("#queue-title")).to_be_focused()
    expect(conversation_item(page, "queue", chat)).to_be_visible()
    page.keyboard.press("Tab")  # the first chat waiting is next
    expect(conversation_item(page, "queue", chat)).to_be_focused()


def test_opening_a_chat_puts_focus_on_its_heading_one_tab_before_claim(new_context, base_url, settings, http):
    chat, auth = waiting_customer(http)
    page = open_console(new_context(), base_url, agent_token(settings, "alice"))
    conversation_item(page, "queue", chat).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#conversation-title")).to_be_focused()
    expect(page.locator("#conversation-title")).to_have_text(f"Conversation {chat[:8]}")
    expect(page.locator("#claim-button")).to_be_enabled()
    page.keyboard.press("Tab")
    expect(page.locator("#claim-button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#conversation-state")).to_have_text("agent")
    expect(page.locator("#agent-input")).to_be_focused()  # as before: Claim hands on to the reply

    page.keyboard.type("Let me look")
    assert http.post(f"/v1/conversations/{chat}/messages", json={"text": "hello?"}, headers=auth).is_success
    expect(page.locator('#conversation-messages [data-role="customer"]')).to_have_count(2)  # the page refreshed it
    expect(page.locator("#agent-input")).to_be_focused()  # and left the agent where they were
    expect(page.locator("#agent-input")).to_have_value("Let me look")

    conversation_item(page, "live", chat).click()  # by mouse too, from the live list
    expect(page.locator("#conversation-title")).to_be_focused()
