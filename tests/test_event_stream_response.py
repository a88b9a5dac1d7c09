"""The event stream's response (api/streams.py): what sse-starlette's task group of four did per
stream, done with one task per stream and one per worker: a ping while idle, letting go of a
client that went, and ending every stream when the worker stops."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from api import streams
from api.app import create_app
from knowledge import KnowledgeBase, Settings

from .live_server import EventStream, serve, switchboard_worker

@pytest.fixture
def app(settings: Settings, kb: KnowledgeBase):
    return create_app(settings, kb)


def new_customer(http: httpx.Client) -> tuple[str, dict[str, str]]:
    body = http.post("/v1/conversations").json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


def wait_for(check, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_an_idle_stream_gets_a_ping_and_still_its_events(app, monkeypatch):
    monkeypatch.setattr(streams, "PING_SECONDS", 0.2)
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        cid, auth = new_customer(http)
        with http.stream("GET", f"/v1/conversations/{cid}/events", headers=auth) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-store"
            stream = EventStream(response)
            lines = stream._lines  # the raw lines it reads events from
            assert next(lines) == ": ping"  # nothing happened for 0.2 s
            assert next(lines) == ""
            assert next(lines) == ": ping"
            http.post(f"/v1/conversations/{cid}/handoff", headers=auth)
            events = stream.take(2)
    assert [e.type for e in events] == ["message.created", "handoff.requested"]


def test_a_client_that_goes_is_let_go_at_once(app):
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        hub = app.state.services.events
        cid, auth = new_customer(http)
        with httpx.Client(base_url=url, timeout=30) as other:  # its own connection, closed below
            with other.stream("GET", f"/v1/conversations/{cid}/events", headers=auth):
                wait_for(lambda: hub.subscribers == 1)
        wait_for(lambda: hub.subscribers == 0, 2.0)  # not at the next ping, 15 s later


def test_a_stopping_worker_ends_its_open_streams_and_exits(data_dir: Path):
    """uvicorn waits for open responses before it exits, and nothing else ends an event stream."""
    with switchboard_worker(data_dir) as (url, proc), httpx.Client(base_url=url, timeout=30) as http:
        cid, auth = new_customer(http)
        with http.stream("GET", f"/v1/conversations/{cid}/events", headers=auth) as response:
            stream = EventStream(response)
            http.post(f"/v1/conversations/{cid}/handoff", headers=auth)
            assert [e.type for e in stream.take(2)] == ["message.created", "handoff.requested"]
            stopped = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            killer = threading.Timer(15, proc.kill)  # a worker that hangs fails the test, not the run
            killer.start()
            try:
                with pytest.raises((EOFError, httpx.HTTPError)):
                    stream.next()  # the stream ends
            finally:
                killer.cancel()
        assert proc.wait(10) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
        assert time.monotonic() - stopped < 5
