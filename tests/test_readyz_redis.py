"""/readyz checks Redis too, when one is configured (the scale-out mode).

It checked only the database: with SWITCHBOARD_REDIS_URL pointing at a Redis that does not answer,
a worker said 200 "ok", and a load balancer kept sending it customers whose live events no other
worker heard of. Now it says 503, and names what does not answer.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from knowledge import KnowledgeBase, Settings

from .conftest import make_settings


def closed_port() -> int:
    """A loopback port nothing listens on: a connection to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_with_redis(data_dir: Path, kb: KnowledgeBase, redis_url: str) -> Iterator[TestClient]:
    settings: Settings = make_settings(data_dir, redis_url=redis_url)
    with TestClient(create_app(settings, kb)) as client:
        yield client


@pytest.fixture
def live_redis(data_dir: Path, kb: KnowledgeBase, redis_url: str) -> Iterator[TestClient]:
    yield from app_with_redis(data_dir, kb, redis_url)


@pytest.fixture
def dead_redis(data_dir: Path, kb: KnowledgeBase) -> Iterator[TestClient]:
    yield from app_with_redis(data_dir, kb, f"redis://127.0.0.1:{closed_port()}/0")


def test_a_worker_whose_redis_answers_is_ready(live_redis: TestClient) -> None:
    ready = live_redis.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "unavailable": []}


def test_a_worker_whose_redis_does_not_answer_is_not_ready_and_says_redis(dead_redis: TestClient) -> None:
    not_ready = dead_redis.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.headers["Retry-After"] == "5"
    assert not_ready.json() == {"status": "redis unavailable", "unavailable": ["redis"]}
    assert dead_redis.get("/healthz").status_code == 200  # the process runs


def test_without_redis_configured_only_the_database_is_checked(client: TestClient) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "unavailable": []}
