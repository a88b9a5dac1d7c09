"""The whole story in one run, in real Chromium: a customer on a company's website, through the
widget, and an agent in the console, each in a browser context of their own.

The customer gets an answer with its sources, then asks what the knowledge base cannot answer;
the conversation reaches the agent's queue with its handoff packet (why, the question, the bot's
unsent draft); the agent claims it, sends the draft with one click, corrects the bot's earlier
answer, takes a card through the secure form without ever seeing its number, returns the chat to
the bot, and closes it; the customer rates it, and the rating reaches the metrics.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from .api_helpers import ANSWERABLE, OFF_TOPIC
from .browser import TIMEOUT_MS, browser, host_site, new_context, open_console  # noqa: F401  (fixtures)
from .browser import agent_token, conversation_item, screenshot

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)

CARD = "4111111111111111"
CORRECTION = "Open Settings, then Security, then Reset password; the link in the email lasts one hour."


@pytest.fixture
def site(tmp_path: Path, base_url: str):
    page = f"""<!doctype html><html><head><title>Tally</title></head><body><h1>Tally</h1>
<script async src="{base_url}/widget.js" data-title="Tally help"></script></body></html>"""
    with host_site(tmp_path, {"index.html": page}) as url:
        yield url


def lines(frame_or_page, role: str, scope: str = "#messages"):
    return frame_or_page.locator(f'{scope} [data-testid="message"][data-role="{role}"]')


def say(frame, text: str) -> None:
    frame.locator("#chat-input").fill(text)
    frame.locator("#chat-input").press("Enter")


def test_a_customer_and_an_agent_go_through_the_whole_story(new_context, site, base_url, settings, http):
    console = open_console(new_context(), base_url, agent_token(settings, "alice"))
    page = new_context().new_page()
    page.goto(f"{site}/index.html")
    page.locator("#switchboard-widget .launcher").click()
    chat = page.frame_locator('iframe[title="Tally help"]')
    expect(chat.locator("#chat-title")).to_have_text("Tally help")  # its script has run: ready to type

    # 1. A question the knowledge base answers: a reply with its sources as links, no person needed.
    say(chat, ANSWERABLE)
    answer = lines(chat, "bot").first
    expect(answer.locator('[data-testid="sources"] a').first).to_be_visible()
    expect(chat.locator("#chat-status")).to_have_text("Assistant")

    # 2. One it cannot answer: handed to a person, and the customer is told.
    say(chat, OFF_TOPIC)
    expect(chat.locator("#chat-status")).to_have_text("Waiting for a person…")

    # 3. The queue shows it at once, with its packet: why, the question, the bot's unsent draft.
    item = console.locator('#queue [data-testid="conversation-item"]')
    expect(item).to_have_count(1)
    expect(item.locator('[data-testid="handoff-reason"]')).to_have_attribute("data-reason", "low_confidence")
    conversation_id = item.get_attribute("data-conversation-id")
    item.click()
    expect(console.locator("#conversation-reason")).to_contain_text("low confidence")
    expect(lines(console, "customer", "#conversation-messages").locator(".msg__text")).to_have_text([ANSWERABLE, OFF_TOPIC])
    draft = console.locator('[data-testid="draft"] p').first
    expect(draft).to_contain_text("Unsent draft:")
    draft_text = draft.inner_text().removeprefix("Unsent draft:").strip()
    expect(console.locator('[data-testid="signals"]').first).to_be_attached()  # why the bot doubted

    # 4. Claim: the customer sees who joined.
    console.locator("#claim-button").click()
    expect(console.locator("#conversation-state")).to_have_text("agent")
    expect(chat.locator("#chat-status")).to_have_text("alice joined")

    # 5. One click sends the bot's draft as the agent's reply.
    console.locator('[data-testid="send-draft"]').click()
    expect(lines(chat, "agent").locator(".msg__text")).to_have_text([draft_text])

    # 6. The agent corrects the bot's first answer; the customer sees it below that answer.
    console.locator('[data-testid="correct-button"]').first.click()
    console.locator('[data-testid="correct-input"]').fill(CORRECTION)
    console.locator('[data-testid="correct-submit"]').click()
    correction = chat.locator('#messages [data-testid="message"].msg--correction')
    expect(correction.locator(".msg__text")).to_have_text(CORRECTION)
    expect(lines(chat, "bot").first).to_have_attribute("data-corrected", "true")

    # 7. A payment: the card goes through the secure form; the agent sees only its summary.
    console.locator("#payment-button").click()
    form = chat.locator('[data-testid="payment-form"]')
    expect(form).to_be_visible()
    form.get_by_label("Card number").press_sequentially(CARD)
    form.get_by_label("Expiry (MM/YY)").press_sequentially("1229")
    form.get_by_label("CVC").fill("737")
    form.locator('[data-testid="payment-submit"]').click()
    expect(form).to_be_hidden()
    summary = lines(console, "customer", "#conversation-messages").last.locator(".msg__text")
    expect(summary).to_contain_text("card ending 1111, exp 12/29, reference card_")
    screenshot(console, "story-console")
    assert CARD not in console.content() and "4111 1111 1111 1111" not in console.content()

    # 8. Back to the bot, which answers again, with sources.
    console.locator("#release-button").click()
    expect(chat.locator("#chat-status")).to_have_text("Assistant")
    say(chat, ANSWERABLE)
    expect(lines(chat, "bot").last.locator('[data-testid="sources"] a').first).to_be_visible()

    # 9. Closed, and rated.
    console.locator("#close-button").click()
    expect(chat.locator("#chat-status")).to_have_text("Conversation closed")
    rating = chat.locator('[data-testid="rating-form"]')
    rating.locator('label[for="score-5"]').click()
    rating.get_by_label("Comment (optional)").fill("Sorted in minutes")
    rating.locator('[data-testid="rating-submit"]').click()
    expect(rating.locator('[data-testid="rating-thanks"]')).to_be_visible()
    screenshot(page, "story-widget")

    admin = {"Authorization": f"Bearer {agent_token(settings, 'root', 'admin')}"}
    metrics = http.get("/v1/admin/metrics", headers=admin).json()
    assert metrics["satisfaction"]["csat"] == 1.0 and metrics["handoffs_by_reason"] == {"low_confidence": 1}
    expect(conversation_item(console, "live", conversation_id)).to_have_count(0)  # closed: off the live list
