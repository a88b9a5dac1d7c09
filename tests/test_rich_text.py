"""The bot's replies quote Markdown articles: customers and agents see lists, bold and code, not
asterisks and backticks, and nothing in a reply can become markup. In real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .api_helpers import ANSWERABLE
from .browser import TIMEOUT_MS, ask, browser, new_context, open_chat  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)

REPLY = """Check these first:

- **Caps Lock** is off
- the address is `you@example.com` <img src=x onerror="window.hacked=1">

1. Open Settings
2. Click Reset

## Still stuck?
Write to us."""


def test_a_reply_shows_lists_bold_and_code_and_no_markup_gets_through(new_context, base_url):
    page = open_chat(new_context(), base_url)
    html = page.evaluate("text => window.SwitchboardRichText.render(text).innerHTML", REPLY)
    assert html == (
        "<p>Check these first:</p>"
        "<ul><li><strong>Caps Lock</strong> is off</li>"
        "<li>the address is <code>you@example.com</code> &lt;img src=x onerror=\"window.hacked=1\"&gt;</li></ul>"
        "<ol><li>Open Settings</li><li>Click Reset</li></ol>"
        "<p><strong>Still stuck?</strong></p><p>Write to us.</p>"
    )
    assert page.evaluate("window.hacked") is None


def test_a_real_answer_with_steps_renders_as_a_list(new_context, base_url):
    page = open_chat(new_context(), base_url)
    ask(page, ANSWERABLE)
    reply = page.locator('#messages [data-role="bot"] .msg__text')
    expect(reply).to_have_count(1)
    expect(reply.locator("li").first).to_be_visible()
    assert "\n- " not in reply.inner_text()  # no raw Markdown bullets left
