"""Schema migrations with Alembic: each package keeps its revisions beside its code and brings its
own tables up to date when it opens the database.

Two packages share one database: the API (`api/migrations`, version table `alembic_version`) and
the knowledge base's catalog (`knowledge/migrations`, version table `kb_alembic_version`). Each is
an Alembic environment run in code on a connection the caller already holds, inside the caller's
transaction, so no alembic.ini is needed and an installed package migrates just as a checkout does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

# One PostgreSQL advisory lock for every schema upgrade: workers starting together take turns, and
# the second finds the first one's work done.
UPGRADE_LOCK = 0x5B5C_4E3A  # "switchboard schema"


@dataclass(frozen=True)
class Schema:
    """One package's Alembic environment."""

    scripts: Path  # the folder with env.py and versions/
    version_table: str
    # A database made before Alembic: bring it to a revision of this environment and return that
    # revision (to stamp), or return None when this database holds none of these tables yet.
    adopt: Callable[[sa.Connection], str | None] | None = None

    def config(self, conn: sa.Connection) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.scripts))
        cfg.attributes["connection"] = conn
        cfg.attributes["version_table"] = self.version_table
        return cfg


def upgrade(conn: sa.Connection, schema: Schema, target: str = "head") -> None:
    """Apply the revisions this database has not seen (up to `target`), inside the connection's
    transaction."""
    if conn.dialect.name == "postgresql":  # released when the transaction ends
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
    cfg = schema.config(conn)
    if schema.adopt and not sa.inspect(conn).has_table(schema.version_table):
        adopted = schema.adopt(conn)
        if adopted:
            command.stamp(cfg, adopted)
    command.upgrade(cfg, target)


def current(conn: sa.Connection, schema: Schema) -> str | None:
    """The revision this database is at (None: none applied yet)."""
    return MigrationContext.configure(conn, opts={"version_table": schema.version_table}).get_current_revision()


def head(schema: Schema) -> str | None:
    return ScriptDirectory(str(schema.scripts)).get_current_head()


def run_environment(context: EnvironmentContext, target_metadata: sa.MetaData) -> None:
    """The body of each env.py: migrate on the connection `upgrade` passed in."""
    conn = context.config.attributes.get("connection")
    if conn is None:
        raise RuntimeError("run migrations with `switchboard db upgrade` (or by opening the database)")
    context.configure(
        connection=conn,
        target_metadata=target_metadata,
        version_table=context.config.attributes["version_table"],
        render_as_batch=True,  # SQLite alters a table by copying it; Alembic's batch mode does that
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
