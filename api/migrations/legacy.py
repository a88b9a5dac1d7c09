"""Databases made before Alembic, by the hand-written runner (bookkeeping: `schema_migrations`).

One at that runner's last step (api.m010) has exactly the baseline schema: it is stamped with
revision 0001 and upgraded from there. One at an earlier step (m001–m009) is first finished by the
runner's own steps, kept here as they were: each created a table or added a column only when it was
missing, so running all of them over any earlier level is what the runner would have done.
`schema_migrations` itself is left as it is (the catalog's rows are in it too); nothing reads it
once the database has a version table.
"""

from __future__ import annotations

import sqlalchemy as sa

from api.migrations import baseline

BASELINE = "0001"
BOOKKEEPING = "schema_migrations"


def adopt(conn: sa.Connection) -> str | None:
    """Finish a database of the hand-written runner and return the revision it is now at."""
    if not sa.inspect(conn).has_table(BOOKKEEPING):
        return None
    steps = conn.execute(sa.text(f"SELECT name FROM {BOOKKEEPING} WHERE name LIKE 'api.%'")).scalars().all()
    if not steps:  # only the catalog ran there: the API's tables are still to be made
        return None
    baseline.metadata.create_all(conn)  # m001, and the tables of m004–m008 and m010
    _m002_confidence_signals(conn)
    _m003_message_client_ids(conn)
    _m004_roles(conn)
    _m009_agent_presence(conn)
    return BASELINE


def _columns(conn: sa.Connection, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(conn).get_columns(table)}


def _m002_confidence_signals(conn: sa.Connection) -> None:
    have = {table: _columns(conn, table) for table in ("messages", "conversations")}
    added = [
        ("messages", "handoff_detail", "TEXT"),
        ("messages", "signals", "JSON"),
        ("messages", "low_signals", "JSON"),
        ("conversations", "handoff_detail", "TEXT"),
    ]
    for table, column, kind in added:
        if column not in have[table]:
            conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))


def _m003_message_client_ids(conn: sa.Connection) -> None:
    have = _columns(conn, "messages")
    if "client_id" not in have:
        conn.execute(sa.text("ALTER TABLE messages ADD COLUMN client_id VARCHAR(64)"))
    if "answers_through" not in have:
        conn.execute(sa.text("ALTER TABLE messages ADD COLUMN answers_through INTEGER"))
    if "answered_through" not in _columns(conn, "conversations"):
        conn.execute(sa.text("ALTER TABLE conversations ADD COLUMN answered_through INTEGER"))
        # before m003 every line was answered as it came: nothing earlier is pending
        conn.execute(sa.text(
            "UPDATE conversations SET answered_through = (SELECT MAX(m.id) FROM messages m "
            "WHERE m.conversation_id = conversations.id AND m.role = 'customer')"
        ))
    if "ux_messages_client_id" not in {i["name"] for i in sa.inspect(conn).get_indexes("messages")}:
        conn.execute(sa.text("CREATE UNIQUE INDEX ux_messages_client_id ON messages (conversation_id, client_id)"))


def _m004_roles(conn: sa.Connection) -> None:
    have = _columns(conn, "agents")
    if "role" not in have:
        conn.execute(sa.text("ALTER TABLE agents ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'agent'"))
    if "revoked_at" not in have:
        kind = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
        conn.execute(sa.text(f"ALTER TABLE agents ADD COLUMN revoked_at {kind}"))


def _m009_agent_presence(conn: sa.Connection) -> None:
    if "presence" not in _columns(conn, "agents"):
        conn.execute(sa.text("ALTER TABLE agents ADD COLUMN presence VARCHAR(8) NOT NULL DEFAULT 'away'"))
