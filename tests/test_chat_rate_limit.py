"""A customer typing faster than the per-conversation limit loses nothing, in real Chromium: a line
the server refuses with 429 waits as long as Retry-After says, saying so, and is then sent in its
place. It used to be retried three times within 3.5 s, then shown as 'could not reach the server'."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from api import services
from api.ratelimit import FailureLimiter, Taken, make_limiter

from .browser import TIMEOUT_MS, ask, browser, new_context, open_chat  # noqa: F401  (fixtures)
from .browser import customer_auth, saved_conversation
from .conftest import make_settings

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)

WINDOW_SECONDS = 4  # the limit's window: a minute in the product, shortened here so the test waits seconds


class AlwaysFull:
    """A limit the conversation is always over: each line must wait a second, again and again."""

    async def retry_after(self, client: str) -> int | None:
        return 1

    async def record_failure(self, client: str) -> None:
        pass

    async def take(self, client: str) -> Taken:
        return Taken(wait=1)

    async def give_back(self, client: str, taken: Taken) -> None:
        pass


@pytest.fixture
def settings(data_dir, monkeypatch, request):
    always_full = request.node.get_closest_marker("always_full") is not None

    def short_window(redis_url, per_minute, name):
        if name == "customer-lines":
            return AlwaysFull() if always_full else FailureLimiter(limit=per_minute, window_seconds=WINDOW_SECONDS)
        return make_limiter(redis_url, per_minute, name)

    monkeypatch.setattr(services, "make_limiter", short_window)
    return make_settings(data_dir, lines_per_minute=2)


def test_lines_past_the_limit_wait_for_retry_after_and_are_then_sent_in_order(new_context, base_url, http):
    page = open_chat(new_context(), base_url)
    lines = ["Hello there", "I have a question about invoices", "Where do I download them?"]
    for text in lines:
        ask(page, text)

    waiting = page.locator('#messages [data-role="customer"]').last
    expect(waiting.locator('[data-testid="delivery"]')).to_contain_text("Too many messages at once: sending in")
    expect(waiting).to_have_attribute("data-status", "pending")

    expect(page.locator('#messages [data-role="customer"][data-status]')).to_have_count(0, timeout=3 * WINDOW_SECONDS * 1000)
    expect(page.locator("#messages [data-status=failed]")).to_have_count(0)
    stored = http.get(f"/v1/conversations/{saved_conversation(page)['id']}", headers=customer_auth(page)).json()
    assert [m["text"] for m in stored["messages"] if m["role"] == "customer"] == lines


@pytest.mark.always_full
def test_a_line_still_refused_after_three_waits_says_why_and_offers_retry(new_context, base_url):
    page = open_chat(new_context(), base_url)
    ask(page, "Hello there")

    failed = page.locator('#messages [data-status="failed"]')
    expect(failed.locator('[data-testid="delivery"]')).to_have_text(
        "Not sent: too many messages in this conversation; try again in 1 s. Retry", timeout=15_000
    )
    expect(failed.locator('[data-testid="retry"]')).to_be_visible()
