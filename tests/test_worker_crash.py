"""A worker killed with SIGKILL mid-conversation and started again: the customer's line is kept and
answered once, and the customer's stream resumes (Last-Event-ID) with nothing lost or repeated."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx

from .live_server import EventStream, switchboard_worker


def test_a_worker_killed_mid_conversation_loses_nothing_and_the_customer_resumes(data_dir: Path, monkeypatch):
    # a worker takes a line for stranded once it has been quiet four times the model's timeout
    # (api.services.stranded_after): 4 s here, not the 2 min of the default 30 s
    monkeypatch.setenv("SWITCHBOARD_LLM_TIMEOUT_SECONDS", "1")
    with httpx.Client(timeout=30) as http:
        with switchboard_worker(data_dir) as (url, proc):
            conv = http.post(f"{url}/v1/conversations").json()
            auth = {"Authorization": f"Bearer {conv['token']}"}
            events = f"/v1/conversations/{conv['id']}/events"
            line = {"text": "How do I reset my password?", "client_id": "line-1", "wait_for_reply": False}
            with http.stream("GET", url + events, headers=auth) as response:
                stream = EventStream(response)
                stored = http.post(f"{url}/v1/conversations/{conv['id']}/messages", json=line, headers=auth)
                assert stored.is_success
                os.kill(proc.pid, signal.SIGKILL)  # before or while the bot answers
                seen = []
                try:
                    while True:
                        seen.append(stream.next())
                except (EOFError, httpx.HTTPError):
                    pass  # the connection died with the worker
            proc.wait(10)

        with switchboard_worker(data_dir) as (url, _):  # started again on the same data
            last = seen[-1].id if seen else 0
            with http.stream("GET", url + events, headers={**auth, "Last-Event-ID": str(last)}) as response:
                stream = EventStream(response)
                while not any(e.type == "message.created" and e.data["message"]["role"] == "bot" for e in seen):
                    seen.append(stream.next())
            # The customer's retry of the same line (the chat page retries what it did not see
            # acknowledged) is recognised, not stored twice.
            again = http.post(f"{url}/v1/conversations/{conv['id']}/messages", json=line, headers=auth)
            assert again.json()["message"]["id"] == stored.json()["message"]["id"]
            transcript = http.get(f"{url}/v1/conversations/{conv['id']}", headers=auth).json()["messages"]

    ids = [e.id for e in seen]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # resumed with no repeat
    assert [m["role"] for m in transcript] == ["customer", "bot"]  # kept, and answered exactly once
    assert transcript[0]["text"] == "How do I reset my password?"
