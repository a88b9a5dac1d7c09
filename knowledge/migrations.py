"""Ordered schema migrations: each is a named function, applied once, recorded in the database.

A new column or table is a new function at the end of a list, never an edit to an old one, so a
database made by any earlier version is brought up to date at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

Migration = tuple[str, Callable[[sa.Connection], None]]

_meta = sa.MetaData()
applied_migrations = sa.Table(
    "schema_migrations",
    _meta,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)


def migrate(conn: sa.Connection, steps: Sequence[Migration]) -> list[str]:
    """Apply the steps this database has not seen, in order. Returns their names."""
    _meta.create_all(conn)
    done = set(conn.execute(sa.select(applied_migrations.c.name)).scalars())
    ran = []
    for name, step in steps:
        if name in done:
            continue
        step(conn)
        conn.execute(applied_migrations.insert().values(name=name, applied_at=datetime.now(UTC)))
        ran.append(name)
    return ran
