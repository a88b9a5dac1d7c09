"""Databases as the release before Alembic left them, loaded from dumps made once by that release.

tests/fixtures/release_m010.*.sql: its hand-written runner at its last step (api.m010, catalog.m001,
recorded in `schema_migrations`), with one conversation: a customer line, a low-confidence bot reply,
an agent's correction proposed as a knowledge-base draft, an audit entry and a catalogued document.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import sqlalchemy as sa

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def sqlite_database(path: Path) -> str:
    """A SQLite file made by the previous release; returns its URL."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript((FIXTURES / "release_m010.sqlite.sql").read_text())
    finally:
        conn.close()
    return f"sqlite:///{path}"


def postgresql_database(url: str) -> str:
    """Load the previous release's PostgreSQL dump into the (empty) schema of this URL."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute((FIXTURES / "release_m010.postgresql.sql").read_text())
    return url


def forget_steps(conn: sa.Connection, *steps: str) -> None:
    """Make the runner's bookkeeping say these steps (e.g. 'api.m010_kb_drafts') never ran."""
    for step in steps:
        conn.execute(sa.text("DELETE FROM schema_migrations WHERE name = :step"), {"step": step})
