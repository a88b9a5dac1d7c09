"""Two admins demoting or revoking each other at the same moment leave one admin, on SQLite too.

The last-admin guard counted the admins with SELECT … FOR UPDATE, which holds their rows on
PostgreSQL only: SQLite drops FOR UPDATE, and its driver begins a transaction at the first write,
so both changes counted two admins before either wrote, both went through, and nobody could
administer the service again but from the server's command line.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from api import audit
from api.agents import AgentAccount, create_or_rotate, list_accounts, revoke, set_role
from api.db import open_database
from api.errors import Conflict

ROUNDS = 5


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'switchboard.db'}"
    return request.getfixturevalue("pg_url")


def demote(engine, target: AgentAccount, by: AgentAccount):
    return set_role(engine, target.id, "agent", by=audit.Actor(by.name, by.id))


def revoke_by(engine, target: AgentAccount, by: AgentAccount):
    return revoke(engine, target.id, by=audit.Actor(by.name, by.id))


@pytest.mark.parametrize(("ann_does", "ben_does"), [(demote, demote), (revoke_by, revoke_by), (demote, revoke_by)],
                         ids=["demote-demote", "revoke-revoke", "demote-revoke"])
def test_two_admins_acting_on_each_other_at_once_leave_one_admin(database_url, ann_does, ben_does):
    async def scenario() -> None:
        workers = [await open_database(database_url) for _ in range(2)]  # two server processes
        try:
            for _ in range(ROUNDS):
                ann, _, _ = await create_or_rotate(workers[0], "ann", "admin")  # the command line: both admins again
                ben, _, _ = await create_or_rotate(workers[0], "ben", "admin")
                results = await asyncio.gather(
                    ann_does(workers[0], ben, ann), ben_does(workers[1], ann, ben), return_exceptions=True
                )
                refused = [r for r in results if isinstance(r, Exception)]
                assert len(refused) == 1 and isinstance(refused[0], Conflict), results
                assert "is the last admin" in str(refused[0])
                admins = [a.name for a in await list_accounts(workers[0]) if a.is_admin and a.revoked_at is None]
                assert admins in (["ann"], ["ben"])
        finally:
            for engine in workers:
                await engine.dispose()

    asyncio.run(scenario())
