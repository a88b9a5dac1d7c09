"""The customer's chat loses its connection (the network between browser and server drops every
connection and refuses new ones for a while) and comes back: the agent's lines written meanwhile
appear once each, in order, without a reload. Real Chromium, through a proxy the test cuts."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .api_helpers import OFF_TOPIC
from .browser import TIMEOUT_MS, ask, browser, new_context  # noqa: F401  (fixtures)
from .browser import agent_token, saved_conversation
from .tcp_proxy import cuttable

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)


def test_the_chat_reconnects_after_a_dropped_connection_and_misses_and_repeats_nothing(new_context, base_url, settings, http):
    server = urlsplit(base_url)
    with cuttable(server.hostname, server.port) as proxy:
        page = new_context().new_page()
        page.goto(f"http://127.0.0.1:{proxy.port}/")
        expect(page.locator("#chat-status")).to_have_text("Assistant")
        ask(page, OFF_TOPIC)
        expect(page.locator("#chat-status")).to_contain_text("Waiting for a person")
        conversation = saved_conversation(page)["id"]
        agent = {"Authorization": f"Bearer {agent_token(settings, 'alice')}"}
        path = f"/v1/agent/conversations/{conversation}"
        assert http.post(f"{path}/claim", headers=agent).status_code == 200
        expect(page.locator("#chat-status")).to_have_text("alice joined")

        proxy.cut()  # every connection dropped, new ones refused
        lines = [f"Line {n} while you were away" for n in range(1, 4)]
        for line in lines:
            assert http.post(f"{path}/messages", json={"text": line}, headers=agent).is_success
        time.sleep(2)  # the page notices and keeps retrying
        proxy.restore()

        said = page.locator('#messages [data-role="agent"] .msg__text')
        expect(said).to_have_text(lines)  # each once, in order, after the stream came back
        assert http.post(f"{path}/messages", json={"text": "And one more"}, headers=agent).is_success
        expect(said).to_have_text([*lines, "And one more"])  # live again
