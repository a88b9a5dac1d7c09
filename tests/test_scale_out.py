"""Scale-out mode: two API workers sharing PostgreSQL, with Redis fanning events out between them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from ingest import Chunker, sync
from knowledge import Embedder, KnowledgeBase, Settings

from .api_helpers import OFF_TOPIC, create_agent, create_agents
from .conftest import make_settings
from .live_server import open_stream, serve


@pytest.fixture
def scaled_settings(tmp_path: Path, pg_url: str, redis_url: str, embedder: Embedder) -> Settings:
    settings = make_settings(tmp_path / "data", database_url=pg_url, redis_url=redis_url)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "hours.md").write_text("---\ntitle: Opening hours\nverified: true\n---\nSupport is open 9 to 5 on weekdays.\n")
    kb = KnowledgeBase(settings, embedder=embedder)
    assert sync(kb, [docs], chunker=Chunker(), max_doc_bytes=100_000).added == ["hours"]
    kb.close()
    return settings


@pytest.fixture
def workers(scaled_settings: Settings, embedder: Embedder) -> Iterator[tuple[str, str]]:
    with ExitStack() as stack:
        urls = [
            stack.enter_context(serve(create_app(scaled_settings, KnowledgeBase(scaled_settings, embedder=embedder))))
            for _ in range(2)
        ]
        yield urls[0], urls[1]


def test_an_event_on_one_worker_reaches_an_agent_streaming_from_another(workers, scaled_settings):
    a, b = workers
    agent = create_agent(scaled_settings, "alice")
    with httpx.Client(timeout=30) as http:
        conv = http.post(f"{a}/v1/conversations").json()
        auth = {"Authorization": f"Bearer {conv['token']}"}
        # Read timeout below the 15 s polling safety net: only a Redis wake-up delivers in time.
        with http.stream("GET", f"{b}/v1/agent/events", headers=agent, timeout=httpx.Timeout(30, read=8)) as response:
            from .live_server import EventStream

            stream = EventStream(response)
            http.post(f"{a}/v1/conversations/{conv['id']}/messages", json={"text": OFF_TOPIC}, headers=auth)
            events = stream.until("handoff.requested")
    assert [e.type for e in events] == ["message.created", "message.created", "handoff.requested"]
    assert {e.data["conversation_id"] for e in events} == {conv["id"]}


def test_a_line_with_a_nul_character_is_stored_on_postgresql_without_it(workers):
    """PostgreSQL refuses NUL in text: the line is cleaned, not a 500."""
    a, _ = workers
    with httpx.Client(timeout=30) as http:
        conv = http.post(f"{a}/v1/conversations").json()
        auth = {"Authorization": f"Bearer {conv['token']}"}
        sent = http.post(f"{a}/v1/conversations/{conv['id']}/messages", json={"text": "hours?\x00"}, headers=auth)
        assert sent.status_code in (200, 201), sent.text
        stored = http.get(f"{a}/v1/conversations/{conv['id']}", headers=auth).json()["messages"][0]["text"]
    assert stored == "hours?"


def test_100_simultaneous_claims_across_two_workers_give_exactly_one_200(workers, scaled_settings):
    a, b = workers
    agents = create_agents(scaled_settings, [f"agent-{n}" for n in range(100)])
    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=100)) as http:
        conv = http.post(f"{a}/v1/conversations").json()
        start = threading.Barrier(100)

        def claim(n: int) -> int:
            url = f"{(a, b)[n % 2]}/v1/agent/conversations/{conv['id']}/claim"
            start.wait()  # all at once
            return http.post(url, headers=agents[n]).status_code

        with ThreadPoolExecutor(100) as pool:
            codes = sorted(pool.map(claim, range(100)))
        assert codes == [200] + [409] * 99
        replay_headers = {**agents[0], "Last-Event-ID": "0"}
        with open_stream(http, f"{b}/v1/agent/events", replay_headers) as stream:
            claimed = stream.next()
        assert claimed.type == "conversation.claimed"
