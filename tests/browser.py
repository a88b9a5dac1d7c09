"""Helpers for the browser tests: Debian's Chromium driven by Playwright, and the two pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from knowledge import Settings

from .api_helpers import create_agent
from .conftest import requires_service

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000
CHAT_KEY = "switchboard.chat"  # where chat.js keeps the id of the customer's conversation
ARTIFACTS = Path(__file__).with_name("artifacts")  # screenshots of the pages under test (git-ignored)


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page as the test left it, for people reviewing the UI."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def agent_token(settings: Settings, name: str, role: str | None = None) -> str:
    """A new agent's token. `create_agent` runs its own event loop, and the sync Playwright API
    keeps one running on this thread, so it is called from a worker thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        header = pool.submit(create_agent, settings, name, role).result()
    return header["Authorization"].removeprefix("Bearer ")


def revoke_agent(settings: Settings, name: str) -> None:
    """Revoke an agent server-side, as `switchboard agent revoke NAME` does (from a worker thread,
    for the same reason as `agent_token`)."""
    import asyncio

    from api.agents import by_name, revoke
    from api.db import open_database

    async def run() -> None:
        engine = await open_database(settings.resolved_database_url)
        try:
            await revoke(engine, (await by_name(engine, name)).id)
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()


def open_chat(context: BrowserContext, base_url: str) -> Page:
    page = context.new_page()
    page.goto(f"{base_url}/")
    expect(page.locator("#chat-status")).to_have_text("Assistant")
    return page


def ask(page: Page, text: str) -> None:
    """Type a message in the customer chat and press Enter."""
    page.locator("#chat-input").fill(text)
    page.locator("#chat-input").press("Enter")


def saved_conversation(page: Page) -> dict | None:
    """The customer's conversation as the chat page stored it: {id}, or None."""
    return page.evaluate(f"JSON.parse(localStorage.getItem({CHAT_KEY!r}) || 'null')")


def conversation_token(page: Page) -> str:
    """The token of the page's conversation, from its HttpOnly cookie (which no script can read)."""
    path = f"/v1/conversations/{saved_conversation(page)['id']}"
    (token,) = [c["value"] for c in page.context.cookies() if c["name"] == "sb_conversation" and c["path"] == path]
    return token


def customer_auth(page: Page) -> dict[str, str]:
    return {"Authorization": f"Bearer {conversation_token(page)}"}


def open_console(context: BrowserContext, base_url: str, token: str) -> Page:
    """The agent console, signed in through its form with `token`, its event stream live."""
    page = context.new_page()
    page.goto(f"{base_url}/agent")
    page.locator("#agent-token").fill(token)
    page.locator("#agent-login").click()
    expect(page.locator("#console")).to_be_visible()
    expect(page.locator("#sse-status")).to_have_text("live")
    return page


def conversation_item(page: Page, list_id: str, conversation_id: str):
    """The entry of one conversation in the agent console's `#queue` or `#live` list."""
    return page.locator(f'#{list_id} [data-testid="conversation-item"][data-conversation-id="{conversation_id}"]')


# ----- fixtures (import them into a test module to use them) ---------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        requires_service("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser: Browser, base_url: str) -> Iterator[Callable[[], BrowserContext]]:
    """Opens browser contexts (one per person); closed before the server stops. Any uncaught
    JavaScript error in any page, or anything our Content-Security-Policy blocks, fails the test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def watch(page: Page) -> None:
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        # our pages' Content-Security-Policy must never have to block anything they do
        page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(f"{page.url}: {m.text}"))

    def make() -> BrowserContext:
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", lambda page: watch(page))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not errors, errors


@contextmanager
def host_site(root: Path, pages: dict[str, str]) -> Iterator[str]:
    """Another site serving `pages` (name -> HTML), as a customer's website would."""
    from evals.widget_bench import serve_site

    for name, html in pages.items():
        (root / name).write_text(html, encoding="utf-8")
    server, url = serve_site(root)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def card_form_open(customer: Page, console: Page) -> Locator:
    """The console claims the customer's waiting chat and asks for a card: the customer's form, open."""
    from .api_helpers import OFF_TOPIC

    ask(customer, OFF_TOPIC)
    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")
    conversation_item(console, "queue", saved_conversation(customer)["id"]).click()
    console.locator("#claim-button").click()
    expect(console.locator("#conversation-state")).to_have_text("agent")
    console.locator("#payment-button").click()
    form = customer.locator('[data-testid="payment-form"]')
    expect(form).to_be_visible()
    return form
