"""A client that drops its event stream and reconnects (with Last-Event-ID) again and again, at
random points, while the conversation goes on: it still gets every event exactly once, in order."""

from __future__ import annotations

import random
import threading

import httpx

from .api_helpers import create_agent
from .live_server import EventStream, open_stream


def test_a_client_that_reconnects_100_times_at_random_points_gets_every_event_once_in_order(base_url, settings):
    agent = create_agent(settings, "alice")
    rng = random.Random(7)
    with httpx.Client(base_url=base_url, timeout=30) as http:
        conversations = []
        for _ in range(3):
            made = http.post("/v1/conversations").json()
            conversations.append((made["id"], {"Authorization": f"Bearer {made['token']}"}))

        def customers_talk() -> None:  # a client of their own: the reader's drops do not touch it
            with httpx.Client(base_url=base_url, timeout=30) as customers:
                for n in range(30):
                    conversation_id, auth = conversations[n % 3]
                    line = {"text": f"line {n}: how do I reset my password?", "wait_for_reply": False}
                    sent = customers.post(f"/v1/conversations/{conversation_id}/messages", json=line, headers=auth)
                    assert sent.is_success, sent.text

        talk = threading.Thread(target=customers_talk)
        talk.start()
        seen: list[int] = []
        for _ in range(100):  # each time: read a few events (or none), drop the connection mid-stream
            headers = {**agent, "Last-Event-ID": str(seen[-1] if seen else 0)}
            try:
                with http.stream("GET", "/v1/agent/events", headers=headers, timeout=httpx.Timeout(20.0, read=0.15)) as response:
                    stream = EventStream(response)
                    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                        seen.append(stream.next().id)
            except httpx.ReadTimeout:  # nothing new for now (or no answer yet): drop it all the same
                pass
        talk.join()

        # The reference: a fresh replay of everything, read until the bot has answered the last
        # line and nothing new comes for 3 s.
        everything: list[int] = []
        lines = 0
        quiet = httpx.Timeout(20.0, read=3.0)
        with http.stream("GET", "/v1/agent/events", headers={**agent, "Last-Event-ID": "0"}, timeout=quiet) as response:
            stream = EventStream(response)
            try:
                while True:
                    event = stream.next()
                    everything.append(event.id)
                    lines += event.type == "message.created" and event.data["message"]["role"] == "customer"
            except httpx.ReadTimeout:
                pass
        assert lines == 30 and len(everything) > 33  # every line, and the bot's replies to them
        # The reconnecting client stays connected at last, and catches up.
        with open_stream(http, "/v1/agent/events", {**agent, "Last-Event-ID": str(seen[-1])}) as stream:
            while len(seen) < len(everything):
                seen.append(stream.next().id)
    assert seen == everything  # no event lost, none twice, in order
    assert len(set(seen)) == len(seen)
