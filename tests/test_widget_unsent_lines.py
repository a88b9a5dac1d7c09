"""Nothing a customer types is lost to a short outage, in real Chromium (found by QA). A line typed
while the chat could not reach the server showed "Not sent" and stayed so until the customer
clicked Retry, even once the server was back; a reload, or another page of the site with the
widget, threw it away. Now a waiting line goes by itself, in order and once, when the chat is back
(its event stream reopens, the browser is online again), and the page keeps it: after a reload or
on another page it is shown waiting, then sent. A line the server had stored already is neither
sent nor shown twice."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from .api_helpers import ANSWERABLE
from .browser import TIMEOUT_MS, ask, browser, host_site, new_context, open_chat  # noqa: F401  (fixtures)
from .browser import CHAT_KEY, customer_auth, saved_conversation
from .tcp_proxy import cuttable
from .test_widget import chat_frame, host_html, open_widget

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)

BACK_MS = 30_000  # the stream retries with back-off (up to 15 s between attempts) after an outage
LINES = "**/v1/conversations/*/messages"  # where the chat posts the customer's lines


def said(page) -> object:
    """The customer's lines as the chat shows them."""
    return page.locator('#messages [data-role="customer"] .msg__text')


def stored_lines(http, page: Page) -> list[str]:
    """The customer's lines as the server stored them."""
    conversation = http.get(f"/v1/conversations/{saved_conversation(page)['id']}", headers=customer_auth(page)).json()
    return [m["text"] for m in conversation["messages"] if m["role"] == "customer"]


def answered(page: Page) -> None:
    ask(page, ANSWERABLE)
    expect(page.locator('#messages [data-role="bot"]')).to_have_count(1)


def unreachable(route) -> None:
    route.abort("internetdisconnected")


def test_lines_typed_while_the_server_is_down_go_by_themselves_once_it_is_back(new_context, base_url, http):
    server = urlsplit(base_url)
    with cuttable(server.hostname, server.port) as proxy:
        page = open_chat(new_context(), f"http://127.0.0.1:{proxy.port}")
        answered(page)

        proxy.cut()  # the server goes away: every connection dropped, new ones refused
        ask(page, "Are you still there?")
        ask(page, "Hello?")
        failed = page.locator('#messages [data-status="failed"]')
        expect(failed).to_have_count(2)
        expect(failed.first.locator('[data-testid="delivery"]')).to_contain_text("could not reach the server")
        proxy.restore()  # back, and nobody clicks Retry

        expect(page.locator("#messages [data-status]")).to_have_count(0, timeout=BACK_MS)
        expect(said(page)).to_have_text([ANSWERABLE, "Are you still there?", "Hello?"])
        assert stored_lines(http, page) == [ANSWERABLE, "Are you still there?", "Hello?"]


def test_a_line_typed_offline_goes_once_the_browser_is_online_again(new_context, base_url, http):
    context = new_context()
    page = open_chat(context, base_url)
    answered(page)

    context.set_offline(True)
    ask(page, "Are you still there?")
    expect(page.locator('#messages [data-status="failed"] [data-testid="delivery"]')).to_contain_text("could not reach the server")
    context.set_offline(False)

    expect(page.locator("#messages [data-status]")).to_have_count(0, timeout=BACK_MS)
    expect(said(page)).to_have_text([ANSWERABLE, "Are you still there?"])
    assert stored_lines(http, page) == [ANSWERABLE, "Are you still there?"]


# Lines that may hold card details, however written: kept in the page only, never in storage
# (the host site's, which any script on it can read). 4 digits or more in all, or a security code
# or an expiry named.
CARD_LIKE = {
    "spaced": ["My card is 4242 4242 4242 4242"],
    "dots": ["4111.1111.1111.1111"],
    "two spaces": ["4111  1111  1111  1111"],
    "newline": ["4111\n1111\n1111\n1111"],
    "full-width": ["\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11"],
    "superscript": ["\u2074\u00b9\u00b9\u00b9"],
    "cvv": ["cvv 123"],
    "expiry": ["Exp 12/29"],
    "a lone 4111": ["4111"],
    "four lines": ["4111", "4111", "4111", "4111"],
}


@pytest.mark.parametrize("card", CARD_LIKE.values(), ids=CARD_LIKE.keys())
def test_a_reload_shows_the_unsent_line_waiting_and_sends_it(new_context, base_url, http, card):
    page = open_chat(new_context(), base_url)
    answered(page)
    page.route(LINES, unreachable)
    ask(page, "Are you still there?")
    for line in card:  # may be card details: kept in the page only
        ask(page, line)
    expect(page.locator('#messages [data-status="failed"]')).to_have_count(1 + len(card))
    kept = page.evaluate(f"JSON.parse(localStorage.getItem({CHAT_KEY!r}))")
    assert [line["text"] for line in kept["waiting"]] == ["Are you still there?"]

    page.reload()
    waiting = page.locator("#messages [data-status]")
    expect(waiting).to_have_count(1)  # shown where it was, waiting
    expect(waiting.locator(".msg__text")).to_have_text("Are you still there?")
    expect(said(page)).to_have_text([ANSWERABLE, "Are you still there?"])
    page.unroute(LINES, unreachable)

    expect(waiting).to_have_count(0, timeout=BACK_MS)  # sent, with no click
    expect(said(page)).to_have_text([ANSWERABLE, "Are you still there?"])
    assert stored_lines(http, page) == [ANSWERABLE, "Are you still there?"]
    assert "waiting" not in page.evaluate(f"JSON.parse(localStorage.getItem({CHAT_KEY!r}))")


def test_a_line_kept_longer_ago_than_a_day_is_neither_shown_nor_sent_after_a_reload(new_context, base_url, http):
    page = open_chat(new_context(), base_url)
    answered(page)
    page.route(LINES, unreachable)
    ask(page, "Typed yesterday")
    ask(page, "Typed this morning")
    expect(page.locator('#messages [data-status="failed"]')).to_have_count(2)
    # As if the page had kept them 25 and 23 hours ago (a shared computer, a later visit).
    page.evaluate(f"""() => {{
        const kept = JSON.parse(localStorage.getItem({CHAT_KEY!r}));
        const hour = 60 * 60 * 1000;
        kept.waiting[0].savedAt = Date.now() - 25 * hour;
        kept.waiting[1].savedAt = Date.now() - 23 * hour;
        localStorage.setItem({CHAT_KEY!r}, JSON.stringify(kept));
    }}""")

    posted: list[str] = []
    page.on("request", lambda r: r.method == "POST" and r.url.endswith("/messages") and posted.append(r.post_data_json["text"]))
    page.reload()
    waiting = page.locator("#messages [data-status]")
    expect(waiting.locator(".msg__text")).to_have_text(["Typed this morning"])  # the stale one is gone
    kept = page.evaluate(f"JSON.parse(localStorage.getItem({CHAT_KEY!r}))")
    assert [line["text"] for line in kept["waiting"]] == ["Typed this morning"]
    page.unroute(LINES, unreachable)

    expect(waiting).to_have_count(0, timeout=BACK_MS)
    expect(said(page)).to_have_text([ANSWERABLE, "Typed this morning"])
    assert set(posted) == {"Typed this morning"}
    assert stored_lines(http, page) == [ANSWERABLE, "Typed this morning"]
    assert "waiting" not in page.evaluate(f"JSON.parse(localStorage.getItem({CHAT_KEY!r}))")


def test_a_line_stored_whose_answer_was_lost_is_neither_sent_nor_shown_again_after_a_reload(new_context, base_url, http):
    page = open_chat(new_context(), base_url)
    answered(page)

    def stored_but_unanswered(route) -> None:  # the server stores the line; its answer never arrives
        route.fetch()
        route.abort("connectionreset")

    page.route(LINES, stored_but_unanswered)
    ask(page, "Are you still there?")
    expect(page.locator('#messages [data-role="bot"]')).to_have_count(2)  # stored and answered, over the stream
    assert stored_lines(http, page) == [ANSWERABLE, "Are you still there?"]
    kept = page.evaluate(f"JSON.parse(localStorage.getItem({CHAT_KEY!r}))")  # the page never heard back: kept
    assert [line["text"] for line in kept["waiting"]] == ["Are you still there?"]

    posted: list[str] = []
    page.on("request", lambda r: r.method == "POST" and r.url.endswith("/messages") and posted.append(r.url))
    page.reload()
    expect(page.locator('#messages [data-role="bot"]')).to_have_count(2)
    expect(said(page)).to_have_text([ANSWERABLE, "Are you still there?"])
    expect(page.locator("#messages [data-status]")).to_have_count(0)
    page.wait_for_timeout(1500)  # a line sent again would have gone at once, as the page loaded
    assert posted == []
    assert "waiting" not in page.evaluate(f"JSON.parse(localStorage.getItem({CHAT_KEY!r}))")


@pytest.fixture
def site(tmp_path: Path, base_url: str):
    with host_site(tmp_path, {"index.html": host_html(base_url), "left.html": host_html(base_url, 'data-position="left"')}) as url:
        yield url


def test_the_widget_keeps_an_unsent_line_on_the_next_page_of_the_site_and_sends_it(new_context, site, base_url, http):
    page = new_context().new_page()
    page.goto(f"{site}/index.html")
    frame = open_widget(page)
    frame.locator("#chat-input").fill(ANSWERABLE)
    frame.locator("#chat-input").press("Enter")
    expect(frame.locator('#messages [data-role="bot"]')).to_have_count(1)
    page.route(LINES, unreachable)  # the chat's frame cannot reach its server
    frame.locator("#chat-input").fill("Are you still there?")
    frame.locator("#chat-input").press("Enter")
    expect(frame.locator('#messages [data-status="failed"]')).to_have_count(1)

    page.goto(f"{site}/left.html")  # another page of the site
    frame = chat_frame(page)
    waiting = frame.locator("#messages [data-status]")
    expect(waiting.locator(".msg__text")).to_have_text("Are you still there?")
    page.unroute(LINES, unreachable)

    expect(waiting).to_have_count(0, timeout=BACK_MS)
    expect(said(frame)).to_have_text([ANSWERABLE, "Are you still there?"])
    saved = page.evaluate("JSON.parse(localStorage.getItem('switchboard.widget.conversation'))")
    assert "waiting" not in saved
    conversation = http.get(f"/v1/conversations/{saved['id']}", headers={"Authorization": f"Bearer {saved['token']}"}).json()
    assert [m["text"] for m in conversation["messages"] if m["role"] == "customer"] == [ANSWERABLE, "Are you still there?"]
