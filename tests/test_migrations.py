"""Schema migrations run once each, in order, and a database is brought up to date at start-up."""

from __future__ import annotations

import sqlalchemy as sa

from knowledge import Catalog
from knowledge.migrations import migrate


def test_each_migration_runs_once_in_order(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    calls: list[str] = []
    steps = [("m001", lambda conn: calls.append("m001")), ("m002", lambda conn: calls.append("m002"))]
    with engine.begin() as conn:
        assert migrate(conn, steps[:1]) == ["m001"]
    with engine.begin() as conn:
        assert migrate(conn, steps) == ["m002"]
    with engine.begin() as conn:
        assert migrate(conn, steps) == []
    assert calls == ["m001", "m002"]


def test_opening_the_catalog_twice_keeps_its_contents(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    Catalog(url).record(doc_id="a", version=1, path="/a.md", title="A", url=None, owner=None,
                        content_hash="h", text="t", chunk_ids=["a#1"])
    assert Catalog(url).get("a").chunk_ids == ("a#1",)


def test_a_database_from_before_sessions_gains_roles_revocation_and_the_session_table(tmp_path):
    """An agents table as m001–m003 left it: its agents become plain agents, none revoked."""
    import asyncio

    from api.db import MIGRATIONS, open_database

    path = tmp_path / "db.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE agents (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(200) NOT NULL UNIQUE, "
            "token_hash VARCHAR(64) NOT NULL UNIQUE, created_at DATETIME NOT NULL)"
        ))
        conn.execute(sa.text("INSERT INTO agents (name, token_hash, created_at) VALUES ('alice', 'h', '2024-01-01')"))
        conn.execute(sa.text("CREATE TABLE messages (id INTEGER PRIMARY KEY)"))
        conn.execute(sa.text("CREATE TABLE conversations (id VARCHAR(36) PRIMARY KEY)"))
        old = [step for step in MIGRATIONS if step[0] != "api.m004_sessions_roles"]
        migrate(conn, [(name, lambda conn: None) for name, _ in old])  # recorded as done long ago

    async def upgrade() -> None:
        await (await open_database(f"sqlite:///{path}")).dispose()

    asyncio.run(upgrade())
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name, role, revoked_at FROM agents")).all() == [("alice", "agent", None)]
        assert "agent_sessions" in sa.inspect(conn).get_table_names()
    asyncio.run(upgrade())  # and again: nothing left to do
