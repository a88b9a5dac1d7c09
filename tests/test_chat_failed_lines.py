"""A customer's line that could not be sent stays where it was typed, in real Chromium: what arrives
after it (an agent's reply) appears below it, in time order, and is scrolled into view. It used to
stay at the bottom for good, every later message was put above it, and the chat scrolled to the
failed line, so the customer did not see the reply. A line that waited for the server goes by
itself once the server is back, and goes last, where it is stored."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from .api_helpers import OFF_TOPIC
from .browser import TIMEOUT_MS, ask, browser, new_context, open_chat  # noqa: F401  (fixtures)
from .browser import agent_token, saved_conversation
from .tcp_proxy import cuttable

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)

BACK_MS = 25_000  # the stream retries with back-off (up to 15 s between attempts) after an outage


def messages(page: Page):
    return page.locator('#messages [data-testid="message"]')


def handed_to_alice(page: Page, settings, http) -> tuple[str, dict[str, str]]:
    """The page's conversation, claimed by alice: the path of her side of it, and her header."""
    ask(page, OFF_TOPIC)
    expect(page.locator("#chat-status")).to_contain_text("Waiting for a person")
    path = f"/v1/agent/conversations/{saved_conversation(page)['id']}"
    alice = {"Authorization": f"Bearer {agent_token(settings, 'alice')}"}
    assert http.post(f"{path}/claim", headers=alice).status_code == 200
    expect(page.locator("#chat-status")).to_have_text("alice joined")
    return path, alice


def test_a_line_that_failed_to_send_does_not_hide_the_replies_after_it(new_context, base_url, settings, http):
    page = open_chat(new_context(), base_url)
    path, alice = handed_to_alice(page, settings, http)

    too_long = "word " * 820  # 4,100 characters: refused with a 422, for good
    ask(page, too_long)
    failed = page.locator('#messages [data-status="failed"]')
    expect(failed.locator('[data-testid="delivery"]')).to_contain_text("the limit is")

    assert http.post(f"{path}/messages", json={"text": "Could you say it in fewer words?"}, headers=alice).is_success
    reply = messages(page).last
    expect(reply).to_have_attribute("data-role", "agent")
    expect(reply).to_contain_text("Could you say it in fewer words?")
    expect(messages(page).nth(-2)).to_have_attribute("data-status", "failed")  # keeps its place, above
    expect(reply).to_be_in_viewport()  # the chat shows the newest message, not the failed line


def test_a_line_sent_while_the_server_was_down_goes_by_itself_once_it_is_back_below_the_replies(new_context, base_url, settings, http):
    server = urlsplit(base_url)
    with cuttable(server.hostname, server.port) as proxy:
        page = open_chat(new_context(), f"http://127.0.0.1:{proxy.port}")
        path, alice = handed_to_alice(page, settings, http)

        proxy.cut()
        ask(page, "Are you still there?")
        failed = page.locator('#messages [data-status="failed"]')
        expect(failed.locator('[data-testid="delivery"]')).to_contain_text("could not reach the server")
        assert http.post(f"{path}/messages", json={"text": "Yes, still here."}, headers=alice).is_success
        proxy.restore()

        reply = page.locator('#messages [data-role="agent"]')
        expect(reply).to_contain_text("Yes, still here.", timeout=BACK_MS)  # once the stream is back
        expect(failed).to_have_count(0, timeout=BACK_MS)  # sent with no click (the server stores it after the reply)
        last = messages(page).last
        expect(last).to_have_attribute("data-role", "customer")  # sent now: below the reply
        expect(last.locator(".msg__text")).to_have_text("Are you still there?")
        expect(page.locator('#messages [data-role="customer"] .msg__text')).to_have_text([OFF_TOPIC, "Are you still there?"])
        expect(reply).to_be_in_viewport()
