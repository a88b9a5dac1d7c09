"""The schema is Alembic's: a new database is made at the newest revision, one made by the release
before Alembic (its hand-written runner) is recognised and upgraded with its rows intact, on SQLite
and PostgreSQL alike, when the database is opened or by `switchboard db upgrade`."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner

from api import db
from api.cli import main
from api.db import open_database
from knowledge import Catalog
from knowledge import catalog as kb_catalog
from knowledge.catalog import sync_url
from knowledge.schema import current, head, upgrade

from .previous_release import forget_steps, postgresql_database, sqlite_database

PARTS = [(db.SCHEMA, db.metadata), (kb_catalog.SCHEMA, kb_catalog.metadata)]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'switchboard.db'}"
    return request.getfixturevalue("pg_url")


def open_and_close(url: str) -> None:
    """What a worker does at start-up: the API's schema, then the knowledge base's catalog."""

    async def go() -> None:
        await (await open_database(url)).dispose()

    asyncio.run(go())
    Catalog(url).close()


def differences(url: str) -> list:
    """How the database differs from the tables the code uses (nothing, when migrations are right)."""
    engine = sa.create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            found = []
            for schema, metadata in PARTS:
                assert current(conn, schema) == head(schema)
                # each part compares its own tables (the other's, and the old bookkeeping, are not its)
                def own(name, type_, _parents, tables=metadata.tables) -> bool:
                    return type_ != "table" or name in tables

                context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": own})
                found += compare_metadata(context, metadata)
            return found
    finally:
        engine.dispose()


def test_a_new_database_gets_the_newest_schema_and_it_is_the_one_the_code_uses(empty_url):
    open_and_close(empty_url)
    assert differences(empty_url) == []
    open_and_close(empty_url)  # and again: nothing left to do
    assert differences(empty_url) == []


@pytest.fixture(params=["sqlite", "postgresql"])
def previous_release_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_database(tmp_path / "switchboard.db")
    return postgresql_database(request.getfixturevalue("pg_url"))


def test_a_database_from_the_release_before_alembic_is_upgraded_with_its_rows_intact(previous_release_url):
    url = previous_release_url
    open_and_close(url)
    assert differences(url) == []
    engine = sa.create_engine(sync_url(url))
    with engine.begin() as conn:
        assert conn.execute(sa.select(db.agents.c.name, db.agents.c.role, db.agents.c.presence)).all() == [
            ("alice", "admin", "online")
        ]
        # revision 0002: an old token counts from its agent's creation
        (issued, created), = conn.execute(sa.select(db.agents.c.token_issued_at, db.agents.c.created_at)).all()
        assert issued == created
        texts = conn.execute(sa.select(db.messages.c.role, db.messages.c.text).order_by(db.messages.c.id)).all()
        assert texts == [
            ("customer", "where is my invoice?"),
            ("bot", "Invoices are under Billing."),
            ("agent", "Billing → Invoices, top right."),
        ]
        (draft,) = conn.execute(sa.select(db.kb_drafts)).all()
        assert (draft.message_id, draft.corrects, draft.tags, draft.status) == (3, 2, ["billing"], "proposed")
        assert conn.execute(sa.select(db.audit_log.c.action, db.audit_log.c.detail)).all() == [
            ("claim", {"from": "queued"})
        ]
        # new rows take the next ids (PostgreSQL's sequences came along)
        new_id = conn.execute(db.events.insert().values(
            conversation_id="c-1", type="message", data={}, created_at=draft.created_at,
        ).returning(db.events.c.id)).scalar_one()
        assert new_id == 2
    engine.dispose()
    billing = Catalog(url).get("billing")
    assert billing.chunk_ids == ("billing#1", "billing#2")
    # revision 0003: documents indexed before are taken as cut by chunker v1 at the default settings
    assert billing.recipe == "chunks-v1 size=1000 overlap=120"


def test_the_first_revision_is_the_schema_the_previous_release_made(tmp_path):
    """The frozen baseline (api/migrations/baseline.py) against that release's own SQLite dump."""
    old = sqlite_database(tmp_path / "old.db")
    new = f"sqlite:///{tmp_path / 'new.db'}"
    engine = sa.create_engine(new)
    with engine.begin() as conn:
        upgrade(conn, db.SCHEMA, target="0001")
    engine.dispose()
    assert _api_ddl(new) == _api_ddl(old)


def _api_ddl(url: str) -> set[tuple[str, str]]:
    """The CREATE statements of the API's tables and their indexes."""
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        rows = conn.execute("SELECT tbl_name, name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
    finally:
        conn.close()
    return {(name, sql) for table, name, sql in rows if table in db.metadata.tables}


def test_a_database_at_an_earlier_hand_written_step_is_finished_then_upgraded(tmp_path):
    """As m001–m003 left it: no sessions, roles or revocation; its agents become plain agents."""
    url = sqlite_database(tmp_path / "switchboard.db")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE agent_sessions"))
        for column in ("role", "revoked_at"):
            conn.execute(sa.text(f"ALTER TABLE agents DROP COLUMN {column}"))
        forget_steps(conn, "api.m004_sessions_roles")
    open_and_close(url)
    assert differences(url) == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name, role, revoked_at FROM agents")).all() == [("alice", "agent", None)]
    engine.dispose()


def test_workers_starting_together_on_postgresql_migrate_once(pg_url):  # noqa: F811
    """Each takes the advisory lock in turn; the first migrates, the others find nothing to do."""
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda _: open_and_close(pg_url), range(6)))
    assert differences(pg_url) == []


def test_switchboard_db_upgrade_brings_a_previous_release_database_to_head(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    sqlite_database(data / "switchboard.db")
    env = {"SWITCHBOARD_DATA_DIR": str(data)}
    before = CliRunner().invoke(main, ["db", "current"], env=env)
    assert before.exit_code == 0, before.output
    assert "api: none (pending: upgrade to" in before.output
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"api: {head(db.SCHEMA)} (head)", f"catalog: {head(kb_catalog.SCHEMA)} (head)"]
    assert differences(f"sqlite:///{data / 'switchboard.db'}") == []
