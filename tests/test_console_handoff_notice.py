"""The bot's handoff notice carries no confidence badge in the console, in real Chromium.

QA found "I'm connecting you with a member of our team…" marked with a green "100%": the API
stores a fixed confidence of 1.0 on the notice a customer's request (or an escalation rule) makes,
and the console showed it as if the bot were sure of an answer. Such a notice is labelled
"handed off" and has no badge; a real answer keeps its badge, and a handoff for doubt keeps the
score the held-back answer got, with the signals that pulled it down.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .api_helpers import ANSWERABLE, OFF_TOPIC
from .browser import TIMEOUT_MS, agent_token, browser, new_context, open_console  # noqa: F401  (fixtures)
from .browser import conversation_item, screenshot

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)


def customer(http, *lines: str) -> tuple[str, dict[str, str]]:
    created = http.post("/v1/conversations").json()
    auth = {"Authorization": f"Bearer {created['token']}"}
    for text in lines:
        assert http.post(f"/v1/conversations/{created['id']}/messages", json={"text": text}, headers=auth).is_success
    return created["id"], auth


def bot_lines(console):
    return console.locator('#conversation-messages [data-testid="message"][data-role="bot"]')


def test_a_handoff_the_customer_asked_for_shows_no_confidence_badge(new_context, base_url, settings, http):
    chat, auth = customer(http, ANSWERABLE)
    assert http.post(f"/v1/conversations/{chat}/handoff", headers=auth).is_success  # "Talk to a person"
    stored = http.get(f"/v1/conversations/{chat}", headers=auth).json()["messages"]
    assert stored[-1]["handoff"] and stored[-1]["confidence"] == 1.0  # what the API says, unchanged

    console = open_console(new_context(), base_url, agent_token(settings, "alice"))
    conversation_item(console, "queue", chat).click()
    answer, notice = bot_lines(console).nth(0), bot_lines(console).nth(1)
    expect(notice.locator(".msg__text")).to_contain_text("connecting you with a member of our team")
    expect(notice.locator('[data-testid="confidence"]')).to_have_count(0)
    expect(notice.locator('[data-testid="handoff-tag"]')).to_have_text("handed off")
    expect(notice).not_to_contain_text("100%")
    expect(answer.locator('[data-testid="confidence"]')).to_be_visible()  # the answer before it keeps its own
    expect(answer.locator('[data-testid="handoff-tag"]')).to_have_count(0)
    screenshot(console, "console-handoff-notice")


def test_a_handoff_an_escalation_rule_made_shows_why_but_no_badge(new_context, base_url, settings, http):
    chat, _ = customer(http, "Please refund invoice 1042, I was on holiday and didn't use it")
    console = open_console(new_context(), base_url, agent_token(settings, "alice"))
    conversation_item(console, "queue", chat).click()
    notice = bot_lines(console).last
    expect(notice.locator('[data-testid="handoff-tag"]')).to_be_visible()
    expect(notice.locator('[data-testid="confidence"]')).to_have_count(0)
    expect(notice.locator('[data-testid="signals"] summary')).to_have_text("Why it was handed off")
    expect(notice.locator('[data-testid="handoff-detail"]')).to_be_attached()


def test_a_handoff_for_doubt_keeps_the_score_and_the_signals_of_the_answer_held_back(new_context, base_url, settings, http):
    chat, _ = customer(http, OFF_TOPIC)
    console = open_console(new_context(), base_url, agent_token(settings, "alice"))
    conversation_item(console, "queue", chat).click()
    notice = bot_lines(console).last
    expect(notice.locator('[data-testid="handoff-tag"]')).to_be_visible()
    badge = notice.locator('[data-testid="confidence"]')
    expect(badge).to_be_visible()
    expect(badge).to_have_attribute("title", "Assistant confidence in the answer it held back")
    expect(notice.locator('[data-testid="signals"]')).to_be_attached()
