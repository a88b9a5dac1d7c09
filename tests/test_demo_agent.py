"""`switchboard demo` keeps its admin's token across restarts, and only while it still signs in."""

from __future__ import annotations

import asyncio
import stat
from datetime import UTC, datetime, timedelta

from api.agents import by_name, by_token, create_or_rotate, revoke
from api.db import agents, open_database
from api.demo_agent import demo_token, token_path

from .conftest import make_settings


def with_engine(settings, action):
    async def run():
        engine = await open_database(settings.resolved_database_url)
        try:
            return await action(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def start_demo(settings):
    """What each start of the demo does: the token it prints, whether it is new, and whom it signs in as."""

    async def start(engine):
        token, new = await demo_token(engine, settings)
        return token, new, await by_token(engine, token)

    return with_engine(settings, start)


def test_a_restarted_demo_prints_the_same_token_and_it_still_signs_in_as_the_demo_admin(tmp_path):
    settings = make_settings(tmp_path / "data")
    first, new, account = start_demo(settings)
    assert new and account.name == "demo" and account.is_admin

    again, new, account = start_demo(settings)
    assert (again, new) == (first, False)
    assert account is not None and account.name == "demo"


def test_the_kept_token_is_readable_by_its_owner_alone(tmp_path):
    settings = make_settings(tmp_path / "data")
    token, _, _ = start_demo(settings)
    path = token_path(settings)
    assert path.read_text().strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_revoked_or_rotated_demo_token_is_replaced_on_the_next_start(tmp_path):
    settings = make_settings(tmp_path / "data")
    first, _, _ = start_demo(settings)

    with_engine(settings, lambda engine: _revoke_demo(engine))
    second, new, account = start_demo(settings)
    assert new and second != first and account is not None and account.name == "demo"

    with_engine(settings, lambda engine: create_or_rotate(engine, "demo"))  # an operator's new token
    third, new, account = start_demo(settings)
    assert new and third not in (first, second) and account is not None and account.is_admin


def test_a_token_file_that_is_no_demo_admins_token_is_never_used(tmp_path):
    settings = make_settings(tmp_path / "data")
    _, alices, _ = with_engine(settings, lambda engine: create_or_rotate(engine, "alice", "admin"))
    token_path(settings).parent.mkdir(parents=True, exist_ok=True)
    token_path(settings).write_text(alices)

    token, new, account = start_demo(settings)
    assert new and token != alices and account.name == "demo"

    token_path(settings).write_bytes(b"\xff\xfe not a token")
    token, new, account = start_demo(settings)
    assert new and account.name == "demo"


def test_an_expired_demo_token_is_replaced(tmp_path):
    settings = make_settings(tmp_path / "data", agent_token_days=1)
    first, _, _ = start_demo(settings)

    async def two_days_old(engine):
        async with engine.begin() as conn:
            await conn.execute(agents.update().values(token_issued_at=datetime.now(UTC) - timedelta(days=2)))

    with_engine(settings, two_days_old)
    second, new, _ = start_demo(settings)
    assert new and second != first


async def _revoke_demo(engine):
    account = await by_name(engine, "demo")
    await revoke(engine, account.id)
