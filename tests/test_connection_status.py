"""The pages say when their live connection is down, in real Chromium, through a proxy the test cuts
(every connection dropped, new ones refused, as when the server is down). The console's indicator
used to say "live" throughout, as the event stream retried network errors silently; the chat said
nothing at all."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .api_helpers import OFF_TOPIC
from .browser import TIMEOUT_MS, ask, browser, new_context, open_chat, open_console  # noqa: F401  (fixtures)
from .browser import agent_token
from .tcp_proxy import cuttable

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)

BACK_MS = 25_000  # the stream retries with back-off (up to 15 s between attempts) after an outage


@pytest.fixture
def proxy(base_url):
    server = urlsplit(base_url)
    with cuttable(server.hostname, server.port) as proxy:
        yield proxy


def test_the_console_shows_it_is_reconnecting_while_the_server_is_unreachable_and_live_once_back(new_context, proxy, settings):
    console = open_console(new_context(), f"http://127.0.0.1:{proxy.port}", agent_token(settings, "alice"))
    status = console.locator("#sse-status")

    proxy.cut()
    expect(status).to_have_text("reconnecting…")
    expect(status).to_have_attribute("data-state", "reconnecting")
    console.wait_for_timeout(1500)  # a failed retry or two: still not live
    expect(status).to_have_text("reconnecting…")

    proxy.restore()
    expect(status).to_have_text("live", timeout=BACK_MS)
    expect(status).to_have_attribute("data-state", "live")


def test_the_chat_says_its_connection_is_lost_while_it_is_and_no_more_once_it_is_back(new_context, proxy):
    chat = open_chat(new_context(), f"http://127.0.0.1:{proxy.port}")
    lost = chat.locator('[data-testid="connection"]')
    expect(lost).to_be_hidden()  # no conversation yet: no stream, nothing to say
    ask(chat, OFF_TOPIC)
    expect(chat.locator("#chat-status")).to_contain_text("Waiting for a person")
    expect(lost).to_be_hidden()

    proxy.cut()
    expect(lost).to_be_visible()
    expect(lost).to_have_text("Connection lost. Reconnecting…")
    expect(chat.locator("#chat-status")).to_contain_text("Waiting for a person")  # the conversation's state stays

    proxy.restore()
    expect(lost).to_be_hidden(timeout=BACK_MS)
