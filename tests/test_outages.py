"""The database or Redis goes away for a while: requests get a clear 503 (never a 500), nothing is
half-written, and service resumes by itself when it comes back; live events still reach every
client once, in order. The real PostgreSQL and Redis of this machine, behind a proxy the test cuts."""

from __future__ import annotations

import time
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from api.app import create_app
from knowledge import Embedder, KnowledgeBase, Settings

from .api_helpers import create_agent
from .conftest import make_settings
from .live_server import EventStream, serve
from .tcp_proxy import cuttable
from .test_scale_out import scaled_settings, workers  # noqa: F401  (fixtures)


def through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


def eventually(condition, what: str, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def subscribed_through(proxy, redis_url: str) -> int:
    """Connections through the proxy that Redis counts as subscribed to a channel."""
    import redis

    ours = proxy.upstream_addresses()
    with redis.Redis.from_url(redis_url) as direct:
        return sum(1 for c in direct.client_list() if c["addr"] in ours and int(c["sub"]) > 0)


def test_the_database_away_for_a_while_gets_503_loses_nothing_and_service_resumes(tmp_path, pg_url, kb):  # noqa: F811
    upstream = urlsplit(pg_url)
    with cuttable(upstream.hostname, upstream.port or 5432) as proxy:
        settings = make_settings(tmp_path / "data", database_url=through(pg_url, proxy.port))
        with serve(create_app(settings, kb)) as base, httpx.Client(base_url=base, timeout=30) as http:
            conv = http.post("/v1/conversations").json()
            auth = {"Authorization": f"Bearer {conv['token']}"}
            line = {"text": "Is anyone there?", "client_id": "line-1", "wait_for_reply": False}

            assert http.get("/readyz").status_code == 200
            proxy.cut()
            refused = http.post(f"/v1/conversations/{conv['id']}/messages", json=line, headers=auth)
            assert refused.status_code == 503
            assert http.get("/healthz").status_code == 200  # the process runs ...
            not_ready = http.get("/readyz")  # ... but a load balancer should send it nothing
            assert not_ready.status_code == 503 and not_ready.json()["status"] == "database unavailable"
            assert "unavailable" in refused.json()["detail"] and refused.headers["Retry-After"] == "5"
            assert http.get(f"/v1/conversations/{conv['id']}", headers=auth).status_code == 503
            assert http.post("/v1/conversations").status_code == 503

            proxy.restore()  # the client retries the same line, as the chat page does
            deadline = time.monotonic() + 20
            while (sent := http.post(f"/v1/conversations/{conv['id']}/messages", json=line, headers=auth)).status_code == 503:
                assert time.monotonic() < deadline, "service did not resume"
                time.sleep(0.5)
            assert sent.status_code in (200, 201), sent.text
            assert http.get("/readyz").status_code == 200
            again = http.post(f"/v1/conversations/{conv['id']}/messages", json=line, headers=auth)
            assert again.json()["message"]["id"] == sent.json()["message"]["id"]  # stored once
            said = [m for m in http.get(f"/v1/conversations/{conv['id']}", headers=auth).json()["messages"] if m["role"] == "customer"]
            assert [m["text"] for m in said] == ["Is anyone there?"]


def test_redis_dropping_every_connection_mid_stream_still_delivers_each_event_once_in_order(
    tmp_path, pg_url, redis_url, embedder: Embedder  # noqa: F811
):
    upstream = urlsplit(redis_url)
    with cuttable(upstream.hostname, upstream.port or 6379) as proxy:
        settings: Settings = make_settings(tmp_path / "data", database_url=pg_url, redis_url=through(redis_url, proxy.port))
        kbs = [KnowledgeBase(settings, embedder=embedder) for _ in range(2)]
        with serve(create_app(settings, kbs[0])) as a, serve(create_app(settings, kbs[1])) as b, \
                httpx.Client(timeout=30) as http:
            agent = create_agent(settings, "alice")
            conv = http.post(f"{a}/v1/conversations").json()
            auth = {"Authorization": f"Bearer {conv['token']}"}
            # Read timeout below the 15 s polling safety net: only Redis wake-ups deliver in time.
            with http.stream("GET", f"{b}/v1/agent/events", headers=agent, timeout=httpx.Timeout(30, read=10)) as response:
                stream = EventStream(response)
                eventually(lambda: subscribed_through(proxy, redis_url) == 2, "each worker's listener subscribes")
                proxy.cut()  # Redis "restarts": every subscription and connection dropped
                eventually(lambda: proxy.refused >= 2, "the listeners did not try to reconnect")  # while it was down
                proxy.restore()
                eventually(lambda: subscribed_through(proxy, redis_url) == 2, "the listeners did not subscribe again")
                assert http.post(f"{a}/v1/conversations/{conv['id']}/handoff", headers=auth).status_code == 200
                for n in (1, 2):
                    line = {"text": f"line {n}", "wait_for_reply": False}
                    assert http.post(f"{a}/v1/conversations/{conv['id']}/messages", json=line, headers=auth).is_success
                got = []
                while not any(e.type == "message.created" and e.data["message"]["text"] == "line 2" for e in got):
                    got.append(stream.next())
        for kb in kbs:
            kb.close()
    ids = [e.id for e in got]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [e.type for e in got].count("handoff.requested") == 1
    customer_lines = [e.data["message"]["text"] for e in got if e.type == "message.created" and e.data["message"]["role"] == "customer"]
    assert customer_lines == ["line 1", "line 2"]


def test_a_worker_starts_while_redis_is_away_serves_alone_and_subscribes_once_it_answers(
    tmp_path, pg_url, redis_url, embedder: Embedder  # noqa: F811
):
    """A worker restarted by a deploy or systemd while Redis was down failed its start-up with a traceback."""
    upstream = urlsplit(redis_url)
    with cuttable(upstream.hostname, upstream.port or 6379) as proxy:
        proxy.cut()
        settings: Settings = make_settings(tmp_path / "data", database_url=pg_url, redis_url=through(redis_url, proxy.port))
        kb = KnowledgeBase(settings, embedder=embedder)
        try:
            with serve(create_app(settings, kb)) as base, httpx.Client(base_url=base, timeout=30) as http:
                assert http.get("/healthz").status_code == 200
                conv = http.post("/v1/conversations").json()
                auth = {"Authorization": f"Bearer {conv['token']}"}
                said = http.post(f"/v1/conversations/{conv['id']}/messages", json={"text": "hello"}, headers=auth)
                assert said.status_code == 201 and said.json()["reply"] is not None
                proxy.restore()
                eventually(lambda: subscribed_through(proxy, redis_url) == 1, "the listener did not subscribe once Redis answered")
        finally:
            kb.close()
