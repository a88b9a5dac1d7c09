"""An agent's chat limit holds against claims sent all at once (QA).

Eight claims sent at once with one agent's token, the limit being 4, were all 200; four replies
at once (a reply takes the chat over) all went through too. The limit was counted before the
claim, on SQLite outside any write transaction, so every request counted the chats held before
any of them had claimed. One at a time, it was enforced.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from knowledge import Embedder, KnowledgeBase, Settings

from .api_helpers import create_agent
from .conftest import make_settings
from .live_server import serve

LIMIT = 4


@pytest.fixture(params=["sqlite", "postgresql"])
def limited(request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder) -> Iterator[tuple[str, Settings]]:
    """A live server whose agents hold at most LIMIT chats, over SQLite or PostgreSQL."""
    url = {} if request.param == "sqlite" else {"database_url": request.getfixturevalue("pg_url")}
    settings = make_settings(tmp_path / "data", agent_max_chats=LIMIT, **url)
    kb = KnowledgeBase(settings, embedder=embedder)
    try:
        with serve(create_app(settings, kb)) as base:
            yield base, settings
    finally:
        kb.close()


def queued_chats(http: httpx.Client, base: str, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        conv = http.post(f"{base}/v1/conversations").json()
        asked = http.post(f"{base}/v1/conversations/{conv['id']}/handoff", headers={"Authorization": f"Bearer {conv['token']}"})
        assert asked.status_code == 200 and asked.json()["state"] == "queued", asked.text
        ids.append(conv["id"])
    return ids


def all_at_once(http: httpx.Client, send, chats: list[str]) -> list[httpx.Response]:
    start = threading.Barrier(len(chats))

    def one(chat: str) -> httpx.Response:
        start.wait()
        return send(chat)

    with ThreadPoolExecutor(len(chats)) as pool:
        return list(pool.map(one, chats))


def held(http: httpx.Client, base: str, agent: dict[str, str]) -> int:
    mine = http.get(f"{base}/v1/agent/conversations", headers=agent).json()["conversations"]
    return sum(1 for c in mine if c["state"] == "agent")


def test_simultaneous_claims_give_exactly_the_limit_and_409_for_the_rest(limited):
    base, settings = limited
    alice = create_agent(settings, "alice")
    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=20)) as http:
        chats = queued_chats(http, base, 2 * LIMIT)
        claims = all_at_once(http, lambda c: http.post(f"{base}/v1/agent/conversations/{c}/claim", headers=alice), chats)
        assert sorted(r.status_code for r in claims) == [200] * LIMIT + [409] * LIMIT, [r.text for r in claims]
        refused = next(r for r in claims if r.status_code == 409).json()["detail"]
        assert refused == f"you already have {LIMIT} chats open (the most allowed): close or return one first"
        assert held(http, base, alice) == LIMIT


def test_simultaneous_replies_that_take_chats_over_stop_at_the_limit(limited):
    base, settings = limited
    alice = create_agent(settings, "alice")
    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=20)) as http:
        first = queued_chats(http, base, LIMIT - 1)
        for chat in first:
            assert http.post(f"{base}/v1/agent/conversations/{chat}/claim", headers=alice).status_code == 200
        others = queued_chats(http, base, LIMIT)
        send = lambda c: http.post(f"{base}/v1/agent/conversations/{c}/messages", json={"text": "Hi"}, headers=alice)  # noqa: E731
        replies = all_at_once(http, send, others)
        assert sorted(r.status_code for r in replies) == [201] + [409] * (LIMIT - 1), [r.text for r in replies]
        assert held(http, base, alice) == LIMIT
