"""The embeddable widget on a customer's website, in real Chromium: one async tag, a launcher the
host page's CSS cannot touch, the chat in an iframe that keeps the conversation across page
loads, and nothing of the chat loaded before the customer opens it."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .api_helpers import ANSWERABLE, OFF_TOPIC
from .browser import TIMEOUT_MS, browser, host_site, new_context, open_console  # noqa: F401  (fixtures)
from .browser import agent_token, screenshot

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)

HOSTILE_CSS = """<style>
  * { font-family: serif !important; box-sizing: content-box !important; }
  button { background: red !important; width: 300px !important; font-size: 40px !important; }
  iframe { border: 10px solid red !important; }
</style>"""


def host_html(base_url: str, extra: str = "") -> str:
    return f"""<!doctype html><html><head><title>Tally — pricing</title>{HOSTILE_CSS}</head>
<body><h1>Tally pricing</h1><button id="host-button">Buy</button>
<script async src="{base_url}/widget.js" data-title="Tally help" data-color="#0f766e" {extra}></script>
</body></html>"""


@pytest.fixture
def site(tmp_path: Path, base_url: str):
    with host_site(tmp_path, {"index.html": host_html(base_url), "left.html": host_html(base_url, 'data-position="left"')}) as url:
        yield url


def chat_frame(page):
    return page.frame_locator('iframe[title="Tally help"]')


def open_widget(page):
    """Click the launcher; the chat is ready once its script has applied the tag's title."""
    page.locator("#switchboard-widget .launcher").click()
    frame = chat_frame(page)
    expect(frame.locator("#chat-title")).to_have_text("Tally help")
    return frame


def test_the_widget_opens_the_chat_from_any_site_and_answers_with_sources(new_context, site, base_url):
    page = new_context().new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{site}/index.html")
    launcher = page.locator("#switchboard-widget .launcher")
    expect(launcher).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_have_attribute("aria-label", "Open Tally help")
    # Before it is opened, the widget has loaded nothing but its own script.
    assert [u for u in requests if u.startswith(base_url)] == [f"{base_url}/widget.js"]

    # The host page's `button { background: red; width: 300px }` does not reach the launcher.
    style = launcher.evaluate("b => { const s = getComputedStyle(b); return [s.backgroundColor, s.width]; }")
    assert style == ["rgb(15, 118, 110)", "56px"]

    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    frame = chat_frame(page)
    expect(frame.locator("#chat-title")).to_have_text("Tally help")
    expect(frame.locator("#chat-input")).to_be_focused()  # the first open, as the chat loads, too
    frame.locator("#chat-input").fill(ANSWERABLE)
    frame.locator("#chat-input").press("Enter")
    answer = frame.locator('#messages [data-testid="message"][data-role="bot"]')
    expect(answer).to_have_count(1)
    expect(answer.locator('[data-testid="sources"] a').first).to_be_visible()
    screenshot(page, "widget-on-a-host-page")


def test_the_conversation_survives_a_page_load_and_the_widget_reopens_as_it_was(new_context, site):
    page = new_context().new_page()
    page.goto(f"{site}/index.html")
    frame = open_widget(page)
    frame.locator("#chat-input").fill(ANSWERABLE)
    frame.locator("#chat-input").press("Enter")
    expect(frame.locator('#messages [data-role="bot"]')).to_have_count(1)

    page.goto(f"{site}/left.html")  # another page of the same site
    launcher = page.locator("#switchboard-widget .launcher")
    expect(launcher).to_have_attribute("aria-expanded", "true")  # it was open: it opens again
    frame = chat_frame(page)
    expect(frame.locator('#messages [data-testid="message"]')).to_have_count(2)
    assert launcher.evaluate("b => getComputedStyle(b).left") == "20px"  # data-position="left"

    frame.locator("#chat-input").press("Escape")  # closes the panel and gives focus back to the launcher
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")  # the focused launcher opens it again from the keyboard
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(frame.locator("#chat-input")).to_be_focused()  # and what the customer types goes into the chat
    page.keyboard.type("and for pro?")
    expect(frame.locator("#chat-input")).to_have_value("and for pro?")


def test_the_widget_hands_off_and_the_agent_answers_live(new_context, site, base_url, settings):
    page = new_context().new_page()
    page.goto(f"{site}/index.html")
    frame = open_widget(page)
    frame.locator("#chat-input").fill(OFF_TOPIC)
    frame.locator("#chat-input").press("Enter")
    expect(frame.locator("#chat-status")).to_contain_text("our team is away right now")  # nobody signed in yet

    console = open_console(new_context(), base_url, agent_token(settings, "alice"))
    console.locator('#queue [data-testid="conversation-item"]').first.click()
    console.locator("#claim-button").click()
    expect(frame.locator("#chat-status")).to_have_text("alice joined")
    console.locator("#agent-input").fill("Hi, Alice here.")
    console.locator("#agent-input").press("Enter")
    expect(frame.locator('#messages [data-role="agent"] .msg__text')).to_have_text("Hi, Alice here.")

    frame.locator("#chat-close").click()  # the panel's own minimise button
    launcher = page.locator("#switchboard-widget .launcher")
    expect(launcher).to_have_attribute("aria-expanded", "false")

    # Replies that arrive while the panel is closed are counted on the launcher, for eyes and ears.
    badge = page.locator("#switchboard-widget .unread")
    expect(badge).to_be_hidden()
    for n, line in enumerate(["Found your invoice.", "Anything else?"], start=1):
        console.locator("#agent-input").fill(line)
        console.locator("#agent-input").press("Enter")
        expect(badge).to_have_text(str(n))
    expect(launcher).to_have_attribute("aria-label", "Open Tally help, 2 unread messages")
    launcher.click()
    expect(badge).to_be_hidden()
    expect(frame.locator('#messages [data-role="agent"]')).to_have_count(3)

    # On the next page, closed: the conversation under way is still heard; what was read is not new.
    launcher.click()
    page.goto(f"{site}/left.html")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(chat_frame(page).locator('#messages [data-role="agent"]')).to_have_count(3)
    expect(badge).to_be_hidden()
    console.locator("#agent-input").fill("Still there?")
    console.locator("#agent-input").press("Enter")
    expect(badge).to_have_text("1")
    expect(launcher).to_have_attribute("aria-label", "Open Tally help, 1 unread message")

    # Unread stays unread across a reload and another page, counted once however often replayed.
    page.reload()
    expect(chat_frame(page).locator('#messages [data-role="agent"]')).to_have_count(4)
    expect(badge).to_have_text("1")
    # A reply while the customer is on no page of the site is news when they come back.
    page.goto("about:blank")
    console.locator("#agent-input").fill("I have refunded the duplicate charge.")
    console.locator("#agent-input").press("Enter")
    expect(console.locator('#conversation-messages [data-role="agent"]')).to_have_count(5)
    page.goto(f"{site}/index.html")
    expect(chat_frame(page).locator('#messages [data-role="agent"]')).to_have_count(5)
    expect(badge).to_have_text("2")
    expect(launcher).to_have_attribute("aria-label", "Open Tally help, 2 unread messages")
    launcher.click()
    expect(badge).to_be_hidden()
    page.reload()  # read now: nothing unread after the next load either
    expect(chat_frame(page).locator('#messages [data-role="agent"]')).to_have_count(5)
    expect(badge).to_be_hidden()

    # A first visit with no count kept yet (as after this count was introduced): what the
    # conversation already holds is not news, however many replies it has.
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.evaluate("localStorage.removeItem('switchboard.widget.unread')")
    page.reload()
    expect(chat_frame(page).locator('#messages [data-role="agent"]')).to_have_count(5)
    expect(badge).to_be_hidden()
    console.locator("#agent-input").fill("One more thing.")
    console.locator("#agent-input").press("Enter")
    expect(badge).to_have_text("1")


def test_the_widget_script_is_small(base_url, http):
    script = http.get("/widget.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "max-age" in script.headers["cache-control"]
    assert len(gzip.compress(script.content)) < 30_000


def test_the_console_cannot_be_framed_by_another_site_and_every_page_has_a_strict_policy(http):
    page = http.get("/agent")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    for path, framed_by in (("/", "'self'"), ("/agent", "'none'"), ("/widget", "*")):
        policy = http.get(path).headers["content-security-policy"]
        assert "script-src 'self';" in policy and "connect-src 'self';" in policy
        assert policy.endswith(f"frame-ancestors {framed_by}")
