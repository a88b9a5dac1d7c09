"""/readyz checks Redis too, when one is configured (the scale-out mode).

It checked only the database: with SWITCHBOARD_REDIS_URL pointing at a Redis that does not answer,
a worker said 200 "ok". Now it names Redis, as degraded: the worker still serves (events are stored
first and polled), so a Redis restart must not take every worker out of the load balancer. Only a
database that does not answer makes a worker not ready (503).
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


def test_a_worker_whose_redis_does_not_answer_stays_ready_and_says_it_is_degraded(dead_redis: TestClient) -> None:
    degraded = dead_redis.get("/readyz")
    assert degraded.status_code == 200  # it still serves: a shared Redis restarting is no outage
    assert degraded.json()["unavailable"] == ["redis"] and degraded.json()["status"].startswith("degraded: redis unavailable")
    assert dead_redis.get("/healthz").status_code == 200


def test_without_redis_configured_only_the_database_is_checked(client: TestClient) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "unavailable": []}
