"""Events over SSE from a real uvicorn server: live delivery, replay by Last-Event-ID, isolation."""

from __future__ import annotations


import httpx
import pytest

from knowledge import Settings

from .api_helpers import ANSWERABLE, OFF_TOPIC, create_agent
from .live_server import open_stream


@pytest.fixture
def agent(settings: Settings, base_url: str) -> dict[str, str]:
    return create_agent(settings, "alice")


def new_customer(http: httpx.Client) -> tuple[str, dict[str, str], str]:
    body = http.post("/v1/conversations").json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}, body["token"]


def test_agent_sees_a_low_confidence_question_arrive_in_the_queue(http, agent):
    with open_stream(http, "/v1/agent/events", agent) as stream:
        cid, auth, _ = new_customer(http)
        http.post(f"/v1/conversations/{cid}/messages", json={"text": OFF_TOPIC}, headers=auth)
        events = stream.until("handoff.requested")
    assert [e.type for e in events] == ["message.created", "message.created", "handoff.requested"]
    assert events[0].data["message"]["text"] == OFF_TOPIC
    assert events[1].data["message"]["role"] == "bot" and events[1].data["message"]["handoff"] is True
    assert events[2].data == {"conversation_id": cid, "reason": "low_confidence"}
    assert [e.id for e in events] == sorted(e.id for e in events)


def test_customer_stream_carries_the_agent_takeover(http, agent):
    cid, auth, _ = new_customer(http)
    with open_stream(http, f"/v1/conversations/{cid}/events", auth) as stream:
        http.post(f"/v1/conversations/{cid}/messages", json={"text": "talk to a human"}, headers=auth)
        http.post(f"/v1/agent/conversations/{cid}/claim", headers=agent)
        http.post(f"/v1/agent/conversations/{cid}/messages", json={"text": "Hello, Alice here"}, headers=agent)
        events = stream.take(5)
    assert [e.type for e in events] == [
        "message.created", "message.created", "handoff.requested", "conversation.claimed", "message.created"
    ]
    assert events[3].data["agent"]["name"] == "alice"
    assert events[4].data["message"] == {**events[4].data["message"], "role": "agent", "author": "alice"}


def test_reconnecting_with_last_event_id_replays_every_missed_event_once_in_order(http, agent):
    cid, auth, token = new_customer(http)
    with open_stream(http, "/v1/agent/events", agent) as stream:
        http.post(f"/v1/conversations/{cid}/messages", json={"text": ANSWERABLE}, headers=auth)
        seen = stream.take(2)
    # The connection dropped. Meanwhile the conversation goes on.
    http.post(f"/v1/conversations/{cid}/messages", json={"text": OFF_TOPIC}, headers=auth)
    http.post(f"/v1/agent/conversations/{cid}/claim", headers=agent)
    headers = {**agent, "Last-Event-ID": str(seen[-1].id)}
    with open_stream(http, "/v1/agent/events", headers) as stream:
        missed = stream.take(4)
        http.post(f"/v1/agent/conversations/{cid}/close", headers=agent)
        live = stream.next()
    assert [e.type for e in missed] == ["message.created", "message.created", "handoff.requested", "conversation.claimed"]
    ids = [e.id for e in seen + missed + [live]]
    assert ids == sorted(set(ids))  # increasing, no duplicates
    assert live.type == "conversation.closed"


def test_customer_stream_replays_its_conversation_and_only_its_own(http, agent):
    cid, auth, token = new_customer(http)
    other, other_auth, _ = new_customer(http)
    http.post(f"/v1/conversations/{cid}/messages", json={"text": ANSWERABLE}, headers=auth)
    http.post(f"/v1/conversations/{other}/messages", json={"text": "hello"}, headers=other_auth)
    with open_stream(http, f"/v1/conversations/{cid}/events", auth) as stream:
        replay = stream.take(2)
        http.post(f"/v1/conversations/{other}/messages", json={"text": "talk to a human"}, headers=other_auth)
        http.post(f"/v1/conversations/{cid}/handoff", headers=auth)
        live = stream.take(2)
    assert {e.data["conversation_id"] for e in replay + live} == {cid}
    assert [e.type for e in live] == ["message.created", "handoff.requested"]


def test_streams_refuse_the_wrong_token(http, agent):
    cid, _, _ = new_customer(http)
    _, _, other_token = new_customer(http)
    wrong = {"Authorization": f"Bearer {other_token}"}
    assert http.get(f"/v1/conversations/{cid}/events", headers=wrong).status_code == 404
    assert http.get("/v1/agent/events", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_the_agent_stream_takes_no_token_in_its_url(http, agent):
    """A token in a URL ends up in access logs; only the header (or the console's cookie) counts."""
    token = agent["Authorization"].removeprefix("Bearer ")
    assert http.get(f"/v1/agent/events?token={token}").status_code == 401


@pytest.mark.parametrize(
    "header", [b"99999999999999999999999", b"\xb2", b"1\xb2", b"1" * 4301]  # \xb2: "²" in latin-1
)
def test_a_last_event_id_no_event_could_have_is_ignored_not_a_broken_stream(http, header):
    """Found by the API fuzzer: a Last-Event-ID past SQLite's integers broke the stream mid-response
    (OverflowError in the query), and a non-ASCII digit ("²".isdigit() is true) was a 500. Found by
    a security test: past 4300 digits `int()` refuses to convert the header at all, a 500 too."""
    cid, auth, _ = new_customer(http)
    http.post(f"/v1/conversations/{cid}/messages", json={"text": ANSWERABLE}, headers=auth)
    with open_stream(http, f"/v1/conversations/{cid}/events", {**auth, "Last-Event-ID": header}) as stream:
        assert stream.next().type == "message.created"  # replayed from the beginning, as without one


def test_the_agent_stream_ignores_a_last_event_id_too_long_to_be_a_number(http, agent):
    """Found by a security test: a 500, as on the customer's stream. Ignored, it is a stream from now on."""
    with open_stream(http, "/v1/agent/events", {**agent, "Last-Event-ID": "1" * 4301}) as stream:
        cid, auth, _ = new_customer(http)
        http.post(f"/v1/conversations/{cid}/messages", json={"text": OFF_TOPIC}, headers=auth)
        assert stream.next().type == "message.created"


def test_a_last_event_id_query_past_any_event_id_is_refused(http):
    cid, auth, _ = new_customer(http)
    response = http.get(f"/v1/conversations/{cid}/events?last_event_id=99999999999999999999999", headers=auth)
    assert response.status_code == 422


def test_a_conversation_followed_by_too_many_streams_refuses_one_more_until_one_closes(http, monkeypatch):
    """Found by a security test: one address opened 6000 streams on one conversation (anyone may
    start one) and the worker's open files and memory grew without bound."""
    import contextlib
    import time

    import api.routes.customer

    monkeypatch.setattr(api.routes.customer, "MAX_STREAMS_PER_CONVERSATION", 3)
    cid, auth, _ = new_customer(http)
    url = f"/v1/conversations/{cid}/events"
    with contextlib.ExitStack() as tabs:
        for _ in range(3):
            tabs.enter_context(open_stream(http, url, auth))
        time.sleep(0.2)  # each stream is counted once its response has started
        refused = http.get(url, headers=auth)
        assert refused.status_code == 429 and "event streams open" in refused.json()["detail"]
    deadline = time.monotonic() + 5
    while True:  # the closed tabs' streams end on the server: then one more opens
        try:
            with open_stream(http, url, auth):
                break
        except AssertionError:
            assert time.monotonic() < deadline, "no stream opened after the others closed"
            time.sleep(0.2)
