"""A real uvicorn server on a free loopback port, and a small SSE client for tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app, log_level: str = "warning") -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level=log_level, timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Event:
    id: int
    type: str
    data: dict


class EventStream:
    """Reads `text/event-stream` from a live response, one event at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()

    def next(self) -> Event:
        fields: dict[str, str] = {}
        for line in self._lines:
            if line == "":
                if "data" in fields:
                    return Event(int(fields.get("id", "0")), fields.get("event", "message"), json.loads(fields["data"]))
                fields.clear()  # a comment-only block (ping)
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            fields[name] = fields[name] + "\n" + value if name in fields else value
        raise EOFError("stream ended")

    def take(self, n: int) -> list[Event]:
        return [self.next() for _ in range(n)]

    def until(self, type_: str, limit: int = 50) -> list[Event]:
        seen = []
        for _ in range(limit):
            event = self.next()
            seen.append(event)
            if event.type == type_:
                return seen
        raise AssertionError(f"no {type_} in {[e.type for e in seen]}")


@contextmanager
def open_stream(client: httpx.Client, url: str, headers: dict[str, str] | None = None) -> Iterator[EventStream]:
    with client.stream("GET", url, headers=headers or {}, timeout=httpx.Timeout(20.0)) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventStream(response)


SWITCHBOARD = str(Path(sys.executable).parent / "switchboard")


@contextmanager
def switchboard_worker(data_dir: Path, stderr=subprocess.DEVNULL) -> Iterator[tuple[str, subprocess.Popen]]:
    """`switchboard serve` in a process of its own, as production runs it (no rate limits); its
    log goes to `stderr` (a file) if given."""
    port = free_port()
    env = {**os.environ, "SWITCHBOARD_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1",
           "SWITCHBOARD_CONVERSATIONS_PER_MINUTE": "0", "SWITCHBOARD_LINES_PER_MINUTE": "0"}
    proc = subprocess.Popen([SWITCHBOARD, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, "the worker exited at start-up"
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.2)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
