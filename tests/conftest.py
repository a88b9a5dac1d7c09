"""Shared fixtures: one embedding model per session, a fresh data directory per test."""

from __future__ import annotations

import os
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from ingest import Chunker, sync  # noqa: E402
from knowledge import Embedder, KnowledgeBase, Settings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SAMPLE_KB = REPO / "sample_kb"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def requires_service(name: str, reason: str) -> None:
    """Skip locally when a service is absent; under CI=true a missing service is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{name} is required under CI but unavailable: {reason}")
    pytest.skip(f"{name} unavailable: {reason}")


def _redis_for_this_worker() -> str:
    """Under pytest-xdist each worker has a Redis database of its own (gw0 -> 1, gw1 -> 2, ...), so
    keys such as the rate limiter's counters never meet another worker's test. (Pub/sub channels
    span databases; a wake-up from another worker only makes a listener re-read its own store.)"""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    index = int(worker[2:]) + 1 if worker.startswith("gw") else 0
    return f"redis://127.0.0.1:6379/{index}"


REDIS = os.environ.get("SWITCHBOARD_TEST_REDIS", _redis_for_this_worker())


@pytest.fixture
def redis_url() -> str:
    """The machine's Redis (scale-out mode)."""
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except redis.RedisError as e:
        requires_service("Redis", str(e))
    return REDIS


PG = os.environ.get("SWITCHBOARD_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards."""
    import psycopg

    schema = f"sb_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        requires_service("PostgreSQL", str(e))
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test has a node id of its own. pytest-xdist (`make test` runs two workers) tells tests
    apart by node id and runs only one of several that share it, silently. schemathesis 4.32 under
    pytest 9.2 ids each operation of tests/test_api_fuzz.py as the bare test name; such an item is
    given the id its name says (`test_x[GET /healthz]`), and any id still shared stops the run."""
    for item in items:
        wanted = f"{item.parent.nodeid}::{item.name}" if item.parent is not None else item.nodeid
        if item.nodeid != wanted and "[" in item.name and "[" not in item.nodeid and hasattr(item, "_id"):
            from _pytest.nodeid import coerce_node_id

            item._id = coerce_node_id(wanted)
    shared = sorted(nodeid for nodeid, n in Counter(i.nodeid for i in items).items() if n > 1)
    if shared:
        raise pytest.UsageError(f"tests sharing a node id (pytest-xdist would run one of each): {shared[:5]}")


@pytest.fixture(autouse=True)
def _let_go_of_what_a_test_opened(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test, nothing keeps its app or its knowledge base alive. A server builds one app and
    opens one data directory; the suite builds hundreds, and grew by ~13 MB a test (11 GB by the
    end), through two process-wide caches:
    - FastAPI remembers up to 4,096 endpoint functions (whether each is a generator), and the docs
      pages that fastapi-offline adds are closures over their app, which holds the services and
      the knowledge base: each test's app stayed alive.
    - Chroma keeps one embedded system per path, its index in memory. Forgotten here, not stopped
      (stopping cost ~0.35 s a test); an object still holding one keeps working."""
    from chromadb.api.shared_system_client import SharedSystemClient
    from fastapi.dependencies import models as fastapi_dependencies

    mine = str(request.getfixturevalue("tmp_path")) if "tmp_path" in request.fixturenames else None
    yield
    for name in dir(fastapi_dependencies):
        if name.endswith("_cached") and hasattr(cache := getattr(fastapi_dependencies, name), "cache_clear"):
            cache.cache_clear()
    if mine is not None:
        for path in [p for p in SharedSystemClient._identifier_to_system if p.startswith(mine)]:
            SharedSystemClient._identifier_to_system.pop(path, None)


class RememberingEmbedder(Embedder):
    """The real model, run once per distinct text in a session: several fixtures ingest the same
    pages (the sample knowledge base into the seeded data directory and into a Chroma server, the
    small corpora of the ingest tests again and again), and the model gives a text the same vector
    each time. Queries (`embed_queries`, the ONNX model) are not remembered."""

    def __init__(self) -> None:
        super().__init__()
        self._vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if new:
            self._vectors.update(zip(new, super().embed(new, show_progress), strict=True))
        if not texts:
            return super().embed(texts)
        return np.stack([self._vectors[t] for t in texts])


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return RememberingEmbedder()


def make_settings(data_dir: Path, **overrides) -> Settings:
    """Settings for a test. The per-address and per-conversation rate limits are off (tests send
    many requests from one address) unless a test sets them: tests/test_rate_limits.py does."""
    limits_off = {"conversations_per_minute": 0, "lines_per_minute": 0}
    return Settings(_env_file=None, data_dir=data_dir, **{**limits_off, **overrides})


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A data directory with the sample knowledge base ingested, built once per session."""
    data = tmp_path_factory.mktemp("seed") / "data"
    kb = KnowledgeBase(make_settings(data), embedder=embedder)
    report = sync(kb, [SAMPLE_KB], chunker=Chunker(), max_doc_bytes=5_000_000)
    kb.close()
    assert report.ok and report.added
    return data


@pytest.fixture(scope="session")
def sample_kb(tmp_path_factory: pytest.TempPathFactory, seeded_dir: Path, embedder: Embedder) -> Iterator[KnowledgeBase]:
    """The sample knowledge base opened once per session, for tests that only read it: the bot's
    replies. Its search indexes (BM25, the speller, the sections) are built once, not per test. A
    test that ingests, removes or edits uses `kb`, its own copy."""
    data = tmp_path_factory.mktemp("read-only") / "data"
    shutil.copytree(seeded_dir, data)
    kb = KnowledgeBase(make_settings(data), embedder=embedder)
    yield kb
    kb.close()


@pytest.fixture
def sample_assistant(settings: Settings, sample_kb: KnowledgeBase):
    """The bot answering from the sample knowledge base (read only)."""
    from assistant import build_assistant

    return build_assistant(settings, sample_kb)


@pytest.fixture
def data_dir(tmp_path: Path, seeded_dir: Path) -> Path:
    """A fresh copy of the seeded data directory for this test alone."""
    target = tmp_path / "data"
    shutil.copytree(seeded_dir, target)
    return target


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir)


@pytest.fixture
def kb(settings: Settings, embedder: Embedder) -> Iterator[KnowledgeBase]:
    kb = KnowledgeBase(settings, embedder=embedder)
    yield kb
    kb.close()


@pytest.fixture
def empty_kb(tmp_path: Path, embedder: Embedder) -> Iterator[KnowledgeBase]:
    kb = KnowledgeBase(make_settings(tmp_path / "empty"), embedder=embedder)
    yield kb
    kb.close()


@pytest.fixture
def client(settings: Settings, kb: KnowledgeBase):
    """The app in-process (FastAPI's TestClient), its lifespan running."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(settings, kb)) as client:
        yield client


@pytest.fixture
def alice(settings: Settings, client) -> dict[str, str]:
    """An agent's auth header."""
    from .api_helpers import create_agent

    return create_agent(settings, "alice")


@pytest.fixture
def admin(settings: Settings, client) -> dict[str, str]:
    """An admin's auth header (agent `root`)."""
    from .api_helpers import create_agent

    return create_agent(settings, "root", "admin")


@pytest.fixture
def base_url(settings: Settings, kb: KnowledgeBase) -> Iterator[str]:
    """The app, served by a real uvicorn server on a free loopback port."""
    from api.app import create_app

    from .live_server import serve

    with serve(create_app(settings, kb)) as url:
        yield url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client
