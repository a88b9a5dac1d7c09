"""A customer whose conversation the service closed for idling is told why, in real Chromium, and
still is after a reload; a conversation an agent closes says only that it is closed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .api_helpers import ANSWERABLE, OFF_TOPIC
from .browser import TIMEOUT_MS, ask, browser, new_context, open_chat  # noqa: F401  (fixtures)
from .browser import agent_token, saved_conversation
from .conftest import make_settings

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)

IDLE_SECONDS = 2


@pytest.fixture
def settings(data_dir):
    return make_settings(data_dir, bot_idle_close_hours=IDLE_SECONDS / 3600)


def test_a_conversation_closed_for_idling_says_so_and_offers_a_new_one(new_context, base_url):
    page = open_chat(new_context(), base_url)
    ask(page, ANSWERABLE)
    expect(page.locator('#messages [data-role="bot"]')).to_have_count(1)

    expect(page.locator("#chat-status")).to_have_text("Conversation closed")  # a sweep, a moment later
    notice = page.locator("#closed-text")
    expect(notice).to_have_text("This conversation was closed after 2 seconds without a new message.")
    expect(page.locator("#new-conversation")).to_be_visible()

    page.reload()
    expect(page.locator("#chat-status")).to_have_text("Conversation closed")
    expect(notice).to_have_text("This conversation was closed after 2 seconds without a new message.")

    page.locator("#new-conversation").click()
    expect(page.locator("#chat-status")).to_have_text("Assistant")
    expect(notice).to_have_text("This conversation has been closed.")  # said again only when it is


def test_a_conversation_an_agent_closed_says_it_is_closed(new_context, base_url, settings, http):
    page = open_chat(new_context(), base_url)
    ask(page, OFF_TOPIC)  # waits for a person: never closed for idling
    expect(page.locator("#chat-status")).to_contain_text("Waiting for a person")
    path = f"/v1/agent/conversations/{saved_conversation(page)['id']}"
    alice = {"Authorization": f"Bearer {agent_token(settings, 'alice')}"}
    assert http.post(f"{path}/close", headers=alice).status_code == 200

    expect(page.locator("#chat-status")).to_have_text("Conversation closed")
    expect(page.locator("#closed-text")).to_have_text("This conversation has been closed.")
