"""A reply an LLM writes, seen live: the agent console watches the draft grow (`message.delta`),
the customer sees only that the bot is writing (`bot.typing`) and then the reply, once its
confidence is known. Over HTTP against a real server, with the wire-format stub as the endpoint."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from api.app import create_app
from api.services import REPLY_THREADS
from knowledge import KnowledgeBase

from .api_helpers import create_agent
from .conftest import make_settings
from .live_server import open_stream, serve
from .openai_stub import Stub

QUESTION = "How do I reset my password?"
DRAFT = (
    "Click Forgot password? under the password field [1]. "
    "The reset link works once and is valid for 60 minutes [1]."
)


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub(reply=DRAFT).start()
    yield server
    server.stop()


@pytest.fixture
def llm_server(data_dir, stub: Stub, embedder) -> Iterator[tuple[str, object]]:
    settings = make_settings(
        data_dir, llm_provider="openai", openai_base_url=stub.base_url("ok"), openai_model="stub",
        llm_timeout_seconds=10,
    )
    kb = KnowledgeBase(settings, embedder=embedder)
    try:
        with serve(create_app(settings, kb)) as url:
            yield url, settings
    finally:
        kb.close()


def test_agents_watch_the_draft_grow_and_customers_see_only_the_decided_reply(llm_server):
    url, settings = llm_server
    alice = create_agent(settings, "alice")
    with httpx.Client(base_url=url, timeout=30) as http:
        created = http.post("/v1/conversations").json()
        customer = {"Authorization": f"Bearer {created['token']}"}
        with open_stream(http, "/v1/agent/events", headers=alice) as agents, \
                open_stream(http, f"/v1/conversations/{created['id']}/events", headers=customer) as theirs:
            sent = http.post(
                f"/v1/conversations/{created['id']}/messages",
                json={"text": QUESTION, "wait_for_reply": False}, headers=customer,
            )
            assert sent.status_code == 201
            seen = agents.until("message.created")  # the customer's line
            seen = agents.until("message.created", limit=500)  # the bot's reply (or its handoff notice)
            deltas = [e for e in seen if e.type == "message.delta"]
            assert len(deltas) >= 2  # a sentence at a time, not all at once
            assert [e.data["seq"] for e in deltas] == list(range(1, len(deltas) + 1))
            assert "".join(e.data["delta"] for e in deltas) == DRAFT
            assert seen[0].type == "bot.typing"
            final = seen[-1].data["message"]
            assert final["role"] == "bot" and final["confidence"] is not None

            customer_seen = theirs.until("message.created") + theirs.until("message.created", limit=500)
            types = [e.type for e in customer_seen]
            assert "message.delta" not in types  # a draft is not an answer until its confidence is known
            assert types.index("bot.typing") < len(types) - 1
            assert customer_seen[-1].data["message"]["text"] == final["text"]


def test_a_dead_endpoint_still_ends_in_a_handoff_the_customer_sees(data_dir, embedder):
    settings = make_settings(
        data_dir, llm_provider="openai", openai_base_url="http://127.0.0.1:9/v1", llm_timeout_seconds=2,
    )
    body = bot_reply_over_http(settings, embedder, QUESTION)
    assert body["handoff"] and body["handoff_reason"] == "assistant_unavailable"


@pytest.mark.parametrize(("mode", "handoff_reason"), [("number-content", "assistant_unavailable"), ("null-logprob", None)])
def test_a_malformed_chunk_field_never_makes_the_customers_post_fail(data_dir, stub, embedder, mode, handoff_reason):
    """QA: a delta whose content was 42, or a logprob of null, raised TypeError on the way to the
    agents' draft events: the customer's POST got a 500 and the line stayed unanswered."""
    settings = make_settings(
        data_dir, llm_provider="openai", openai_base_url=stub.base_url(mode), openai_model="stub", llm_timeout_seconds=10,
    )
    body = bot_reply_over_http(settings, embedder, QUESTION)
    assert body["role"] == "bot"
    if handoff_reason:
        assert body["handoff"] and body["handoff_reason"] == handoff_reason
    else:
        assert body["handoff_reason"] != "assistant_unavailable"


def bot_reply_over_http(settings, embedder, text: str) -> dict:
    """A customer's line to a served app, and the bot's reply the POST returns (never a 500)."""
    kb = KnowledgeBase(settings, embedder=embedder)
    try:
        with serve(create_app(settings, kb)) as url, httpx.Client(base_url=url, timeout=30) as http:
            created = http.post("/v1/conversations").json()
            customer = {"Authorization": f"Bearer {created['token']}"}
            reply = http.post(f"/v1/conversations/{created['id']}/messages", json={"text": text}, headers=customer)
            assert reply.status_code == 201
            return reply.json()["reply"]
    finally:
        kb.close()


# ----- in the browser ------------------------------------------------------------------------

from playwright.sync_api import expect  # noqa: E402

from .browser import TIMEOUT_MS, agent_token, ask, browser, new_context, open_chat, open_console  # noqa: E402,F401


@pytest.fixture
def slow_stub() -> Iterator[Stub]:
    server = Stub(reply=DRAFT, stall_seconds=30).start()
    yield server
    server.stop()


@pytest.fixture
def settings(data_dir, slow_stub: Stub):
    """The app behind `base_url` (and the browser fixtures) writes its replies with a slow LLM."""
    return make_settings(
        data_dir, llm_provider="openai", openai_base_url=slow_stub.base_url("trickle"), openai_model="stub",
        llm_timeout_seconds=30,
    )


@pytest.mark.slow
def test_the_console_shows_the_draft_growing_while_the_chat_shows_only_that_the_bot_is_writing(
    new_context, base_url, settings, slow_stub
):
    console = open_console(new_context(), base_url, agent_token(settings, "alice"))
    customer = open_chat(new_context(), base_url)
    ask(customer, QUESTION)
    expect(customer.locator('[data-testid="typing"]')).to_be_visible(timeout=TIMEOUT_MS)
    console.locator('#live [data-testid="conversation-item"]').first.click()
    writing = console.locator('[data-testid="writing"] .msg__text')
    expect(writing).to_contain_text("Click Forgot", timeout=TIMEOUT_MS)
    # While the draft grows in the console, the customer has no bot message yet.
    assert customer.locator('#messages [data-role="bot"]').count() == 0
    slow_stub.end_stalls()  # the model stops writing: now the reply is decided
    expect(customer.locator('#messages [data-role="bot"]')).to_have_count(1, timeout=30_000)
    expect(customer.locator('[data-testid="typing"]')).to_be_hidden()
    expect(console.locator('[data-testid="writing"]')).to_have_count(0)


# more replies at once than the loop's default pool has threads (CPU count + 4), and no more than ours
TOGETHER = min(REPLY_THREADS, (os.cpu_count() or 1) + 5)


def test_replies_that_wait_on_a_slow_endpoint_do_not_wait_for_each_other(settings, kb):
    """Each reply holds a thread while its provider writes. Customers at once all get one: on the
    loop's default pool (a handful of threads on a small machine) the later ones had waited for a
    thread, their timeout not yet begun."""
    import threading

    from api.services import open_services
    from assistant import Reply

    together = threading.Barrier(TOGETHER, timeout=20)  # each reply waits till all are being written

    class SlowEndpoint:
        rules = None
        provider = None

        def reply(self, question, history, *, previous_confidence=None, on_delta=None):
            on_delta("Thinking")
            together.wait()
            return Reply(text=f"answer to {question}", confidence=0.9)

    async def main() -> list[Reply]:
        services = await open_services(settings, kb=kb)
        services.assistant = SlowEndpoint()

        async def piece(_: str) -> None:
            return None

        try:
            return await asyncio.gather(*(services.answer(f"q{i}", [], None, on_piece=piece) for i in range(TOGETHER)))
        finally:
            await services.close()

    with ThreadPoolExecutor(1) as runner:  # a loop of its own: a browser test's may be running in this thread
        replies = runner.submit(asyncio.run, main()).result()
    assert [r.text for r in replies] == [f"answer to q{i}" for i in range(TOGETHER)]


def test_a_reply_that_waited_for_a_thread_longer_than_the_models_timeout_goes_to_a_person_at_once():
    """Every reply thread held by replies waiting on a slow endpoint: the next customer had waited
    for a thread, and only then did their model timeout begin."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor as Pool
    from types import SimpleNamespace

    from assistant import Reply, stream_reply

    release = threading.Event()

    class OneSlowReply:
        provider = SimpleNamespace(timeout=0.2)

        def reply(self, question, history, *, previous_confidence=None, on_delta=None):
            release.wait(5)
            return Reply(text=f"answer to {question}", confidence=0.9)

    async def decided(replies) -> Reply:
        async for item in replies:
            if isinstance(item, Reply):
                return item
        raise AssertionError("no reply")

    async def main() -> tuple[Reply, Reply, float]:
        with Pool(1) as threads:  # one thread: the second reply waits for the first
            first = asyncio.ensure_future(decided(stream_reply(OneSlowReply(), "q1", executor=threads)))
            await asyncio.sleep(0.3)
            started = time.monotonic()
            second = asyncio.ensure_future(decided(stream_reply(OneSlowReply(), "q2", executor=threads)))
            await asyncio.sleep(0.3)
            release.set()
            return await first, await second, time.monotonic() - started

    with Pool(1) as runner:  # a loop of its own: a browser test's may be running in this thread
        first, second, seconds = runner.submit(asyncio.run, main()).result()
    assert first.text == "answer to q1"
    assert second.handoff and second.handoff_reason == "assistant_unavailable"
    assert "waited" in second.handoff_detail and "free reply thread" in second.handoff_detail
    assert seconds < 2


def test_a_draft_begun_again_replaces_the_one_the_console_was_showing(new_context, base_url):
    """A worker that stops mid-reply leaves its pieces stored; the worker that answers the line
    again numbers its own pieces from 1. The console had shown both drafts run together."""
    page = new_context().new_page()
    page.goto(f"{base_url}/agent")
    shown = page.evaluate(
        """() => {
            const list = document.createElement('ul'), scroll = document.createElement('div');
            const t = window.SwitchboardTranscript.create({ list, scroll, actions: {} });
            const piece = (seq, delta) => t.showWriting({ reply_to: 7, seq, delta });
            piece(1, 'Open Settings. '); piece(2, 'Click Sec');
            const before = list.textContent;
            piece(1, 'Go to Settings. '); piece(2, 'Click Security.');
            return [before, list.querySelector('[data-testid="writing"] .msg__text').textContent];
        }"""
    )
    assert shown[0].endswith("Open Settings. Click Sec")
    assert shown[1] == "Go to Settings. Click Security."
