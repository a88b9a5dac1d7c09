"""Credentials that never leak: console sessions in an HttpOnly cookie, CSRF on every change made
with that cookie, no token in any URL, revocation that takes effect at once, rate-limited
sign-ins, and roles."""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api import presence
from api.agents import by_name, create_or_rotate, revoke
from api.app import create_app
from api.auth import hash_token
from api.cli import main
from api.db import agents, open_database
from api.ratelimit import FailureLimiter, RedisFailureLimiter
from api.sessions import find_session, start_session
from api.stream_guard import RECHECK_SECONDS
from knowledge import Settings

from .api_helpers import OFF_TOPIC, create_agent, start_conversation
from .conftest import make_settings
from .live_server import open_stream

CONSOLE = "/v1/agent/session"


def token_of(header: dict[str, str]) -> str:
    return header["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def root(settings: Settings, client: TestClient) -> dict[str, str]:
    """An admin agent, made as `switchboard agent create root --role admin` makes it."""
    result = cli(settings, "agent", "create", "root", "--role", "admin")
    return {"Authorization": f"Bearer {result.stdout.strip().splitlines()[-1]}"}


def cli(settings: Settings, *args: str):
    result = CliRunner().invoke(main, list(args), env={"SWITCHBOARD_DATA_DIR": str(settings.data_dir)})
    assert result.exit_code == 0, result.output
    return result


def sign_in(client: TestClient, auth: dict[str, str]) -> dict:
    response = client.post(CONSOLE, json={"token": token_of(auth)})
    assert response.status_code == 200, response.text
    return response.json()


def queued_conversation(client: TestClient) -> str:
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    return customer.id


def cookie_only(client: TestClient, secret: str) -> dict[str, str]:
    """A request carrying this session cookie and nothing else (the client's own jar is bypassed)."""
    client.cookies.clear()
    return {"Cookie": f"sb_session={secret}"}


async def _with_engine(settings: Settings, action):
    engine = await open_database(settings.resolved_database_url)
    try:
        return await action(engine)
    finally:
        await engine.dispose()


# ----- signing in ----------------------------------------------------------------------------


def test_signing_in_sets_an_httponly_strict_cookie_and_the_console_api_works_with_it_alone(client, alice, settings):
    response = client.post(CONSOLE, json={"token": token_of(alice)})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("sb_session=")
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # plain HTTP to this machine (the test client's host)

    body = response.json()
    assert body["agent"] == {"id": body["agent"]["id"], "name": "alice", "role": "agent"}
    assert body["csrf_token"] and datetime.fromisoformat(body["expires_at"]) > datetime.now(UTC)

    secret = client.cookies["sb_session"]
    assert secret != token_of(alice)
    assert client.get("/v1/agent/queue").status_code == 200  # no Authorization header: the cookie alone
    assert client.get("/v1/agent/me").json() == body["agent"]
    stored = "".join(f.read_bytes().decode("latin-1") for f in settings.data_dir.glob("switchboard.db*"))
    assert hash_token(secret) in stored and secret not in stored  # (the database file and its WAL)


@pytest.mark.parametrize(
    ("url", "secure"),
    [
        ("http://localhost/v1/agent/session", False),
        ("http://127.0.0.1:8000/v1/agent/session", False),
        ("https://support.example.com/v1/agent/session", True),
        ("http://support.example.com/v1/agent/session", True),  # never sent back over plain HTTP
    ],
)
def test_the_session_cookie_is_secure_except_over_plain_http_to_this_machine(client, alice, url, secure):
    response = client.post(url, json={"token": token_of(alice)})
    assert response.status_code == 200
    attributes = {part.strip().lower() for part in response.headers["set-cookie"].split(";")}
    assert ("secure" in attributes) is secure


def test_get_session_restores_the_signed_in_state_after_a_reload(client, alice):
    signed_in = sign_in(client, alice)
    restored = client.get(CONSOLE)
    assert restored.status_code == 200 and restored.json() == signed_in
    client.cookies.clear()
    assert client.get(CONSOLE).status_code == 401


def test_a_bad_token_opens_no_session(client, alice):
    response = client.post(CONSOLE, json={"token": "not-a-token"})
    assert response.status_code == 401 and "invalid" in response.json()["detail"]
    assert "set-cookie" not in response.headers


# ----- CSRF and origins ----------------------------------------------------------------------


def test_a_change_made_with_the_cookie_but_without_the_csrf_token_gets_403(client, alice):
    csrf = sign_in(client, alice)["csrf_token"]
    cid = queued_conversation(client)
    claim = f"/v1/agent/conversations/{cid}/claim"

    missing = client.post(claim)
    assert missing.status_code == 403 and "X-CSRF-Token" in missing.json()["detail"]
    wrong = client.post(claim, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403 and "does not match" in wrong.json()["detail"]
    assert client.get(f"/v1/agent/conversations/{cid}").json()["state"] == "queued"  # nothing happened

    assert client.post(claim, headers={"X-CSRF-Token": csrf}).status_code == 200


def test_a_change_from_another_origin_is_refused_even_with_the_csrf_token(client, alice):
    csrf = sign_in(client, alice)["csrf_token"]
    cid = queued_conversation(client)
    claim = f"/v1/agent/conversations/{cid}/claim"
    foreign = client.post(claim, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "cross-site" in foreign.json()["detail"]
    same = client.post(claim, headers={"X-CSRF-Token": csrf, "Origin": "http://testserver"})
    assert same.status_code == 200


def test_a_cross_site_html_form_posting_to_an_agent_action_is_refused(client, alice):
    sign_in(client, alice)
    cid = queued_conversation(client)
    form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"}
    url = f"/v1/agent/conversations/{cid}/messages"
    assert client.post(url, content=b"text=hello", headers=form).status_code == 403
    # A browser that sends no Origin still cannot add the CSRF header to a form.
    no_origin = {"Content-Type": "application/x-www-form-urlencoded"}
    assert client.post(url, content=b"text=hello", headers=no_origin).status_code == 403
    assert client.get(f"/v1/agent/conversations/{cid}").json()["state"] == "queued"


def test_a_session_cannot_be_opened_from_another_site(client, alice):
    response = client.post(CONSOLE, json={"token": token_of(alice)}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and "set-cookie" not in response.headers


def test_bearer_tokens_need_no_csrf_token(client, alice):
    cid = queued_conversation(client)
    assert client.post(f"/v1/agent/conversations/{cid}/claim", headers=alice).status_code == 200


# ----- no token in a URL ---------------------------------------------------------------------


def test_a_token_in_the_url_is_refused_on_agent_and_conversation_endpoints(client, alice):
    customer = start_conversation(client)
    client.cookies.clear()  # the conversation cookie would open it without any token
    agent_token = token_of(alice)
    assert client.get(f"/v1/agent/events?token={agent_token}").status_code == 401
    assert client.get(f"/v1/agent/queue?token={agent_token}").status_code == 401
    assert client.get(f"/v1/conversations/{customer.id}?token={customer.token}").status_code == 401
    assert client.get(f"/v1/conversations/{customer.id}/events?token={customer.token}").status_code == 401


# ----- the end of a session ------------------------------------------------------------------


def test_signing_out_ends_the_session_and_a_replayed_cookie_gets_401(client, alice):
    csrf = sign_in(client, alice)["csrf_token"]
    secret = client.cookies["sb_session"]
    assert client.delete(CONSOLE).status_code == 403  # signing out is a change too: CSRF token needed

    response = client.delete(CONSOLE, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    assert response.headers["set-cookie"].startswith('sb_session=""') or "max-age=0" in response.headers[
        "set-cookie"
    ].lower()
    replay = cookie_only(client, secret)
    assert client.get("/v1/agent/queue", headers=replay).status_code == 401
    assert client.get(CONSOLE, headers=replay).status_code == 401


def test_an_expired_session_gets_401(settings, kb, alice):
    lifetime = 1.5  # seconds
    with TestClient(create_app(settings.model_copy(update={"session_hours": lifetime / 3600}), kb)) as client:
        sign_in(client, alice)
        cookie = cookie_only(client, client.cookies["sb_session"])
        assert client.get("/v1/agent/queue", headers=cookie).status_code == 200
        time.sleep(lifetime + 0.2)
        assert client.get("/v1/agent/queue", headers=cookie).status_code == 401
        assert client.get(CONSOLE, headers=cookie).status_code == 401


def test_a_session_is_found_until_it_expires(settings, alice):
    async def scenario(engine):
        account = await by_name(engine, "alice")
        start = datetime(2030, 1, 1, tzinfo=UTC)
        secret, session = await start_session(engine, account, hours=12, now=start)
        assert session.expires_at == start + timedelta(hours=12)
        assert (await find_session(engine, secret, now=start + timedelta(hours=11, minutes=59))) == session
        assert await find_session(engine, secret, now=start + timedelta(hours=12)) is None

    asyncio.run(_with_engine(settings, scenario))


def test_a_session_ends_when_the_token_that_opened_it_expires(settings, alice):
    """A token expiring in an hour opened a 12-hour session: the console kept working for 11 hours
    on a credential no longer valid."""

    async def scenario(engine):
        account = await by_name(engine, "alice")
        issued = account.token_issued_at
        opened = issued + timedelta(days=90) - timedelta(hours=1)
        secret, _ = await start_session(engine, account, hours=12, now=opened)
        assert await find_session(engine, secret, token_days=90, now=opened + timedelta(minutes=59)) is not None
        assert await find_session(engine, secret, token_days=90, now=opened + timedelta(hours=1, minutes=1)) is None
        assert await find_session(engine, secret, token_days=0, now=opened + timedelta(hours=2)) is not None  # never expire

    asyncio.run(_with_engine(settings, scenario))


def test_revoking_an_agent_from_the_cli_kills_its_token_and_sessions_at_once(client, alice, settings):
    sign_in(client, alice)
    assert client.get("/v1/agent/queue").status_code == 200

    result = cli(settings, "agent", "revoke", "alice")
    assert "revoked" in result.stdout

    assert client.get("/v1/agent/queue").status_code == 401  # the session
    client.cookies.clear()
    assert client.get("/v1/agent/queue", headers=alice).status_code == 401  # the token
    assert client.post(CONSOLE, json={"token": token_of(alice)}).status_code == 401  # no new session either


def test_a_new_token_ends_old_sessions_and_lifts_a_revocation(client, alice, settings):
    sign_in(client, alice)
    cli(settings, "agent", "revoke", "alice")
    token = cli(settings, "agent", "create", "alice").stdout.strip().splitlines()[-1]
    assert client.get("/v1/agent/queue").status_code == 401  # the old session stays dead
    client.cookies.clear()
    assert client.get("/v1/agent/queue", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_an_agent_event_stream_ends_when_its_agent_is_revoked(http, settings):
    alice = create_agent(settings, "alice")
    assert http.post(CONSOLE, json={"token": token_of(alice)}).status_code == 200
    with open_stream(http, "/v1/agent/events") as stream:
        asyncio.run(_with_engine(settings, lambda engine: _revoke_by_name(engine, "alice")))
        started = time.monotonic()
        with pytest.raises((EOFError, httpx.RemoteProtocolError)):
            stream.next()
    assert time.monotonic() - started < 10
    assert http.get("/v1/agent/events").status_code == 401  # the reconnect is refused


def test_revoking_through_the_admin_api_ends_the_agents_open_stream_at_once(http, settings):
    """Not at the next periodic re-check: the revocation itself wakes every stream's watcher."""
    alice = create_agent(settings, "alice")
    root = cli(settings, "agent", "create", "root", "--role", "admin").stdout.strip().splitlines()[-1]
    admin = {"Authorization": f"Bearer {root}"}
    alice_id = next(a["id"] for a in http.get("/v1/admin/agents", headers=admin).json()["agents"] if a["name"] == "alice")
    with open_stream(http, "/v1/agent/events", headers=alice) as stream:
        started = time.monotonic()
        assert http.post(f"/v1/admin/agents/{alice_id}/revoke", headers=admin).status_code == 200
        with pytest.raises((EOFError, httpx.RemoteProtocolError)):
            stream.next()
        assert time.monotonic() - started < RECHECK_SECONDS


def test_signing_out_ends_the_sessions_open_stream_at_once(http, settings):
    alice = create_agent(settings, "alice")
    session = http.post(CONSOLE, json={"token": token_of(alice)}).json()
    with open_stream(http, "/v1/agent/events") as stream:
        started = time.monotonic()
        assert http.delete(CONSOLE, headers={"X-CSRF-Token": session["csrf_token"]}).status_code == 204
        with pytest.raises((EOFError, httpx.RemoteProtocolError)):
            stream.next()
        assert time.monotonic() - started < RECHECK_SECONDS


async def _revoke_by_name(engine, name: str) -> None:
    await revoke(engine, (await by_name(engine, name)).id)


# ----- failed sign-ins -----------------------------------------------------------------------


def test_the_sixth_failed_sign_in_from_one_address_gets_429_with_retry_after(client, alice):
    now = [1000.0]
    client.app.state.services.sign_ins = FailureLimiter(limit=5, window_seconds=60, clock=lambda: now[0])
    for _ in range(5):
        assert client.post(CONSOLE, json={"token": "guess"}).status_code == 401
    refused = client.post(CONSOLE, json={"token": "guess"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # While refused, even the right token is not tried.
    assert client.post(CONSOLE, json={"token": token_of(alice)}).status_code == 429
    now[0] += 61
    assert client.post(CONSOLE, json={"token": token_of(alice)}).status_code == 200


async def _count_failures_in_a_sliding_window(limiter, now: list[float], client: str, other: str) -> None:
    await limiter.record_failure(client)
    now[0] += 30
    await limiter.record_failure(client)
    assert await limiter.retry_after(client) == 30
    assert await limiter.retry_after(other) is None  # another client is not affected
    now[0] += 30.5
    assert await limiter.retry_after(client) is None  # the first failure has left the window


def test_failures_are_counted_in_a_sliding_window_per_client():
    now = [0.0]
    limiter = FailureLimiter(limit=2, window_seconds=60, clock=lambda: now[0])
    asyncio.run(_count_failures_in_a_sliding_window(limiter, now, "10.0.0.1", "10.0.0.2"))


def test_with_redis_every_worker_counts_the_same_failures(redis_url):
    """Two workers' limiters share one window, so a client cannot multiply its guesses by the
    number of workers behind the load balancer."""
    client, other = f"10.9.{secrets.randbelow(250)}.{secrets.randbelow(250)}", "10.8.0.1"

    async def scenario() -> None:
        now = [time.time()]
        first, second = (
            RedisFailureLimiter(redis_url, limit=2, window_seconds=60, clock=lambda: now[0]) for _ in range(2)
        )
        try:
            await first.record_failure(client)
            await second.record_failure(client)
            assert await first.retry_after(client) == 60 and await second.retry_after(client) == 60
            assert await second.retry_after(other) is None
            now[0] += 61
            assert await first.retry_after(client) is None
            await _count_failures_in_a_sliding_window(second, now, client, other)
        finally:
            await first.close()
            await second.close()

    asyncio.run(scenario())


async def _all_at_once(limiters, client: str, n: int) -> int:
    """How many of `n` hits sent at the same moment, spread over `limiters`, were counted."""
    taken = await asyncio.gather(*(limiters[i % len(limiters)].take(client) for i in range(n)))
    return sum(t.wait is None for t in taken)


def test_hits_sent_at_the_same_moment_are_counted_up_to_the_limit_and_no_further(redis_url):
    """Checking, then counting, in two steps let 21 of 40 simultaneous wrong sign-ins through a
    limit of 5 (and 50 of 80 new conversations through one of 30) across two workers."""
    client = f"10.7.{secrets.randbelow(250)}.{secrets.randbelow(250)}"

    async def scenario() -> None:
        assert await _all_at_once([FailureLimiter(limit=5, window_seconds=60)], client, 40) == 5
        workers = [RedisFailureLimiter(redis_url, limit=5, window_seconds=60) for _ in range(2)]
        try:
            assert await _all_at_once(workers, client, 40) == 5
            refused = await workers[0].take(client)
            assert refused.wait is not None and 0 < refused.wait <= 60
        finally:
            for w in workers:
                await w.close()

    asyncio.run(scenario())


def test_a_sign_in_whose_token_is_right_is_not_counted_as_a_failure(client, alice):
    now = [1000.0]

    def moving() -> float:  # every reading later than the last, as a real clock's
        now[0] += 0.001
        return now[0]

    client.app.state.services.sign_ins = FailureLimiter(limit=2, window_seconds=60, clock=moving)
    for _ in range(3):
        assert client.post(CONSOLE, json={"token": token_of(alice)}).status_code == 200
    assert client.post(CONSOLE, json={"token": "guess"}).status_code == 401
    assert client.post(CONSOLE, json={"token": token_of(alice)}).status_code == 200  # one failure of two
    assert client.post(CONSOLE, json={"token": "guess"}).status_code == 401
    assert client.post(CONSOLE, json={"token": token_of(alice)}).status_code == 429


def test_a_redis_limiter_that_cannot_reach_redis_counts_locally_instead_of_failing():
    async def scenario() -> None:
        now = [0.0]
        limiter = RedisFailureLimiter("redis://127.0.0.1:1/0", limit=2, window_seconds=60, clock=lambda: now[0])
        try:
            await _count_failures_in_a_sliding_window(limiter, now, "10.0.0.1", "10.0.0.2")
        finally:
            await limiter.close()

    asyncio.run(scenario())


# ----- roles and administration --------------------------------------------------------------


def test_me_tells_an_agent_its_role(client, alice, root):
    assert client.get("/v1/agent/me", headers=alice).json()["role"] == "agent"
    assert client.get("/v1/agent/me", headers=root).json()["role"] == "admin"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/v1/admin/agents", None),
        ("post", "/v1/admin/agents", {"name": "mallory", "role": "admin"}),
        ("post", "/v1/admin/agents/1/revoke", None),
        ("patch", "/v1/admin/agents/1", {"role": "admin"}),
        ("get", "/v1/admin/canned-responses", None),
        ("post", "/v1/admin/canned-responses", {"shortcut": "x", "title": "x", "text": "x"}),
        ("patch", "/v1/admin/canned-responses/1", {"text": "x"}),
        ("delete", "/v1/admin/canned-responses/1", None),
        ("get", "/v1/admin/escalation-rules", None),
        ("put", "/v1/admin/escalation-rules", {"yaml": "rules: []"}),
        ("delete", "/v1/admin/escalation-rules", None),
        ("get", "/v1/admin/metrics", None),
    ],
)
def test_an_agent_who_is_not_an_admin_gets_403_from_the_admin_api(client, alice, method, path, body):
    kwargs = {"json": body} if body else {}
    assert client.request(method.upper(), path, headers=alice, **kwargs).status_code == 403
    assert client.request(method.upper(), path, **kwargs).status_code == 401


def test_an_admin_creates_lists_promotes_and_revokes_agents(client, root):
    created = client.post("/v1/admin/agents", json={"name": "carol"}, headers=root)
    assert created.status_code == 201
    carol, token = created.json()["agent"], created.json()["token"]
    assert carol["role"] == "agent" and carol["revoked_at"] is None
    carol_auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/agent/me", headers=carol_auth).json()["name"] == "carol"
    assert client.post("/v1/admin/agents", json={"name": "carol"}, headers=root).status_code == 409

    listed = client.get("/v1/admin/agents", headers=root).json()["agents"]
    assert [(a["name"], a["role"]) for a in listed] == [("carol", "agent"), ("root", "admin")]
    assert all("token" not in a and "token_hash" not in a for a in listed)

    promoted = client.patch(f"/v1/admin/agents/{carol['id']}", json={"role": "admin"}, headers=root)
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    assert client.get("/v1/admin/agents", headers=carol_auth).status_code == 200

    revoked = client.post(f"/v1/admin/agents/{carol['id']}/revoke", headers=root)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/v1/agent/me", headers=carol_auth).status_code == 401
    assert client.post("/v1/admin/agents/999/revoke", headers=root).status_code == 404
    assert client.patch(f"/v1/admin/agents/{carol['id']}", json={"role": "boss"}, headers=root).status_code == 422


def test_the_last_admin_cannot_be_demoted_or_revoked_through_the_api(client, root, settings):
    """Nobody could have administered the service again but from the server's command line."""
    root_id = client.get("/v1/agent/me", headers=root).json()["id"]
    demoted = client.patch(f"/v1/admin/agents/{root_id}", json={"role": "agent"}, headers=root)
    assert demoted.status_code == 409 and "last admin" in demoted.json()["detail"]
    assert client.post(f"/v1/admin/agents/{root_id}/revoke", headers=root).status_code == 409
    assert client.get("/v1/admin/agents", headers=root).status_code == 200  # still an admin

    carol = client.post("/v1/admin/agents", json={"name": "carol", "role": "admin"}, headers=root).json()["agent"]
    named_cli = client.post("/v1/admin/agents", json={"name": "cli", "role": "admin"}, headers=root).json()
    cli_auth = {"Authorization": f"Bearer {named_cli['token']}"}
    assert client.post(f"/v1/admin/agents/{carol['id']}/revoke", headers=cli_auth).status_code == 200
    assert client.patch(f"/v1/admin/agents/{root_id}", json={"role": "agent"}, headers=root).status_code == 200
    # an admin named "cli" is no command line: the last admin still
    own = client.patch(f"/v1/admin/agents/{named_cli['agent']['id']}", json={"role": "agent"}, headers=cli_auth)
    assert own.status_code == 409
    # the command line, the way back, may leave none
    assert cli(settings, "agent", "revoke", "cli").exit_code == 0


def test_agent_names_are_one_person_whatever_their_case(client, root, settings):
    assert client.post("/v1/admin/agents", json={"name": "carol"}, headers=root).status_code == 201
    again = client.post("/v1/admin/agents", json={"name": "Carol"}, headers=root)
    assert again.status_code == 409 and "'carol'" in again.json()["detail"]
    rotated = cli(settings, "agent", "create", "Carol ")
    assert "new token for agent 'carol'" in rotated.stdout


def test_agent_names_are_one_person_whatever_the_case_of_their_letters_beyond_ascii(client, root):
    """SQLite's lower() folds ASCII letters alone: "émile" was a second agent beside "Émile"."""
    assert client.post("/v1/admin/agents", json={"name": "Émile"}, headers=root).status_code == 201
    again = client.post("/v1/admin/agents", json={"name": "émile"}, headers=root)
    assert again.status_code == 409 and "'Émile'" in again.json()["detail"]


@pytest.mark.parametrize("name", [
    "a\u0000b",  # PostgreSQL refuses NUL in text: a 500 there
    "line\nINFO: fake",  # a forged log line
    "tab\there", "bob\u200b", "\u200dbob", "bob\u00ad", "\u202ebob", "bob\u2028x", "bob\u3164",
])
def test_an_agent_name_holding_a_control_or_invisible_character_is_refused(client, root, settings, name):
    """Found by a security test: admins could create "bob" with a zero-width space after it, an
    agent customers and colleagues would take for bob."""
    refused = client.post("/v1/admin/agents", json={"name": name}, headers=root)
    assert refused.status_code == 422
    assert "control or invisible characters" in refused.json()["detail"]
    assert [a["name"] for a in client.get("/v1/admin/agents", headers=root).json()["agents"]] == ["root"]
    from_the_command_line = CliRunner().invoke(
        main, ["agent", "create", name], env={"SWITCHBOARD_DATA_DIR": str(settings.data_dir)}
    )
    assert from_the_command_line.exit_code != 0 and "control or invisible" in from_the_command_line.output


@pytest.mark.parametrize("name", [" ", "\u200b", " \u200b\u2060 ", "\n"])
def test_an_agent_name_that_shows_nothing_is_refused(client, root, name):
    refused = client.post("/v1/admin/agents", json={"name": name}, headers=root)
    assert refused.status_code == 422 and "shows nothing" in refused.json()["detail"]


def test_an_agent_name_is_stored_without_the_spaces_around_it(client, root):
    created = client.post("/v1/admin/agents", json={"name": "  Dave Jones \u00a0"}, headers=root)
    assert created.json()["agent"]["name"] == "Dave Jones"


def test_a_name_stored_before_hidden_characters_were_refused_is_read_without_them(client, root, settings):
    async def store_old_name() -> None:
        engine = await open_database(settings.resolved_database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(agents.insert().values(
                    name="bob\u200b", token_hash=hash_token("old"), role="agent", created_at=datetime.now(UTC)
                ))
        finally:
            await engine.dispose()

    asyncio.run(store_old_name())
    again = client.post("/v1/admin/agents", json={"name": "Bob"}, headers=root)
    assert again.status_code == 409 and "exists already" in again.json()["detail"]


def test_revoking_through_the_admin_api_ends_the_agents_console_sessions(client, alice, root):
    sign_in(client, alice)
    secret = client.cookies["sb_session"]
    alice_id = client.get("/v1/agent/me").json()["id"]
    client.cookies.clear()
    assert client.post(f"/v1/admin/agents/{alice_id}/revoke", headers=root).status_code == 200
    assert client.get("/v1/agent/queue", headers=cookie_only(client, secret)).status_code == 401


def test_the_chats_a_revoked_agent_held_go_back_to_the_queue_and_its_card_request_ends(client, alice, root, settings):
    # they had stayed held by carol: no one could claim, release or close them, the bot did not
    # answer, and a card sent to her request was accepted into a chat nobody could act on
    carol = create_agent(settings, "carol")
    waiting, held = start_conversation(client), start_conversation(client)
    for customer in (waiting, held):
        customer.say(OFF_TOPIC)
    assert client.post(f"/v1/agent/conversations/{held.id}/claim", headers=carol).status_code == 200
    made = client.post(f"/v1/agent/conversations/{held.id}/payment-requests", json={}, headers=carol)
    assert made.status_code == 201
    carol_id = client.get("/v1/agent/me", headers=carol).json()["id"]

    assert client.post(f"/v1/admin/agents/{carol_id}/revoke", headers=root).status_code == 200
    view = held.conversation()
    assert view["state"] == "queued" and view["agent"] is None and view["payment_request"] is None
    queue = client.get("/v1/agent/queue", headers=alice).json()["conversations"]
    assert [c["id"] for c in queue] == [waiting.id, held.id]  # the place it first had in the queue
    assert queue[1]["handoff_reason"] == "agent_revoked"
    card = {"number": "4111 1111 1111 1111", "expiry": "12/29", "cvc": "737"}
    late = client.post(f"/v1/conversations/{held.id}/payment-requests/{made.json()['id']}/card", json=card, headers=held.auth)
    assert late.status_code == 409
    assert client.post(f"/v1/agent/conversations/{held.id}/claim", headers=alice).status_code == 200
    figures = client.get(f"/v1/admin/conversations/{held.id}/metrics", headers=root).json()
    assert figures["agents"] == [carol_id, client.get("/v1/agent/me", headers=alice).json()["id"]] and figures["handoffs"] == 2


def test_an_admin_signed_in_by_cookie_needs_the_csrf_token_too(client, root):
    csrf = sign_in(client, root)["csrf_token"]
    assert client.get("/v1/admin/agents").status_code == 200
    assert client.post("/v1/admin/agents", json={"name": "dave"}).status_code == 403
    assert client.post("/v1/admin/agents", json={"name": "dave"}, headers={"X-CSRF-Token": csrf}).status_code == 201


# ----- the command line ----------------------------------------------------------------------


def test_cli_creates_an_admin_lists_agents_and_revokes_one(tmp_path):
    settings = make_settings(tmp_path / "data")
    created = cli(settings, "agent", "create", "root", "--role", "admin")
    assert len(created.stdout.strip().splitlines()[-1]) >= 32
    cli(settings, "agent", "create", "alice")
    cli(settings, "agent", "revoke", "alice")

    lines = cli(settings, "agent", "list").stdout.strip().splitlines()
    assert lines[0].split() == ["NAME", "ROLE", "CREATED", "REVOKED", "TOKEN", "EXPIRES"]
    alice_line, root_line = lines[1], lines[2]
    assert alice_line.split()[:2] == ["alice", "agent"] and alice_line.count("UTC") == 3  # created, revoked, expires
    assert root_line.split()[:2] == ["root", "admin"] and " - " in root_line and root_line.count("UTC") == 2

    unknown = CliRunner().invoke(main, ["agent", "revoke", "nobody"], env={"SWITCHBOARD_DATA_DIR": str(tmp_path / "data")})
    assert unknown.exit_code == 1 and "nobody" in unknown.output


def test_cli_create_keeps_an_existing_role_unless_told(tmp_path):
    settings = make_settings(tmp_path / "data")
    cli(settings, "agent", "create", "root", "--role", "admin")
    cli(settings, "agent", "create", "root")  # a new token; still an admin
    account = asyncio.run(_with_engine(settings, lambda engine: by_name(engine, "root")))
    assert account.role == "admin"
    asyncio.run(_with_engine(settings, lambda engine: create_or_rotate(engine, "root", "agent")))
    assert asyncio.run(_with_engine(settings, lambda engine: by_name(engine, "root"))).role == "agent"


# ----- presence ------------------------------------------------------------------------------


def test_signing_in_is_coming_online_signing_out_is_going_away(client, alice):
    session = sign_in(client, alice)
    assert session["presence"] == "online"
    customer = start_conversation(client)
    assert customer.conversation()["team_online"] is True
    assert client.delete(CONSOLE, headers={"X-CSRF-Token": session["csrf_token"]}).status_code == 204
    assert customer.conversation()["team_online"] is False


def test_an_agent_online_whose_consoles_are_all_gone_counts_as_away(client, alice, admin, monkeypatch):
    sign_in(client, alice)
    customer = start_conversation(client)
    assert customer.conversation()["team_online"] is True
    monkeypatch.setattr(presence, "SEEN_WITHIN", timedelta(0))  # no console has been seen since
    assert customer.conversation()["team_online"] is False
    loads = client.get("/v1/admin/metrics", headers=admin).json()["agents"]
    assert {a["name"]: a["presence"] for a in loads}["alice"] == "away"
    assert client.get(CONSOLE).json()["presence"] == "online"  # her own setting stays, for when she is back


def test_a_handoff_while_nobody_is_online_says_the_team_will_reply_when_back(client, alice):
    customer = start_conversation(client)
    alone = customer.say("talk to a human").json()["reply"]["text"]
    assert "Nobody from the team is online right now" in alone and "shortly" not in alone
    sign_in(client, alice)
    other = start_conversation(client)
    assert other.say("talk to a human").json()["reply"]["text"].endswith("They'll reply here shortly.")


def test_an_open_console_keeps_its_online_agent_seen(http, settings, monkeypatch):
    monkeypatch.setattr(presence, "SEEN_WITHIN", timedelta(seconds=1))
    alice = create_agent(settings, "alice")
    assert http.put("/v1/agent/presence", json={"status": "online"}, headers=alice).status_code == 200
    conversation = http.post("/v1/conversations").json()
    customer = {"Authorization": f"Bearer {conversation['token']}"}

    def team_online() -> bool:
        return http.get(f"/v1/conversations/{conversation['id']}", headers=customer).json()["team_online"]

    time.sleep(1.2)
    assert not team_online()  # online, but no console open
    with open_stream(http, "/v1/agent/events", headers=alice):
        deadline = time.monotonic() + 5
        while not team_online() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert team_online()


def test_an_agent_sets_away_and_online_and_the_change_is_an_event_and_audited(client, alice, settings):
    assert client.put("/v1/agent/presence", json={"status": "online"}, headers=alice).json() == {"status": "online"}
    assert client.put("/v1/agent/presence", json={"status": "away"}, headers=alice).json() == {"status": "away"}
    assert client.put("/v1/agent/presence", json={"status": "busy"}, headers=alice).status_code == 422
    root = cli(settings, "agent", "create", "root", "--role", "admin").stdout.strip().splitlines()[-1]
    metrics = client.get("/v1/admin/metrics", headers={"Authorization": f"Bearer {root}"}).json()
    assert {a["name"]: a["presence"] for a in metrics["agents"]} == {"alice": "away", "root": "away"}
    audited = cli(settings, "audit", "--action", "agent.presence").stdout
    assert audited.count("agent.presence") == 2


def test_two_admins_demoting_each_other_at_once_leave_one_admin(tmp_path, pg_url):
    """Each saw the other still an admin, and both changes went through, leaving none."""
    from api import audit
    from api.agents import create_or_rotate, list_accounts, set_role
    from api.db import agents, open_database
    from api.errors import Conflict

    async def scenario() -> None:
        engine = await open_database(pg_url)
        try:
            a, _, _ = await create_or_rotate(engine, "ann", "admin")
            b, _, _ = await create_or_rotate(engine, "ben", "admin")
            results = await asyncio.gather(
                set_role(engine, b.id, "agent", by=audit.Actor("ann", a.id)),
                set_role(engine, a.id, "agent", by=audit.Actor("ben", b.id)),
                return_exceptions=True,
            )
            assert sum(isinstance(r, Conflict) for r in results) == 1
            assert [x.name for x in await list_accounts(engine) if x.is_admin] in (["ann"], ["ben"])
        finally:
            await engine.dispose()

    asyncio.run(scenario())
