"""Knowledge capture in the console, in real Chromium: an agent corrects a bot reply, then proposes
the correction as a knowledge-base article; the editors (admins) find the draft."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .api_helpers import ANSWERABLE
from .browser import (  # noqa: F401  (browser and new_context are fixtures)
    TIMEOUT_MS,
    agent_token,
    ask,
    browser,
    conversation_item,
    new_context,
    open_chat,
    open_console,
    saved_conversation,
    screenshot,
)

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)

CORRECTION = "Go to Settings → Security and click Reset password."


def test_an_agent_proposes_a_correction_as_an_article_and_the_editors_find_the_draft(new_context, base_url, settings, http):
    customer = open_chat(new_context(), base_url)
    console = open_console(new_context(), base_url, agent_token(settings, "alice"))
    root = {"Authorization": f"Bearer {agent_token(settings, 'root', 'admin')}"}
    ask(customer, ANSWERABLE)
    expect(customer.locator('#messages [data-testid="message"][data-role="bot"]')).to_have_count(1)
    conversation_id = saved_conversation(customer)["id"]
    conversation_item(console, "live", conversation_id).click()

    console.locator('[data-testid="correct-button"]').click()
    console.locator('[data-testid="correct-input"]').fill(CORRECTION)
    console.locator('[data-testid="correct-submit"]').click()
    correction = console.locator('#conversation-messages [data-testid="message"].msg--correction')
    expect(correction.locator(".msg__text")).to_have_text(CORRECTION)
    expect(console.locator('[data-testid="propose-article"]')).to_have_count(1)  # on the correction only

    correction.locator('[data-testid="propose-article"]').click()
    expect(correction.locator('[data-testid="kb-draft-body"]')).to_have_value(CORRECTION)
    correction.locator('[data-testid="kb-draft-title"]').fill("Reset your password")
    screenshot(console, "console-propose-article")
    correction.locator('[data-testid="kb-draft-submit"]').click()
    expect(correction.locator('[data-testid="kb-draft-proposed"]')).to_have_text("proposed as article")
    expect(correction.locator('[data-testid="kb-draft-form"]')).to_have_count(0)

    (draft,) = http.get("/v1/admin/kb-drafts", headers=root).json()["kb_drafts"]
    assert (draft["conversation_id"], draft["title"], draft["body"]) == (conversation_id, "Reset your password", CORRECTION)
    assert (draft["question"], draft["proposed_by"], draft["status"]) == (ANSWERABLE, "alice", "proposed")

    console.reload()  # the console remembers: no second proposal
    conversation_item(console, "live", conversation_id).click()
    expect(console.locator('[data-testid="kb-draft-proposed"]')).to_have_count(1)
    expect(console.locator('[data-testid="propose-article"]')).to_have_count(0)
