"""A customer waiting for a person is told, both ways, whether anyone of the team is online, in
real Chromium.

QA found a customer who asked for a person while nobody was online still reading "Waiting for a
person (our team is away right now…)" after an agent signed in: presence is no event on the
customer's stream, and the page looked again only every 30 s, and only while nobody was online,
so it never said so when the last agent left either. It looks every 15 s while the customer waits.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .api_helpers import OFF_TOPIC
from .browser import TIMEOUT_MS, agent_token, browser, new_context, open_chat, open_console  # noqa: F401  (fixtures)
from .browser import ask

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)

AWAY = "Waiting for a person (our team is away right now; we will reply here)"
WAITING = "Waiting for a person…"


def test_the_waiting_customer_sees_an_agent_come_online_and_the_team_leave_again(new_context, base_url, settings):
    customer = open_chat(new_context(), base_url)
    customer.clock.install()  # the page's timers from now on run on a clock the test moves
    ask(customer, OFF_TOPIC)
    expect(customer.locator("#chat-status")).to_have_text(AWAY)  # nobody has signed in

    console = open_console(new_context(), base_url, agent_token(settings, "alice"))  # signing in is coming online
    customer.clock.fast_forward(16_000)
    expect(customer.locator("#chat-status")).to_have_text(WAITING)

    with console.expect_response("**/v1/agent/session"):  # the server has it before the page looks
        console.locator("#logout").click()
    expect(console.locator("#login-view")).to_be_visible()
    customer.clock.fast_forward(16_000)
    expect(customer.locator("#chat-status")).to_have_text(AWAY)

    with console.expect_response("**/v1/agent/session"):  # back again
        console.locator("#agent-token").fill(agent_token(settings, "alice"))
        console.locator("#agent-login").click()
    customer.clock.fast_forward(16_000)
    expect(customer.locator("#chat-status")).to_have_text(WAITING)
