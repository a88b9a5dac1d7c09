"""The HTTP contract: conversations, the ownership state machine, auth boundaries, bad input."""

from __future__ import annotations


import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from knowledge import KnowledgeBase, Settings

from .api_helpers import ANSWERABLE, OFF_TOPIC, create_agent, start_conversation
from .conftest import make_settings


@pytest.fixture
def bob(settings: Settings, client: TestClient) -> dict[str, str]:
    return create_agent(settings, "bob")


def test_health(client):
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/healthz", "/", "/agent", "/widget.js", "/widget"])
def test_an_uptime_monitors_head_request_gets_the_get_answer_without_a_body(client, path):
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.content == b""


def test_every_operation_in_the_api_schema_has_its_own_id(client):
    operations = [op for path in client.get("/openapi.json").json()["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in operations]
    assert ids and len(ids) == len(set(ids))


def test_answerable_question_gets_a_grounded_cited_reply(client):
    customer = start_conversation(client)
    response = customer.say(ANSWERABLE)
    assert response.status_code == 201
    body = response.json()
    assert body["message"]["role"] == "customer" and body["message"]["text"] == ANSWERABLE
    reply = body["reply"]
    assert reply["role"] == "bot" and reply["handoff"] is False
    assert 0.5 <= reply["confidence"] <= 1
    assert reply["sources"][0]["doc_id"] == "account/reset-password"
    assert set(reply["sources"][0]) >= {"doc_id", "title", "url", "chunk_id", "score"}
    assert customer.conversation()["state"] == "bot"


def test_agents_see_why_a_reply_scored_as_it_did_and_customers_do_not(client, alice):
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    seen_by_customer = customer.conversation()["messages"][-1]
    assert "signals" not in seen_by_customer and "draft" not in seen_by_customer
    assert "handoff_detail" not in seen_by_customer
    agent_view = client.get(f"/v1/agent/conversations/{customer.id}", headers=alice).json()
    bot = agent_view["messages"][-1]
    assert bot["signals"]["answerability"] >= 0 and bot["low_signals"]
    assert set(bot["low_signals"]) <= set(bot["signals"])
    assert "threshold" in bot["handoff_detail"] and agent_view["handoff_detail"] == bot["handoff_detail"]


def test_a_request_to_act_on_the_account_goes_to_the_queue_with_its_reason(client, alice):
    customer = start_conversation(client)
    reply = customer.say("please delete my account and all my data").json()["reply"]
    assert reply["handoff"] is True and reply["handoff_reason"] == "escalation"
    queue = client.get("/v1/agent/queue", headers=alice).json()["conversations"]
    assert queue[0]["handoff_reason"] == "escalation" and queue[0]["handoff_detail"]


def test_low_confidence_reply_enters_agent_queue(client, alice):
    customer = start_conversation(client)
    reply = customer.say(OFF_TOPIC).json()["reply"]
    assert reply["handoff"] is True and reply["confidence"] < 0.5 and reply["sources"] == []
    assert "member of our team" in reply["text"]
    assert customer.conversation()["state"] == "queued"
    queue = client.get("/v1/agent/queue", headers=alice).json()["conversations"]
    assert [c["id"] for c in queue] == [customer.id]
    assert queue[0]["handoff_reason"] == "low_confidence"


@pytest.mark.parametrize("text", ["I want to talk to a human", "agent", "Can I speak with a representative?"])
def test_asking_for_a_person_enters_the_queue(client, text):
    customer = start_conversation(client)
    reply = customer.say(text).json()["reply"]
    assert reply["handoff"] is True and reply["handoff_reason"] == "customer_request"
    assert customer.conversation()["state"] == "queued"


def test_handoff_endpoint_queues_and_tells_the_customer(client):
    customer = start_conversation(client)
    response = client.post(f"/v1/conversations/{customer.id}/handoff", headers=customer.auth)
    assert response.status_code == 200 and response.json()["state"] == "queued"
    assert "member of our team" in response.json()["messages"][-1]["text"]
    again = client.post(f"/v1/conversations/{customer.id}/handoff", headers=customer.auth)
    assert again.json()["state"] == "queued" and len(again.json()["messages"]) == 1


def test_bot_stays_silent_while_the_queue_or_an_agent_holds_the_conversation(client, alice):
    customer = start_conversation(client)
    customer.say("talk to a human")
    assert customer.say(ANSWERABLE).json()["reply"] is None
    client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice)
    assert customer.say(ANSWERABLE).json()["reply"] is None
    roles = [m["role"] for m in customer.conversation()["messages"]]
    assert roles == ["customer", "bot", "customer", "customer"]


def test_second_claim_gets_409(client, alice, bob):
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    first = client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice)
    assert first.status_code == 200 and first.json()["agent"]["name"] == "alice"
    second = client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=bob)
    assert second.status_code == 409 and "alice" in second.json()["detail"]
    assert client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice).status_code == 200


def test_an_agent_holds_at_most_the_configured_number_of_chats(data_dir, kb):
    settings = make_settings(data_dir, agent_max_chats=2)
    with TestClient(create_app(settings, kb)) as client:
        alice = create_agent(settings, "alice")
        chats = [start_conversation(client) for _ in range(3)]
        for chat in chats:
            chat.say(OFF_TOPIC)
        claim = lambda chat: client.post(f"/v1/agent/conversations/{chat.id}/claim", headers=alice)  # noqa: E731
        assert claim(chats[0]).status_code == 200 and claim(chats[1]).status_code == 200
        refused = claim(chats[2])
        assert refused.status_code == 409
        assert refused.json()["detail"] == "you already have 2 chats open (the most allowed): close or return one first"
        assert claim(chats[1]).status_code == 200  # re-claiming one already held is no new chat
        taking_over = client.post(f"/v1/agent/conversations/{chats[2].id}/messages", json={"text": "Hi"}, headers=alice)
        assert taking_over.status_code == 409  # replying would take it over: the same limit
        assert client.post(f"/v1/agent/conversations/{chats[0].id}/close", headers=alice).status_code == 200
        assert claim(chats[2]).status_code == 200
        session = client.post("/v1/agent/session", json={"token": alice["Authorization"].split()[1]}).json()
        assert session["max_chats"] == 2
        # at the limit, a reply to a closed chat is refused for being closed, not for the limit
        assert claim(chats[0]).json()["detail"] == "conversation is closed"
        late = client.post(f"/v1/agent/conversations/{chats[0].id}/messages", json={"text": "one more thing"}, headers=alice)
        assert late.status_code == 409 and late.json()["detail"] == "conversation is closed"


def test_agent_can_take_over_a_conversation_the_bot_is_handling(client, alice):
    customer = start_conversation(client)
    customer.say(ANSWERABLE)
    reply = client.post(f"/v1/agent/conversations/{customer.id}/messages", json={"text": "Hi, Alice here."}, headers=alice)
    assert reply.status_code == 201 and reply.json()["author"] == "alice"
    conversation = customer.conversation()
    assert conversation["state"] == "agent" and conversation["agent"]["name"] == "alice"


def test_another_agent_cannot_speak_in_an_owned_conversation(client, alice, bob):
    customer = start_conversation(client)
    client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice)
    response = client.post(f"/v1/agent/conversations/{customer.id}/messages", json={"text": "me too"}, headers=bob)
    assert response.status_code == 409
    assert client.post(f"/v1/agent/conversations/{customer.id}/release", headers=bob).status_code == 409


def test_the_queue_previews_what_the_customer_asked_not_the_bots_handoff_line(client, alice):
    customer = start_conversation(client)
    assert customer.say(OFF_TOPIC).json()["reply"]["handoff"]
    waiting = client.get("/v1/agent/queue", headers=alice).json()["conversations"]
    assert [c["last_message"]["text"] for c in waiting if c["id"] == customer.id] == [OFF_TOPIC]


def test_only_the_agent_holding_a_conversation_corrects_its_bot_replies(client, alice, bob):
    customer = start_conversation(client)
    bot_reply = customer.say(ANSWERABLE).json()["reply"]
    url = f"/v1/agent/conversations/{customer.id}/messages/{bot_reply['id']}/correct"
    client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice)
    assert client.post(url, json={"text": "Bob's view."}, headers=bob).status_code == 409
    assert client.post(url, json={"text": "Alice's view."}, headers=alice).status_code == 201
    assert [m["author"] for m in customer.conversation()["messages"] if m["corrects"]] == ["alice"]


def test_the_queue_keeps_its_order_while_a_waiting_customer_writes_again(client, alice):
    first, second = start_conversation(client), start_conversation(client)
    first.say("talk to a human")
    second.say("talk to a human")
    first.say("hello? anyone there?")
    queue = client.get("/v1/agent/queue", headers=alice).json()["conversations"]
    assert [c["id"] for c in queue] == [first.id, second.id]
    assert queue[0]["queued_at"] <= queue[1]["queued_at"] <= queue[0]["updated_at"]


def test_release_returns_the_conversation_to_the_bot(client, alice):
    customer = start_conversation(client)
    customer.say("talk to a human")
    client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice)
    released = client.post(f"/v1/agent/conversations/{customer.id}/release", headers=alice)
    assert released.status_code == 200 and released.json()["state"] == "bot" and released.json()["agent"] is None
    assert customer.say(ANSWERABLE).json()["reply"]["role"] == "bot"


def test_correction_of_a_bot_reply_reaches_the_customer(client, alice):
    customer = start_conversation(client)
    bot_reply = customer.say(ANSWERABLE).json()["reply"]
    url = f"/v1/agent/conversations/{customer.id}/messages/{bot_reply['id']}/correct"
    correction = client.post(url, json={"text": "Use the 'Forgot password' link instead."}, headers=alice)
    assert correction.status_code == 201 and correction.json()["corrects"] == bot_reply["id"]
    last = customer.conversation()["messages"][-1]
    assert last["corrects"] == bot_reply["id"] and last["author"] == "alice"
    first_message = customer.conversation()["messages"][0]["id"]
    wrong = f"/v1/agent/conversations/{customer.id}/messages/{first_message}/correct"
    assert client.post(wrong, json={"text": "x"}, headers=alice).status_code == 409


def test_closed_conversation_refuses_new_messages(client, alice):
    customer = start_conversation(client)
    closed = client.post(f"/v1/agent/conversations/{customer.id}/close", headers=alice)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    response = customer.say(ANSWERABLE)
    assert response.status_code == 409 and "closed" in response.json()["detail"]
    assert client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice).status_code == 409
    live = client.get("/v1/agent/conversations", headers=alice).json()["conversations"]
    assert customer.id not in [c["id"] for c in live]


def test_a_customer_token_opens_only_its_own_conversation(client):
    mine, theirs = start_conversation(client), start_conversation(client)
    client.cookies.clear()  # the chat page's conversation cookies: tokens are what this is about
    assert client.get(f"/v1/conversations/{theirs.id}", headers=mine.auth).status_code == 404
    response = client.post(f"/v1/conversations/{theirs.id}/messages", json={"text": "hi"}, headers=mine.auth)
    assert response.status_code == 404
    assert client.get(f"/v1/conversations/{mine.id}").status_code == 401


def test_a_token_in_the_url_is_not_accepted(client):
    """URLs end up in access logs and browser history: credentials travel in headers only."""
    mine = start_conversation(client)
    client.cookies.clear()
    assert client.get(f"/v1/conversations/{mine.id}?token={mine.token}").status_code == 401
    assert client.get(f"/v1/conversations/{mine.id}/events?token={mine.token}").status_code == 401


def test_the_chat_page_gets_its_conversation_token_as_an_httponly_cookie_for_that_conversation_only(client):
    created = client.post("/v1/conversations")
    cid = created.json()["id"]
    cookie = created.headers["set-cookie"]
    assert cookie.startswith(f"sb_conversation={created.json()['token']};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and f"Path=/v1/conversations/{cid}" in cookie
    # the cookie alone opens this conversation, and nothing else
    assert client.get(f"/v1/conversations/{cid}").status_code == 200
    assert client.post(f"/v1/conversations/{cid}/messages", json={"text": "hello"}).status_code == 201
    other = start_conversation(client)
    jar = {"sb_conversation": created.json()["token"]}
    client.cookies.clear()
    assert client.get(f"/v1/conversations/{other.id}", cookies=jar).status_code == 404


def test_a_change_made_with_the_conversation_cookie_from_another_site_is_refused(client):
    created = client.post("/v1/conversations").json()
    evil = {"Origin": "https://evil.example"}
    sent = client.post(f"/v1/conversations/{created['id']}/messages", json={"text": "hi"}, headers=evil)
    assert sent.status_code == 403 and "cross-site" in sent.json()["detail"]
    assert client.post(f"/v1/conversations/{created['id']}/handoff", headers=evil).status_code == 403
    # an API client with the token in its header is not a browser: no origin check applies
    bearer = {**evil, "Authorization": f"Bearer {created['token']}"}
    assert client.post(f"/v1/conversations/{created['id']}/handoff", headers=bearer).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1/agent/queue"),
        ("get", "/v1/agent/conversations"),
        ("get", "/v1/agent/events"),
        ("get", "/v1/agent/me"),
        ("post", "/v1/agent/conversations/x/claim"),
        ("post", "/v1/agent/conversations/x/release"),
        ("post", "/v1/agent/conversations/x/close"),
    ],
)
def test_agent_endpoints_without_an_agent_token_get_401(client, method, path):
    assert getattr(client, method)(path).status_code == 401
    assert getattr(client, method)(path, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_customer_token_is_not_an_agent_token(client):
    customer = start_conversation(client)
    assert client.get("/v1/agent/queue", headers=customer.auth).status_code == 401


def test_control_characters_are_dropped_from_a_line_and_its_line_breaks_kept(client):
    customer = start_conversation(client)
    assert customer.say("two\x00 lines\nof text\x1b").status_code in (200, 201)
    assert customer.conversation()["messages"][0]["text"] == "two lines\nof text"


def test_unknown_conversation_gets_404(client, alice):
    assert client.get("/v1/conversations/nope", headers={"Authorization": "Bearer x"}).status_code == 404
    assert client.post("/v1/agent/conversations/nope/claim", headers=alice).status_code == 404
    assert client.get("/v1/agent/conversations/nope", headers=alice).status_code == 404


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"text": ""}, "empty"),
        ({"text": "   \n "}, "empty"),
        ({"text": "\u200b\u200b \ufeff"}, "empty"),
        ({"text": "\x00\x07"}, "empty"),
        ({"text": "x" * 4001}, "limit is 4000"),
        ({}, "text"),
        ({"text": 42}, "string"),
        ({"text": "hi", "extra": 1}, "extra"),
    ],
)
def test_bad_messages_get_422_with_a_clear_error(client, body, fragment):
    customer = start_conversation(client)
    response = client.post(f"/v1/conversations/{customer.id}/messages", json=body, headers=customer.auth)
    assert response.status_code == 422
    assert fragment in str(response.json()["detail"]).lower()
    assert customer.conversation()["messages"] == []


def test_malformed_json_gets_422_and_oversized_body_gets_413(client):
    customer = start_conversation(client)
    url = f"/v1/conversations/{customer.id}/messages"
    headers = {**customer.auth, "Content-Type": "application/json"}
    assert client.post(url, content=b'{"text": ', headers=headers).status_code == 422
    huge = client.post(url, content=b'{"text": "' + b"x" * 300_000 + b'"}', headers=headers)
    assert huge.status_code == 413 and "over" in huge.json()["detail"]

    def chunks():  # no Content-Length: the body is counted as it arrives
        yield b'{"text": "'
        for _ in range(40):
            yield b"x" * 10_000
        yield b'"}'

    chunked = client.post(url, content=chunks(), headers=headers)
    assert chunked.status_code == 413 and "over" in chunked.json()["detail"]
    assert customer.conversation()["messages"] == []


def test_card_numbers_are_masked_before_anyone_sees_them(client, alice):
    customer = start_conversation(client)
    customer.say("talk to a human")
    sent = customer.say("My card 4242 4242 4242 4242 was charged twice").json()["message"]
    assert "4242 4242 4242 4242" not in sent["text"] and sent["text"].endswith("•••• 4242 was charged twice")
    transcript = client.get(f"/v1/agent/conversations/{customer.id}", headers=alice).json()
    assert all("4242 4242 4242 4242" not in m["text"] for m in transcript["messages"])


def test_a_restart_loses_nothing(settings, kb, embedder):
    with TestClient(create_app(settings, kb)) as client:
        customer = start_conversation(client)
        customer.say(ANSWERABLE)
        customer.say(OFF_TOPIC)
        before = customer.conversation()
    restarted = KnowledgeBase(make_settings(settings.data_dir), embedder=embedder)
    with TestClient(create_app(settings, restarted)) as client:
        customer.client = client
        after = customer.conversation()
        assert after == before and after["state"] == "queued" and len(after["messages"]) == 4


def test_an_agent_flags_a_bot_reply_as_a_bad_answer_and_the_flag_is_audited(client, alice, settings):
    customer = start_conversation(client)
    customer.say(ANSWERABLE)
    bot = next(m for m in customer.conversation()["messages"] if m["role"] == "bot")
    url = f"/v1/agent/conversations/{customer.id}/messages/{bot['id']}/flag"
    flagged = client.post(url, json={"note": "wrong article; card 4111 1111 1111 1111"}, headers=alice)
    assert flagged.status_code == 201 and flagged.json()["flagged_by"] == "alice"
    assert "4111 1111" not in flagged.json()["note"]
    view = client.get(f"/v1/agent/conversations/{customer.id}", headers=alice).json()
    assert [m["flagged"] for m in view["messages"]] == [False, True]
    assert "flagged" not in customer.conversation()["messages"][1]  # customers never see it
    customer_line = view["messages"][0]["id"]
    assert client.post(f"/v1/agent/conversations/{customer.id}/messages/{customer_line}/flag", json={}, headers=alice).status_code == 409
    assert client.post(f"/v1/agent/conversations/{customer.id}/messages/9999/flag", json={}, headers=alice).status_code == 404
    assert client.post(url, json={}, headers=customer.auth).status_code == 401


def test_a_typing_signal_reaches_the_customers_stream_and_not_a_closed_conversation(client, alice):
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    url = f"/v1/agent/conversations/{customer.id}/typing"
    assert client.post(url, headers=alice).status_code == 204
    assert client.post(url, headers=customer.auth).status_code == 401
    assert client.post("/v1/agent/conversations/nope/typing", headers=alice).status_code == 404
    client.post(f"/v1/agent/conversations/{customer.id}/close", headers=alice)
    assert client.post(url, headers=alice).status_code == 409


def test_only_the_agent_holding_a_conversation_is_shown_typing_in_it(client, alice, bob):
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    url = f"/v1/agent/conversations/{customer.id}/typing"
    assert client.post(url, headers=bob).status_code == 204  # waiting in the queue: about to claim it
    assert client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice).status_code == 200
    assert client.post(url, headers=bob).status_code == 409
    assert client.post(url, headers=alice).status_code == 204


@pytest.mark.parametrize(("asset", "media_type"), [("chat.js", "text/javascript"), ("app.css", "text/css")])
def test_the_pages_scripts_and_styles_are_sent_compressed_and_revalidated(client, asset, media_type):
    plain = client.get(f"/static/{asset}", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.headers["content-type"].startswith(media_type)
    packed = client.get(f"/static/{asset}", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.content == plain.content
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    again = client.get(f"/static/{asset}", headers={"If-None-Match": packed.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/static/missing.js").status_code == 404
    assert client.get("/static/../app.py").status_code == 404


@pytest.mark.parametrize("name", ["a%00b.js", "a%00b.css", "a%00b.png", "a" * 300 + ".js"])
def test_a_static_path_no_file_can_have_is_404_not_500(client, name):
    """Found by a security test: a NUL byte in a script's or style's name was a ValueError (500)
    before any check, where an image's got the 404 of any missing file."""
    assert client.get(f"/static/{name}").status_code == 404


def test_pages_are_served_only_with_their_own_headers_never_as_static_files(client):
    # /static/agent.html had no frame-ancestors: a sibling origin could frame a signed-in console
    for page in ("agent.html", "chat.html", "AGENT.HTML"):
        assert client.get(f"/static/{page}").status_code == 404
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/agent").headers["x-frame-options"] == "DENY"
