"""The console gets an agent's attention, in real Chromium: a chime on a new handoff and on a
customer's line in a chat that is not on screen, which the agent can mute, and which stays muted."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .api_helpers import OFF_TOPIC
from .browser import TIMEOUT_MS, agent_token, browser, new_context, open_console  # noqa: F401  (fixtures)
from .browser import conversation_item

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)

# Every note the page plays, by its frequency: Web Audio itself, observed, not a hook of ours.
RECORD_NOTES = """
window.__notes = [];
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) { window.__notes.push(this.frequency.value); return start.apply(this, args); };
"""

HANDOFF = [660, 880]  # rising: someone is waiting
MESSAGE = [880, 660]  # falling: a new line


def notes(page) -> list[float]:
    return page.evaluate("window.__notes")


def customer_hands_off(http, text: str = OFF_TOPIC) -> tuple[str, dict]:
    created = http.post("/v1/conversations").json()
    auth = {"Authorization": f"Bearer {created['token']}"}
    http.post(f"/v1/conversations/{created['id']}/messages", json={"text": text}, headers=auth)
    return created["id"], auth


@pytest.fixture
def console(new_context, base_url, settings):
    context = new_context()
    context.add_init_script(RECORD_NOTES)
    return open_console(context, base_url, agent_token(settings, "alice"))


def test_a_handoff_and_a_line_in_a_chat_off_screen_chime_and_the_agent_can_mute_it(console, http):
    sound = console.locator('[data-testid="sound-button"]')
    expect(sound).to_have_attribute("aria-pressed", "true")  # on unless muted

    first, first_auth = customer_hands_off(http)
    expect(console.locator("#queue-count")).to_have_text("1")
    console.wait_for_function("window.__notes.length >= 2")
    assert notes(console) == HANDOFF

    # Two chats claimed; the first is not on screen when its customer writes again.
    second, _ = customer_hands_off(http, f"Another one: {OFF_TOPIC}")
    expect(console.locator("#queue-count")).to_have_text("2")
    for conversation_id in (first, second):
        console.locator(f'#queue [data-conversation-id="{conversation_id}"]').click()
        console.locator("#claim-button").click()
        expect(console.locator("#conversation-state")).to_have_text("agent")
    heard = len(notes(console))
    console.wait_for_timeout(2100)  # at most one chime every two seconds
    http.post(f"/v1/conversations/{first}/messages", json={"text": "Hello?"}, headers=first_auth)
    tab = console.locator(f'[data-testid="chat-tab"][data-conversation-id="{first}"] [data-testid="tab-unread"]')
    expect(tab).to_have_text("1")
    console.wait_for_function(f"window.__notes.length >= {heard + 2}")
    assert notes(console)[heard:] == MESSAGE

    # Muted: the next handoff is silent, and it stays muted after a reload.
    sound.click()
    expect(sound).to_have_attribute("aria-pressed", "false")
    expect(sound).to_have_text("Sound off")
    heard = len(notes(console))
    customer_hands_off(http, f"A third: {OFF_TOPIC}")
    expect(console.locator("#queue-count")).to_have_text("1")
    assert len(notes(console)) == heard
    console.reload()
    expect(console.locator('[data-testid="sound-button"]')).to_have_text("Sound off")


def test_a_chat_another_agent_claims_no_longer_counts_chimes_or_waits_for_this_agent(new_context, base_url, settings, http):
    """QA: bob had a queued chat open as a tab; alice claimed it; each line of its customer then gave
    bob an unread badge, a count in the window title, a chime and a wait timer for alice's chat."""
    context = new_context()
    context.add_init_script(RECORD_NOTES)
    bob = open_console(context, base_url, agent_token(settings, "bob"))
    first, first_auth = customer_hands_off(http)
    second, _ = customer_hands_off(http, f"Another one: {OFF_TOPIC}")
    expect(bob.locator("#queue-count")).to_have_text("2")
    for conversation_id in (first, second):  # two tabs; the second is on screen
        conversation_item(bob, "queue", conversation_id).click()
        expect(bob.locator("#conversation-state")).to_have_text("queued")
    tab = bob.locator(f'[data-testid="chat-tab"][data-conversation-id="{first}"]')
    expect(tab.locator('[data-testid="tab-wait"]')).to_be_visible()

    # Nobody holds it yet: its customer's line is everyone's to notice.
    bob.wait_for_timeout(2100)  # at most one chime every two seconds
    heard = len(notes(bob))
    http.post(f"/v1/conversations/{first}/messages", json={"text": "Hello?"}, headers=first_auth)
    expect(tab.locator('[data-testid="tab-unread"]')).to_have_text("1")
    expect(bob).to_have_title("(1) 2 waiting · Switchboard — Agent console")
    bob.wait_for_function(f"window.__notes.length >= {heard + 2}")

    alice = {"Authorization": f"Bearer {agent_token(settings, 'alice')}"}
    assert http.post(f"/v1/agent/conversations/{first}/claim", headers=alice).status_code == 200
    expect(tab.locator('[data-testid="tab-wait"]')).to_have_count(0)
    expect(tab.locator('[data-testid="tab-unread"]')).to_have_count(0)
    expect(bob).to_have_title("1 waiting · Switchboard — Agent console")

    bob.wait_for_timeout(2100)
    heard = len(notes(bob))
    http.post(f"/v1/conversations/{first}/messages", json={"text": "Anyone there?"}, headers=first_auth)
    expect(conversation_item(bob, "live", first).locator('[data-testid="last-message"]')).to_contain_text("Anyone there?")
    expect(tab.locator('[data-testid="tab-unread"]')).to_have_count(0)
    expect(tab.locator('[data-testid="tab-wait"]')).to_have_count(0)
    expect(bob).to_have_title("1 waiting · Switchboard — Agent console")
    assert len(notes(bob)) == heard

    # Opened again after a reload, it is still alice's: no wait, no count.
    bob.reload()
    expect(bob.locator("#sse-status")).to_have_text("live")
    http.post(f"/v1/conversations/{first}/messages", json={"text": "Hello again"}, headers=first_auth)
    expect(conversation_item(bob, "live", first).locator('[data-testid="last-message"]')).to_contain_text("Hello again")
    expect(tab.locator('[data-testid="tab-unread"]')).to_have_count(0)
    tab.click()
    expect(bob.locator("#conversation-agent")).to_contain_text("Handled by alice")
    bob.locator(f'[data-testid="chat-tab"][data-conversation-id="{second}"]').click()
    expect(bob.locator("#conversation-state")).to_have_text("queued")
    expect(tab.locator('[data-testid="tab-wait"]')).to_have_count(0)
    expect(tab.locator('[data-testid="tab-unread"]')).to_have_count(0)
    expect(bob).to_have_title("1 waiting · Switchboard — Agent console")
