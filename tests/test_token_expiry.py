"""Agent tokens expire SWITCHBOARD_AGENT_TOKEN_DAYS after they were issued: the API and the
console's sign-in refuse an expired token with a reason, a new token works at once, and
`switchboard agent list` says when each one expires."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main as cli
from api.db import agents, open_database

from .api_helpers import create_agent
from .conftest import make_settings


def age_token(settings, name: str, days: int) -> None:
    async def run() -> None:
        engine = await open_database(settings.resolved_database_url)
        async with engine.begin() as conn:
            await conn.execute(agents.update().where(agents.c.name == name)
                               .values(token_issued_at=datetime.now(UTC) - timedelta(days=days)))
        await engine.dispose()

    asyncio.run(run())


def test_an_expired_token_is_refused_with_its_reason_and_a_new_one_works(data_dir, kb):
    settings = make_settings(data_dir, agent_token_days=30)
    old = create_agent(settings, "alice")
    fresh_enough = create_agent(settings, "bob")
    age_token(settings, "alice", 31)
    age_token(settings, "bob", 29)
    with TestClient(create_app(settings, kb)) as client:
        refused = client.get("/v1/agent/queue", headers=old)
        assert refused.status_code == 401 and "expired" in refused.json()["detail"]
        token = old["Authorization"].removeprefix("Bearer ")
        sign_in = client.post("/v1/agent/session", json={"token": token})
        assert sign_in.status_code == 401 and "expired" in sign_in.json()["detail"]
        assert client.get("/v1/agent/queue", headers=fresh_enough).status_code == 200

        renewed = create_agent(settings, "alice")  # `switchboard agent create alice`: a new token
        assert client.get("/v1/agent/queue", headers=renewed).status_code == 200


def test_with_zero_days_tokens_never_expire(data_dir, kb):
    settings = make_settings(data_dir, agent_token_days=0)
    alice = create_agent(settings, "alice")
    age_token(settings, "alice", 3650)
    with TestClient(create_app(settings, kb)) as client:
        assert client.get("/v1/agent/queue", headers=alice).status_code == 200


def test_agent_list_says_when_each_token_expires(tmp_path):
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path / "data"), "SWITCHBOARD_AGENT_TOKEN_DAYS": "30"}
    runner = CliRunner()
    assert runner.invoke(cli, ["agent", "create", "alice"], env=env).exit_code == 0
    settings = make_settings(tmp_path / "data", agent_token_days=30)
    age_token(settings, "alice", 40)
    assert runner.invoke(cli, ["agent", "create", "bob"], env=env).exit_code == 0
    listed = runner.invoke(cli, ["agent", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    header, *rows = listed.output.splitlines()
    assert "TOKEN EXPIRES" in header
    by_name = {row.split()[0]: row for row in rows}
    assert by_name["alice"].endswith("(expired)")
    assert "(expired)" not in by_name["bob"]
