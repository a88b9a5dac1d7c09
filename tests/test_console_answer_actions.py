"""The console offers on a bot reply only what the server would let this agent do, in real Chromium.

QA found "Send draft", "Edit draft" and "Correct" live on a closed conversation, each answered
"conversation is closed", and "Correct" offered on a chat another agent holds, answered "claim it
first" while Claim itself was disabled. The server's rules (api/conversations.py): correcting and
replying need a chat that is open and not held by another agent (an admin, or anyone once its
holder is gone, may take it over first, and then may); flagging a bad answer is for the editors
and allowed on any answer, closed chats too. Neither is offered on a handoff notice, which answers
nothing (the console offered both there, and the server took both, until QA found it).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .api_helpers import ANSWERABLE, OFF_TOPIC
from .browser import TIMEOUT_MS, agent_token, browser, new_context, open_console  # noqa: F401  (fixtures)
from .browser import conversation_item

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def console(new_context, base_url, settings):
    return open_console(new_context(), base_url, agent_token(settings, "alice"))


def answered_then_handed_off(http) -> str:
    """A customer's conversation with a bot answer, then a low-confidence handoff with a draft."""
    created = http.post("/v1/conversations").json()
    auth = {"Authorization": f"Bearer {created['token']}"}
    for text in (ANSWERABLE, OFF_TOPIC):
        assert http.post(f"/v1/conversations/{created['id']}/messages", json={"text": text}, headers=auth).is_success
    return created["id"]


def bot_lines(console):
    return console.locator('#conversation-messages [data-testid="message"][data-role="bot"]')


def answering(console):
    """The open conversation's buttons that answer the customer, and its Flag buttons."""
    pane = console.locator("#conversation-messages")
    return (pane.locator('[data-testid="correct-button"]'), pane.locator('[data-testid="send-draft"]'),
            pane.locator('[data-testid="edit-draft"]'), pane.locator('[data-testid="flag-button"]'))


def test_a_closed_conversation_offers_no_correct_or_draft_buttons_but_flag(console, http):
    chat = answered_then_handed_off(http)
    conversation_item(console, "queue", chat).click()
    correct, send_draft, edit_draft, flag = answering(console)
    expect(correct).to_have_count(1)  # the answer's: the handoff notice after it is no answer
    expect(correct.first).to_be_visible()
    expect(send_draft).to_be_visible()
    expect(edit_draft).to_be_visible()

    console.locator("#close-button").click()
    expect(console.locator("#conversation-state")).to_have_text("closed")
    for button in (correct, send_draft, edit_draft):
        expect(button).to_be_hidden()
    expect(flag.first).to_be_visible()  # the server takes a flag on a closed chat: editors want it
    console.reload()  # opened again from its tab: the same
    expect(console.locator("#conversation-state")).to_have_text("closed")
    expect(flag.first).to_be_visible()
    for button in (correct, send_draft, edit_draft):
        expect(button).to_be_hidden()

    flag.first.click()  # and a flag does go through
    console.locator('[data-testid="flag-submit"]').click()
    expect(console.locator('[data-testid="flagged"]')).to_have_count(1)
    expect(console.locator("#action-error")).to_be_hidden()


def test_a_handoff_notice_offers_no_correct_or_flag_open_or_closed_but_the_answer_before_it_does(console, http):
    """The server refuses to correct or flag a handoff notice (409): the console offers neither.
    Its held-back draft is still there to send or edit."""
    chat = answered_then_handed_off(http)
    conversation_item(console, "queue", chat).click()
    answer, notice = bot_lines(console).first, bot_lines(console).last
    expect(bot_lines(console)).to_have_count(2)
    expect(notice.locator('[data-testid="handoff-tag"]')).to_be_visible()
    for button in ("correct-button", "flag-button"):
        expect(answer.locator(f'[data-testid="{button}"]')).to_be_visible()
        expect(notice.locator(f'[data-testid="{button}"]')).to_have_count(0)
    expect(notice.locator('[data-testid="send-draft"]')).to_be_visible()

    console.locator("#claim-button").click()  # held by this agent: the answer can be corrected, the notice not
    expect(console.locator("#conversation-state")).to_have_text("agent")
    expect(answer.locator('[data-testid="correct-button"]')).to_be_visible()
    expect(notice.locator('[data-testid="correct-button"]')).to_have_count(0)

    console.locator("#close-button").click()
    expect(console.locator("#conversation-state")).to_have_text("closed")
    expect(answer.locator('[data-testid="flag-button"]')).to_be_visible()  # the server takes it on a closed chat
    expect(notice.locator('[data-testid="flag-button"]')).to_have_count(0)
    console.reload()  # opened again from its tab: the same
    expect(console.locator("#conversation-state")).to_have_text("closed")
    expect(answer.locator('[data-testid="flag-button"]')).to_be_visible()
    expect(notice.locator('[data-testid="handoff-tag"]')).to_be_visible()
    expect(notice.locator('[data-testid="correct-button"]')).to_have_count(0)
    expect(notice.locator('[data-testid="flag-button"]')).to_have_count(0)


def test_a_chat_another_agent_holds_offers_no_correct_until_it_is_free_again(console, http, settings):
    chat = answered_then_handed_off(http)
    bob = {"Authorization": f"Bearer {agent_token(settings, 'bob')}"}
    assert http.post(f"/v1/agent/conversations/{chat}/claim", headers=bob).is_success
    conversation_item(console, "live", chat).click()
    expect(console.locator("#conversation-agent")).to_contain_text("Handled by bob")
    expect(console.locator("#claim-button")).to_be_disabled()
    correct, send_draft, edit_draft, flag = answering(console)
    expect(flag).to_have_count(1)  # the answer's: the handoff notice after it is no answer
    for button in (correct, send_draft, edit_draft):
        expect(button).to_be_hidden()
    expect(flag.first).to_be_visible()

    assert http.post(f"/v1/agent/conversations/{chat}/release", headers=bob).is_success  # back to the bot: anyone may
    expect(console.locator("#conversation-state")).to_have_text("bot")
    expect(correct.first).to_be_visible()
    expect(send_draft).to_be_visible()
    correct.first.click()
    console.locator('[data-testid="correct-input"]').fill("Go to Settings → Security → Reset password.")
    console.locator('[data-testid="correct-submit"]').click()
    expect(console.locator('[data-testid="correction-label"]')).to_have_text("Corrected by alice")


def test_an_admin_who_takes_over_a_held_chat_may_then_correct_it(new_context, base_url, settings, http):
    chat = answered_then_handed_off(http)
    bob = {"Authorization": f"Bearer {agent_token(settings, 'bob')}"}
    assert http.post(f"/v1/agent/conversations/{chat}/claim", headers=bob).is_success
    admin = open_console(new_context(), base_url, agent_token(settings, "root", "admin"))
    conversation_item(admin, "live", chat).click()
    correct, send_draft, _, _ = answering(admin)
    expect(admin.locator("#take-over-button")).to_be_visible()
    expect(correct.first).to_be_hidden()

    admin.locator("#take-over-button").click()
    expect(admin.locator("#conversation-agent")).to_have_text("Handled by you")
    expect(correct.first).to_be_visible()
    expect(send_draft).to_be_visible()
