"""The two web pages in a real browser: a customer in the chat page, an agent in the console.

Playwright drives Debian's Chromium (/usr/bin/chromium; never a downloaded build) against a real
uvicorn server with a fresh data directory per test. Every check waits on the page (Playwright's
auto-waiting `expect`), never on a sleep.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from knowledge import Settings

from .api_helpers import ANSWERABLE, OFF_TOPIC
from .browser import (  # browser and new_context are fixtures
    TIMEOUT_MS,
    agent_token,
    browser,  # noqa: F401
    card_form_open,
    new_context,  # noqa: F401
    ask,
    conversation_item,
    conversation_token,
    customer_auth,
    open_chat,
    open_console,
    revoke_agent,
    saved_conversation,
    screenshot,
)

pytestmark = pytest.mark.slow
expect.set_options(timeout=TIMEOUT_MS)


# ----- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def customer(new_context, base_url: str):
    return open_chat(new_context(), base_url)


@pytest.fixture
def alice(settings: Settings, base_url: str) -> str:
    return agent_token(settings, "alice")


@pytest.fixture
def console(new_context, base_url: str, alice: str):
    return open_console(new_context(), base_url, alice)


def messages(page, role: str | None = None):
    scope = "#messages" if page.locator("#messages").count() else "#conversation-messages"
    selector = f'{scope} [data-testid="message"]' + (f'[data-role="{role}"]' if role else "")
    return page.locator(selector)


# ----- the customer alone --------------------------------------------------------------------


def test_no_empty_conversation_is_created_by_just_opening_the_chat_page(new_context, base_url, http, alice):
    context = new_context()
    api_calls: list[str] = []
    context.on("request", lambda r: api_calls.append(r.url) if "/v1/" in r.url else None)
    page = open_chat(context, base_url)
    page.wait_for_load_state("networkidle")
    page.locator("#chat-input").press("Enter")  # an empty message creates nothing either
    expect(page.locator("#chat-error")).to_be_visible()

    assert api_calls == []  # no conversation created, no event stream opened
    assert saved_conversation(page) is None
    agent = {"Authorization": f"Bearer {alice}"}
    assert http.get("/v1/agent/conversations", headers=agent).json()["conversations"] == []

    ask(page, ANSWERABLE)  # the first message creates the conversation
    expect(messages(page, "bot")).to_have_count(1)
    listed = http.get("/v1/agent/conversations", headers=agent).json()["conversations"]
    assert [c["id"] for c in listed] == [saved_conversation(page)["id"]]


def test_customer_gets_a_cited_answer_in_the_chat_page(customer, http):
    ask(customer, ANSWERABLE)

    expect(messages(customer, "customer").locator(".msg__text")).to_have_text([ANSWERABLE])
    bot = messages(customer, "bot")
    expect(bot).to_have_count(1)
    expect(bot.locator('[data-testid="message-author"]')).to_have_text("Assistant")
    source = bot.locator('[data-testid="sources"] a').first
    expect(source).to_be_visible()

    saved = saved_conversation(customer)
    stored = http.get(f"/v1/conversations/{saved['id']}", headers=customer_auth(customer)).json()
    reply = stored["messages"][-1]
    assert reply["role"] == "bot" and not reply["handoff"] and reply["sources"]
    # Shown word for word, its Markdown rendered (lists, bold, code) rather than printed.
    def words(text: str) -> str:
        text = re.sub(r"(?m)^\s*(\d+[.)]|[-*•]|#+)\s+", "", text).replace("**", "").replace("`", "")
        return " ".join(text.split())

    assert words(bot.locator(".msg__text").inner_text()) == words(reply["text"])
    expect(source).to_have_text(reply["sources"][0]["title"])
    expect(source).to_have_attribute("href", reply["sources"][0]["url"])
    # The confidence is for agents only: not as a badge, not as a number anywhere in the bubble.
    expect(customer.locator('[data-testid="confidence"]')).to_have_count(0)
    shown = bot.inner_text()
    assert "confidence" not in shown.lower()
    assert f"{round(reply['confidence'] * 100)}%" not in shown and f"{reply['confidence']:.2f}" not in shown
    expect(customer.locator("#chat-status")).to_have_text("Assistant")


def test_every_line_names_its_speaker_for_screen_readers(customer):
    """QA: the bot's and agents' lines were labelled, the customer's own had no label at all, so a
    screen reader read them as nobody's. They are "You" now, for screen readers (the bubble's side
    says it to the eye)."""
    ask(customer, ANSWERABLE)
    expect(messages(customer, "bot")).to_have_count(1)
    mine = messages(customer, "customer")
    expect(mine.locator('[data-testid="message-author"]')).to_have_text("You")
    assert re.search(r"\bYou\b", mine.aria_snapshot())
    assert "Assistant" in messages(customer, "bot").aria_snapshot()


def test_reload_resumes_the_conversation(customer):
    ask(customer, ANSWERABLE)
    expect(messages(customer)).to_have_count(2)
    before = saved_conversation(customer)

    customer.reload()
    expect(messages(customer)).to_have_count(2)
    assert saved_conversation(customer) == before
    # The chat goes on in the same conversation; the replayed event stream adds no duplicates.
    ask(customer, "How do I turn on two-factor authentication?")
    expect(messages(customer, "bot")).to_have_count(2)
    expect(messages(customer)).to_have_count(4)
    ids = customer.locator('#messages [data-testid="message"]').evaluate_all("els => els.map(e => e.dataset.messageId)")
    assert len(set(ids)) == 4 and ids == sorted(ids, key=int)
    assert saved_conversation(customer) == before


@pytest.fixture
def slow_bot(monkeypatch):
    """The bot takes 1.5 s per reply, as an LLM would: long enough to type on meanwhile."""
    from api.services import Services

    answer = Services.answer

    async def slowly(self, *args, **kwargs):
        await asyncio.sleep(1.5)
        return await answer(self, *args, **kwargs)

    monkeypatch.setattr(Services, "answer", slowly)


def stored_lines(http, page) -> list[str]:
    saved = saved_conversation(page)
    stored = http.get(f"/v1/conversations/{saved['id']}", headers=customer_auth(page)).json()["messages"]
    return [m["text"] for m in stored if m["role"] == "customer"]


def test_a_line_typed_while_the_bot_is_answering_is_kept_and_answered(slow_bot, customer, http):
    second = "And how do I turn on two-factor authentication?"
    ask(customer, ANSWERABLE)
    expect(customer.locator("#chat-input")).to_have_value("")  # cleared at once, never blocked
    ask(customer, second)  # the first reply is still on its way
    expect(customer.locator("#chat-input")).to_have_value("")

    lines = messages(customer, "customer")
    expect(lines.locator(".msg__text")).to_have_text([ANSWERABLE, second])
    expect(customer.locator('[data-status="pending"], [data-status="failed"]')).to_have_count(0)
    # the bot answers both (each in turn, or the two in one reply), after the second line
    last = messages(customer).last
    expect(last).to_have_attribute("data-role", "bot", timeout=15_000)
    assert stored_lines(http, customer) == [ANSWERABLE, second]


def test_a_line_whose_response_was_lost_is_retried_and_stored_once(customer, http):
    lost: list[str] = []

    def lose_the_first_response(route):
        if not lost:  # the server stores the line, but the browser never hears back
            lost.append(route.request.url)
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    customer.route("**/v1/conversations/*/messages", lose_the_first_response)
    ask(customer, ANSWERABLE)
    expect(messages(customer, "bot")).to_have_count(1)
    expect(messages(customer, "customer").locator(".msg__text")).to_have_text([ANSWERABLE])
    assert lost and stored_lines(http, customer) == [ANSWERABLE]


def test_a_line_that_cannot_be_sent_shows_failed_and_retry_sends_it_once(customer, http):
    def offline(route):
        route.abort("internetdisconnected")

    ask(customer, ANSWERABLE)  # the conversation exists; then the network goes
    expect(messages(customer, "bot")).to_have_count(1)
    customer.route("**/v1/conversations/*/messages", offline)
    ask(customer, "Is there a mobile app?")
    line = customer.locator('#messages [data-status="failed"]')
    expect(line).to_have_count(1)
    expect(line.locator('[data-testid="delivery"]')).to_contain_text("Not sent")
    customer.unroute("**/v1/conversations/*/messages", offline)
    line.locator('[data-testid="retry"]').click()
    expect(customer.locator('#messages [data-status]')).to_have_count(0)
    expect(messages(customer, "customer").locator(".msg__text")).to_have_text([ANSWERABLE, "Is there a mobile app?"])
    assert stored_lines(http, customer) == [ANSWERABLE, "Is there a mobile app?"]


def test_no_credential_travels_in_a_url(customer, console, http):
    urls: list[str] = []
    for page in (customer, console):
        page.on("request", lambda r: urls.append(r.url))
    ask(customer, OFF_TOPIC)
    expect(messages(customer, "bot")).to_have_count(1)
    conversation = saved_conversation(customer)
    expect(conversation_item(console, "queue", conversation["id"])).to_be_visible()
    assert any("/events" in u for u in urls)
    token = conversation_token(customer)
    assert not [u for u in urls if "token=" in u or token in u]
    # the chat page keeps only the conversation's id; its token is an HttpOnly cookie
    assert conversation == {"id": conversation["id"]}
    for page in (customer, console):
        stored = page.evaluate("JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})")
        assert token not in stored and "token" not in stored
        assert token not in page.evaluate("document.cookie")


def test_message_text_is_shown_as_text_not_html(customer, new_context, base_url, alice):
    payload = "<img src=x onerror=alert(1)> <b>bold?</b>"
    dialogs: list[str] = []
    customer.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ask(customer, payload)

    expect(messages(customer, "customer").locator(".msg__text")).to_have_text(payload)
    expect(messages(customer, "bot")).to_have_count(1)
    assert customer.locator("#messages img, #messages b").count() == 0

    console = open_console(new_context(), base_url, alice)
    console.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    console.locator('#live [data-testid="conversation-item"]').first.click()
    expect(messages(console, "customer").locator(".msg__text")).to_have_text(payload)
    assert console.locator("#conversation-messages img, #conversation-messages b, #live img, #queue img").count() == 0
    assert dialogs == []


# ----- the customer and an agent -------------------------------------------------------------


def test_agent_console_rejects_a_bad_token(new_context, base_url):
    page = new_context().new_page()
    page.goto(f"{base_url}/agent")
    page.locator("#agent-token").fill("not-a-real-token")
    page.locator("#agent-login").click()

    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#login-error")).to_contain_text("invalid")
    expect(page.locator("#console")).to_be_hidden()
    expect(page.locator("#login-view")).to_be_visible()
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0


def test_the_console_keeps_no_token_gets_live_events_and_ends_when_the_agent_is_revoked(
    new_context, base_url, http, settings, alice
):
    context = new_context()
    urls: list[str] = []
    context.on("request", lambda r: urls.append(r.url))
    console = open_console(context, base_url, alice)

    # The token went to the server once, in a request body; the page keeps none of it.
    expect(console.locator("#agent-token")).to_have_value("")
    stored = console.evaluate("JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert alice not in stored and stored == "[{},{}]"
    assert "sb_session" not in console.evaluate("document.cookie")  # HttpOnly: out of the page's reach
    assert not [u for u in urls if alice in u or "token=" in u]

    # Live over the fetch-based stream: a question the bot cannot answer reaches the queue.
    body = http.post("/v1/conversations").json()
    customer = {"Authorization": f"Bearer {body['token']}"}
    http.post(f"/v1/conversations/{body['id']}/messages", json={"text": OFF_TOPIC}, headers=customer)
    expect(conversation_item(console, "queue", body["id"])).to_be_visible()

    revoke_agent(settings, "alice")  # server-side, while the console is open
    expect(console.locator("#login-error")).to_have_text(
        "Your session has ended. Please sign in again.", timeout=3 * TIMEOUT_MS
    )
    expect(console.locator("#console")).to_be_hidden()
    assert not [u for u in urls if alice in u or "token=" in u]


def test_low_confidence_question_shows_waiting_for_a_person_and_reaches_the_agent_console(customer, console):
    expect(console.locator("#queue")).to_contain_text("No one is waiting.")
    ask(customer, OFF_TOPIC)

    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")
    expect(messages(customer, "bot").locator(".msg__text")).to_contain_text(["passing your question to a member of our team"])
    expect(customer.locator('[data-testid="confidence"]')).to_have_count(0)
    # Live over SSE: the console was not reloaded.
    item = conversation_item(console, "queue", saved_conversation(customer)["id"])
    expect(item).to_be_visible()
    reason = item.locator('[data-testid="handoff-reason"]')
    expect(reason).to_have_attribute("data-reason", "low_confidence")
    expect(reason).to_have_text("low confidence")
    expect(console.locator("#queue-count")).to_have_text("1")

    # The agent sees the question, the unsent draft and the confidence the customer never saw.
    item.click()
    expect(messages(console, "customer").locator(".msg__text")).to_have_text([OFF_TOPIC])
    expect(messages(console, "bot").locator('[data-testid="confidence"]')).to_be_visible()


def test_agent_claims_replies_and_the_customer_sees_it_live(customer, console):
    ask(customer, OFF_TOPIC)
    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")
    conversation_item(console, "queue", saved_conversation(customer)["id"]).click()

    console.locator("#claim-button").click()
    expect(console.locator("#conversation-state")).to_have_text("agent")
    expect(console.locator("#conversation-agent")).to_have_text("Handled by you")
    expect(customer.locator("#chat-status")).to_have_text("alice joined")
    expect(console.locator("#queue-count")).to_have_text("0")
    expect(console.locator("#agent-load")).to_have_text("1 of 4 chats")

    console.locator("#agent-input").fill("Hi, I'm Alice. Paris, but how can I help with Tally?")
    console.locator("#agent-input").press("Enter")
    reply = messages(customer, "agent")
    expect(reply.locator(".msg__text")).to_have_text("Hi, I'm Alice. Paris, but how can I help with Tally?")
    expect(reply.locator('[data-testid="message-author"]')).to_have_text("alice")

    # While a person holds the chat, the bot stays silent.
    ask(customer, "Thanks! Can I export invoices?")
    expect(messages(console, "customer")).to_have_count(2)
    expect(messages(customer)).to_have_count(4)  # question, handoff notice, alice, follow-up
    expect(messages(customer, "bot")).to_have_count(1)


def test_agent_corrects_a_bot_reply_and_the_customer_sees_the_correction(customer, console):
    ask(customer, ANSWERABLE)
    expect(messages(customer, "bot")).to_have_count(1)
    conversation_item(console, "live", saved_conversation(customer)["id"]).click()

    console.locator('[data-testid="correct-button"]').click()
    console.locator('[data-testid="correct-input"]').fill("Use Settings → Security → Reset password.")
    console.locator('[data-testid="correct-submit"]').click()
    expect(console.locator('[data-testid="correct-form"]')).to_have_count(0)

    original = messages(customer, "bot")
    correction = customer.locator('#messages [data-testid="message"].msg--correction')
    expect(correction.locator(".msg__text")).to_have_text("Use Settings → Security → Reset password.")
    expect(correction.locator('[data-testid="correction-label"]')).to_have_text("Corrected by alice")
    expect(original).to_have_attribute("data-corrected", "true")
    # Shown directly below the reply it corrects.
    expect(customer.locator('#messages [data-testid="message"]')).to_have_count(3)
    roles = customer.locator('#messages [data-testid="message"]').evaluate_all(
        "els => els.map(e => e.classList.contains('msg--correction') ? 'correction' : e.dataset.role)"
    )
    assert roles == ["customer", "bot", "correction"]
    expect(customer.locator("#chat-status")).to_have_text("Assistant")  # a correction is no takeover


def test_agent_returns_the_chat_to_the_bot_and_closes_it(customer, console, http, alice):
    customer.locator("#handoff-button").click()  # "Talk to a person" creates the conversation too
    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")
    first = saved_conversation(customer)["id"]
    item = conversation_item(console, "queue", first)
    reason = item.locator('[data-testid="handoff-reason"]')
    expect(reason).to_have_attribute("data-reason", "customer_request")
    expect(reason).to_have_text("customer asked for a person")
    item.click()
    console.locator("#claim-button").click()
    expect(customer.locator("#chat-status")).to_have_text("alice joined")

    console.locator("#release-button").click()
    expect(console.locator("#conversation-state")).to_have_text("bot")
    expect(customer.locator("#chat-status")).to_have_text("Assistant")
    expect(customer.locator("#handoff-button")).to_be_enabled()
    ask(customer, ANSWERABLE)
    answer = messages(customer, "bot").nth(1)  # after the handoff notice
    expect(answer.locator('[data-testid="sources"] a').first).to_be_visible()

    customer.set_viewport_size({"width": 420, "height": 640})  # a phone: the transcript fills the screen
    console.locator("#close-button").click()
    expect(console.locator("#conversation-state")).to_have_text("closed")
    expect(customer.locator("#chat-status")).to_have_text("Conversation closed")
    expect(customer.locator("#closed-notice")).to_be_visible()
    expect(customer.locator("#handoff-button")).to_be_hidden()
    expect(customer.locator("#chat-form")).to_be_hidden()  # nothing typed into a closed chat to fail
    # the closed notice does not cover the last word: the transcript stays scrolled to its end
    customer.wait_for_function(
        "() => { const e = document.getElementById('chat-scroll'); return e.scrollHeight - e.scrollTop - e.clientHeight < 2; }",
        timeout=5000,
    )

    customer.locator("#new-conversation").click()
    expect(customer.locator("#closed-notice")).to_be_hidden()
    expect(customer.locator("#chat-form")).to_be_visible()
    expect(customer.locator("#chat-status")).to_have_text("Assistant")
    expect(messages(customer)).to_have_count(0)
    ask(customer, "How do I turn on two-factor authentication?")
    expect(messages(customer, "bot")).to_have_count(1)
    second = saved_conversation(customer)["id"]
    assert second != first
    expect(conversation_item(console, "live", second)).to_be_visible()
    expect(conversation_item(console, "live", first)).to_have_count(0)
    listed = http.get("/v1/agent/conversations", headers={"Authorization": f"Bearer {alice}"}).json()
    assert [c["id"] for c in listed["conversations"]] == [second]


# ----- canned responses and ratings ----------------------------------------------------------


def test_an_agent_inserts_a_canned_response_with_slash_and_sends_it(customer, console, http, settings):
    admin = {"Authorization": f"Bearer {agent_token(settings, 'root', 'admin')}"}
    for shortcut, text in (("greet", "Hi, I'm here to help you today."), ("goodbye", "Thanks for chatting with us!")):
        made = http.post("/v1/admin/canned-responses", json={"shortcut": shortcut, "title": shortcut, "text": text}, headers=admin)
        assert made.status_code == 201, made.text
    ask(customer, OFF_TOPIC)
    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")
    conversation_item(console, "queue", saved_conversation(customer)["id"]).click()
    expect(console.locator("#conversation-state")).to_have_text("queued")  # loaded: the composer is enabled

    composer = console.locator("#agent-input")
    expect(composer).to_be_enabled()
    composer.press_sequentially("/g")
    options = console.locator('[role="listbox"] [role="option"]')
    expect(options).to_have_count(2)
    expect(composer).to_have_attribute("aria-expanded", "true")
    composer.press_sequentially("re")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("data-shortcut", "greet")
    composer.press("Enter")  # inserts, does not send
    expect(composer).to_have_value("Hi, I'm here to help you today.")
    expect(console.locator('[role="listbox"]')).to_be_hidden()
    composer.press("Enter")  # now it sends
    expect(messages(customer, "agent").locator(".msg__text")).to_have_text("Hi, I'm here to help you today.")


def test_a_customer_rates_a_closed_conversation(customer, console, http, settings):
    ask(customer, OFF_TOPIC)
    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")
    conversation_item(console, "queue", saved_conversation(customer)["id"]).click()
    console.locator("#claim-button").click()
    expect(console.locator("#conversation-state")).to_have_text("agent")
    console.locator("#agent-input").fill("Paris it is. Anything else?")
    console.locator("#agent-input").press("Enter")
    expect(messages(customer, "agent")).to_have_count(1)
    console.locator("#close-button").click()
    expect(customer.locator("#closed-notice")).to_be_visible()

    form = customer.locator('[data-testid="rating-form"]')
    expect(form.locator('[data-testid="rating-submit"]')).to_be_disabled()
    form.locator("label[for=\"score-4\"]").click()
    form.get_by_label("Comment (optional)").fill("Quick and kind, thanks")
    form.locator('[data-testid="rating-submit"]').click()
    expect(form.locator('[data-testid="rating-thanks"]')).to_be_visible()

    admin = {"Authorization": f"Bearer {agent_token(settings, 'root', 'admin')}"}
    metrics = http.get("/v1/admin/metrics", headers=admin).json()
    assert metrics["satisfaction"] == {"ratings": 1, "average": 4.0, "csat": 1.0}
    alice = next(a for a in metrics["agents"] if a["name"] == "alice")
    assert alice["satisfaction"]["ratings"] == 1

    customer.locator("#new-conversation").click()  # a new chat starts with a fresh rating form
    expect(customer.locator("#closed-notice")).to_be_hidden()
    expect(form.locator('[data-testid="rating-thanks"]')).to_be_hidden()


def test_a_card_goes_through_the_secure_form_and_the_agent_sees_only_its_summary(customer, console):
    ask(customer, OFF_TOPIC)
    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")
    conversation_item(console, "queue", saved_conversation(customer)["id"]).click()
    expect(console.locator("#payment-button")).to_be_disabled()  # only the owner may ask
    console.locator("#claim-button").click()
    expect(console.locator("#conversation-state")).to_have_text("agent")
    console.locator("#payment-button").click()
    expect(console.locator("#payment-status")).to_contain_text("Waiting for the customer's card")

    form = customer.locator('[data-testid="payment-form"]')
    expect(form).to_be_visible()
    form.get_by_label("Card number").press_sequentially("4111111111111112")
    expect(form.get_by_label("Card number")).to_have_value("4111 1111 1111 1112")  # grouped as typed
    form.get_by_label("Expiry (MM/YY)").press_sequentially("1229")
    form.get_by_label("CVC").fill("737")
    screenshot(customer, "chat-secure-card-form")
    form.locator('[data-testid="payment-submit"]').click()
    expect(form.locator('[data-testid="payment-error"]')).to_contain_text("card number")  # Luhn, checked server-side

    number = form.get_by_label("Card number")
    number.fill("")
    number.press_sequentially("4111111111111111")
    form.get_by_label("CVC").fill("737")
    form.locator('[data-testid="payment-submit"]').click()
    expect(form).to_be_hidden()

    summary = messages(customer, "customer").last.locator(".msg__text")
    expect(summary).to_contain_text("Visa card ending 1111, exp 12/29, reference card_")
    screenshot(console, "console-card-summary")
    expect(messages(console, "customer").last.locator(".msg__text")).to_contain_text("card ending 1111")
    expect(console.locator("#payment-status")).to_have_text("")
    for page in (console, customer):
        html = page.content()
        assert "4111111111111111" not in html and "4111 1111 1111 1111" not in html
    assert "4111" not in str(customer.evaluate("JSON.stringify(localStorage)"))
    expect(customer.locator("#chat-input")).to_have_value("")


def test_an_agent_works_four_chats_in_tabs_and_the_fifth_claim_is_refused(console, http):
    customers = []
    for n in range(5):
        created = http.post("/v1/conversations").json()
        auth = {"Authorization": f"Bearer {created['token']}"}
        http.post(f"/v1/conversations/{created['id']}/messages", json={"text": f"Customer {n}: {OFF_TOPIC}"}, headers=auth)
        customers.append((created["id"], auth))
    expect(console.locator('#queue [data-testid="conversation-item"]')).to_have_count(5)
    expect(console.locator('#queue [data-testid="item-wait"]').first).to_contain_text("waiting")
    assert "5 waiting" in console.title()

    for conversation_id, _ in customers[:4]:
        conversation_item(console, "queue", conversation_id).click()
        console.locator("#claim-button").click()
        expect(console.locator("#conversation-state")).to_have_text("agent")
    tabs = console.locator('[data-testid="chat-tab"]')
    expect(tabs).to_have_count(4)
    expect(console.locator("#agent-load")).to_have_text("4 of 4 chats")

    conversation_item(console, "queue", customers[4][0]).click()
    console.locator("#claim-button").click()
    expect(console.locator("#action-error")).to_contain_text("you already have 4 chats open (the most allowed)")
    expect(console.locator("#conversation-state")).to_have_text("queued")

    # A line in the first chat while another is on screen: unread in its tab and in the title.
    first_id, first_auth = customers[0]
    http.post(f"/v1/conversations/{first_id}/messages", json={"text": "Are you still there?"}, headers=first_auth)
    first_tab = console.locator(f'[data-testid="chat-tab"][data-conversation-id="{first_id}"]')
    expect(first_tab.locator('[data-testid="tab-unread"]')).to_have_text("1")
    expect(first_tab.locator('[data-testid="tab-wait"]')).to_be_visible()
    assert console.title().startswith("(1)")
    first_tab.click()
    expect(first_tab.locator('[data-testid="tab-unread"]')).to_have_count(0)
    expect(messages(console, "customer").last.locator(".msg__text")).to_have_text("Are you still there?")
    console.locator("#agent-input").fill("Yes, I'm here.")
    console.locator("#agent-input").press("Enter")
    expect(first_tab.locator('[data-testid="tab-wait"]')).to_have_count(0)  # answered: nobody waits

    screenshot(console, "console-four-chats")
    console.locator(f'[data-testid="chat-tab"][data-conversation-id="{customers[4][0]}"] ~ [data-testid="tab-close"]').click()
    expect(tabs).to_have_count(4)


def test_enter_on_an_empty_composer_never_sends_the_bots_draft_send_draft_does(customer, console):
    """QA: one Enter on an empty composer sent the customer the draft the bot had held back as too
    doubtful to send. Now only the draft's own "Send draft" button sends it; ↑ puts it in to edit."""
    ask(customer, OFF_TOPIC)
    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")
    conversation_item(console, "queue", saved_conversation(customer)["id"]).click()
    draft = console.locator('[data-testid="draft"] p').first
    expect(draft).to_contain_text("Unsent draft:")
    draft_text = draft.inner_text().removeprefix("Unsent draft:").strip()

    composer = console.locator("#agent-input")
    composer.press("Enter")  # a stray Enter: nothing is sent, and the agent is told how to use the draft
    expect(console.locator("#action-error")).to_contain_text("press ↑ to edit it")
    expect(console.locator("#conversation-state")).to_have_text("queued")  # not taken over either
    expect(messages(console, "agent")).to_have_count(0)
    composer.press("ArrowUp")  # puts the draft in the box, to edit first
    expect(composer).to_have_value(draft_text)
    composer.fill("")
    console.locator('[data-testid="send-draft"]').click()  # the explicit way to send it as it is
    expect(messages(customer, "agent").locator(".msg__text")).to_have_text([draft_text])
    # what the draft's [1] points to goes with it
    draft_sources = console.locator('[data-testid="draft"] [data-testid="sources"] li')
    expect(draft_sources.first).to_be_visible()
    titles = draft_sources.evaluate_all("items => items.map((li) => li.firstChild.textContent)")
    for title in titles:
        expect(messages(customer, "agent").locator('[data-testid="sources"]')).to_contain_text(title)
    expect(customer.locator("#chat-status")).to_have_text("alice joined")
    expect(console.locator("#action-error")).to_be_hidden()
    composer.press("Enter")  # still nothing to send
    expect(messages(console, "agent")).to_have_count(1)
    expect(messages(customer, "agent")).to_have_count(1)


def test_enter_does_not_send_a_draft_the_customer_has_written_past(customer, console):
    ask(customer, OFF_TOPIC)
    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")
    ask(customer, "also, my card was charged twice")  # the draft answers the first line, not this one
    conversation_item(console, "queue", saved_conversation(customer)["id"]).click()
    expect(messages(console, "customer")).to_have_count(2)
    draft_text = console.locator('[data-testid="draft"] p').first.inner_text().removeprefix("Unsent draft:").strip()

    composer = console.locator("#agent-input")
    composer.press("Enter")
    expect(console.locator("#action-error")).to_contain_text("answers an earlier line")
    expect(messages(customer, "agent")).to_have_count(0)
    composer.press("ArrowUp")  # still there to edit
    expect(composer).to_have_value(draft_text)
    composer.press("End")
    composer.type(" As for the double charge, I'll check it now.")
    composer.press("Enter")  # the edited draft still cites what its [1] points to
    expect(messages(customer, "agent").locator(".msg__text")).to_contain_text(["I'll check it now."])
    expect(messages(customer, "agent").locator('[data-testid="sources"]')).to_be_visible()


def test_an_agent_flags_a_bad_answer_with_a_note_for_the_editors(customer, console):
    ask(customer, ANSWERABLE)
    expect(messages(customer, "bot")).to_have_count(1)
    conversation_item(console, "live", saved_conversation(customer)["id"]).click()
    console.locator('[data-testid="flag-button"]').click()
    console.locator('[data-testid="flag-note"]').fill("Cites the sign-in article, not the reset steps")
    console.locator('[data-testid="flag-submit"]').click()
    expect(console.locator('[data-testid="flagged"]')).to_have_count(1)
    console.reload()  # the flag is stored, not just shown
    expect(console.locator('[data-testid="flagged"]')).to_have_count(1)
    expect(console.locator('[data-testid="flag-button"]')).to_have_count(0)


def test_an_agent_goes_away_and_a_waiting_customer_is_told(customer, console):
    customer.clock.install()  # the page's timers from now on run on a clock the test can move
    expect(console.locator("#agent-presence")).to_have_value("online")  # signing in is coming online
    console.locator("#agent-presence").select_option("away")
    expect(console.locator("#agent-presence")).to_have_value("away")
    ask(customer, OFF_TOPIC)
    expect(customer.locator("#chat-status")).to_contain_text("our team is away right now")
    console.reload()
    expect(console.locator("#agent-presence")).to_have_value("away")  # kept, not reset by the reload

    # back online: the waiting customer's page looks again every half minute, and says so
    with console.expect_response("**/v1/agent/presence"):  # the server has it before the page looks
        console.locator("#agent-presence").select_option("online")
    customer.clock.fast_forward(31_000)
    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")


def test_the_customer_sees_the_agent_typing(customer, console):
    ask(customer, OFF_TOPIC)
    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")
    conversation_item(console, "queue", saved_conversation(customer)["id"]).click()
    console.locator("#claim-button").click()
    expect(console.locator("#conversation-state")).to_have_text("agent")
    console.locator("#agent-input").press_sequentially("Let me check")
    expect(customer.locator('[data-testid="typing"]')).to_have_text("alice is writing…")
    console.locator("#agent-input").press("Enter")
    expect(messages(customer, "agent")).to_have_count(1)
    expect(customer.locator('[data-testid="typing"]')).to_be_hidden()


def test_an_admin_reads_the_dashboard_and_an_agent_has_none(customer, new_context, base_url, settings, console, alice, http):
    ask(customer, OFF_TOPIC)
    expect(customer.locator("#chat-status")).to_have_text("Waiting for a person…")
    expect(console.locator("#dashboard-button")).to_be_hidden()  # alice is an agent, not an admin

    admin = open_console(new_context(), base_url, agent_token(settings, "root", "admin"))
    admin.locator("#dashboard-button").click()
    dashboard = admin.locator('[data-testid="dashboard"]')
    expect(dashboard).to_be_visible()
    expect(admin.locator("#conversation-empty")).to_be_hidden()  # the dashboard takes the pane's place
    expect(dashboard.locator('[data-testid="dash-conversations"] .dash-tile__value')).to_have_text("1")
    expect(dashboard.locator('[data-testid="dash-handoff-rate"] .dash-tile__value')).to_have_text("100%")
    expect(dashboard.locator('[data-testid="dash-queue"] .dash-tile__value')).to_have_text("1")
    # the bot's notice that it passes the customer on is no reply: nobody has answered yet
    expect(dashboard.locator('[data-testid="dash-frt"] .dash-tile__value')).to_have_text("—")
    expect(dashboard.locator('[data-testid="dash-csat"] .dash-tile__label')).to_have_text("CSAT (0 ratings)")
    expect(dashboard.locator('[data-testid="dash-reasons"] .dash-bar')).to_have_attribute("data-label", "low confidence")
    expect(dashboard.locator('[data-testid="dash-agents"] .dash-bar')).to_have_count(2)  # alice and root
    # day by day, as SVG charts: one bar a day for the last 14 days, today's with the one conversation
    volume = dashboard.locator('[data-testid="dash-chart-volume"] svg [data-testid="chart-bar"]')
    expect(volume).to_have_count(14)
    expect(volume.last).to_have_attribute("data-value", "1")
    expect(dashboard.locator('[data-testid="dash-chart-csat"] svg [data-testid="chart-bar"]')).to_have_count(14)
    expect(dashboard.locator('[data-testid="dash-chart-times"] svg [data-testid="chart-line"]')).to_have_count(3)
    expect(dashboard.locator('[data-testid="dash-agent-peaks"]')).to_contain_text("Nothing yet.")  # nobody held a chat
    screenshot(admin, "console-dashboard")
    admin.locator("#dashboard-button").click()
    expect(dashboard).to_be_hidden()
    expect(admin.locator("#conversation-empty")).to_be_visible()

    chat = saved_conversation(customer)["id"]
    assert http.post(f"/v1/agent/conversations/{chat}/claim", headers={"Authorization": f"Bearer {alice}"}).status_code == 200
    admin.locator("#dashboard-button").click()  # drawn afresh
    peak = dashboard.locator('[data-testid="dash-agent-peak"][data-agent="alice"] [data-testid="dash-agent-peak-max"]')
    expect(peak).to_have_text("1")
    # opening a conversation puts the dashboard away
    conversation_item(admin, "live", chat).click()
    expect(dashboard).to_be_hidden()
    expect(admin.locator("#conversation")).to_be_visible()
    expect(admin.locator("#dashboard-button")).to_have_attribute("aria-pressed", "false")


def test_returning_the_chat_to_the_bot_takes_back_the_card_form(customer, console):
    form = card_form_open(customer, console)

    console.locator("#release-button").click()  # nobody would be there to take the card
    expect(console.locator("#conversation-state")).to_have_text("bot")
    expect(form).to_be_hidden()
    expect(console.locator("#payment-status")).to_have_text("")


def test_a_customer_who_closes_the_card_form_with_not_now_tells_the_agent_and_is_not_asked_again_on_reload(customer, console):
    form = card_form_open(customer, console)

    form.locator('[data-testid="payment-cancel"]').click()
    expect(form).to_be_hidden()
    expect(messages(console, "customer").last.locator(".msg__text")).to_contain_text("Chose not to send card details")
    expect(console.locator("#payment-status")).to_have_text("")
    customer.reload()
    expect(messages(customer, "customer").last.locator(".msg__text")).to_contain_text("Chose not to send card details")
    expect(form).to_be_hidden()


def test_a_card_typed_across_two_lines_is_masked_on_the_chat_page_and_in_the_console(customer, console):
    ask(customer, "4111 1111")
    expect(messages(customer, "customer")).to_have_count(1)
    expect(customer.locator('#messages [data-role="bot"]')).to_have_count(1)  # the bot has answered the first part
    conversation_item(console, "live", saved_conversation(customer)["id"]).click()
    expect(messages(console, "customer").locator(".msg__text")).to_have_text(["4111 1111"])
    ask(customer, "1111 1111")
    # the earlier line was shown in clear on both pages: now neither shows the card's digits
    expect(messages(customer, "customer").locator(".msg__text")).to_have_text(["•••• ••••", "•••• 1111"])
    expect(messages(console, "customer").locator(".msg__text")).to_have_text(["•••• ••••", "•••• 1111"])
    expect(console.locator('[data-testid="chat-tab"] [data-testid="tab-unread"]')).to_have_count(0)
    expect(console.locator('[data-testid="chat-tab"] .chat-tab__label')).to_have_text("•••• ••••")  # its name, from the first line
    customer.reload()  # the stream replays from the start: the stored events are masked too
    expect(messages(customer, "customer").locator(".msg__text")).to_have_text(["•••• ••••", "•••• 1111"])
