"""Customers' requests are rate-limited: new conversations per address, lines per conversation,
with 429 and Retry-After, counted across workers when they share Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from knowledge import KnowledgeBase

from .api_helpers import start_conversation
from .conftest import make_settings


@pytest.fixture
def limited(data_dir, kb: KnowledgeBase) -> Iterator[TestClient]:
    settings = make_settings(data_dir, conversations_per_minute=3, lines_per_minute=3)
    with TestClient(create_app(settings, kb)) as client:
        yield client


def test_a_fourth_conversation_a_minute_from_one_address_gets_429_with_retry_after(limited):
    for _ in range(3):
        assert limited.post("/v1/conversations").status_code == 201
    refused = limited.post("/v1/conversations")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "too many new conversations" in refused.json()["detail"]


def test_a_fourth_line_a_minute_in_one_conversation_gets_429_and_others_are_not_affected(limited):
    chatty, quiet = start_conversation(limited), start_conversation(limited)
    for n in range(3):
        assert chatty.say(f"hello {n}").status_code == 201
    refused = chatty.say("hello again")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert quiet.say("hello").status_code == 201
    assert [m["text"] for m in chatty.conversation()["messages"] if m["role"] == "customer"] == [
        "hello 0", "hello 1", "hello 2",  # the refused line was not stored: the client keeps it to retry
    ]


def test_two_workers_sharing_redis_count_one_address_together(tmp_path, kb, redis_url):
    redis.Redis.from_url(redis_url).delete("switchboard:conversation-starts:testclient")
    apps = [
        create_app(make_settings(tmp_path / f"worker-{n}", redis_url=redis_url, conversations_per_minute=3), kb)
        for n in range(2)
    ]
    with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
        codes = [client.post("/v1/conversations").status_code for client in (first, second, first, second)]
    assert codes == [201, 201, 201, 429]


def test_the_openai_compatible_endpoint_is_limited_per_address_like_the_chat(limited):
    ask = {"model": "switchboard", "messages": [{"role": "user", "content": "How do I reset my password?"}]}
    for _ in range(3):
        assert limited.post("/v1/chat/completions", json=ask).status_code == 200
    refused = limited.post("/v1/chat/completions", json=ask)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    assert "too many completions" in refused.json()["detail"]
