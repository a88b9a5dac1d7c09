"""Persistence for conversations, messages, notes, events and agents (SQLAlchemy Core, async).

SQLite in the data directory by default; PostgreSQL by URL for many workers. Same code.
These tables are what the code reads and writes; a change to them is also a new Alembic revision in
api/migrations/versions/, applied when the database is opened (or by `switchboard db upgrade`).
"""

from __future__ import annotations

import asyncio

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from api.migrations.legacy import adopt
from knowledge.schema import Schema, upgrade
from knowledge.writer_lock import one_upgrade_at_a_time

metadata = sa.MetaData()

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("role", sa.String(16), nullable=False, server_default="agent"),  # agent | admin
    sa.Column("revoked_at", sa.DateTime(timezone=True)),  # a revoked agent's token and sessions are dead
    sa.Column("presence", sa.String(8), nullable=False, server_default="away"),  # online | away
    sa.Column("last_seen_at", sa.DateTime(timezone=True)),  # signed in, set presence, or had a console stream open
    sa.Column("token_issued_at", sa.DateTime(timezone=True)),  # the current token's; it expires after AGENT_TOKEN_DAYS
)

agent_sessions = sa.Table(
    "agent_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the cookie's secret; the secret is never stored
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True)),  # signed out, or the agent was revoked
)

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),  # bot | queued | agent | closed
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("handoff_reason", sa.String(40)),
    sa.Column("handoff_detail", sa.Text),  # for agents: the rule that fired, or the signals that fell short
    sa.Column("answered_through", sa.Integer),  # the last customer message the bot has answered
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # when it last joined the queue: the queue is served in this order, whatever the customer adds meanwhile
    sa.Column("queued_at", sa.DateTime(timezone=True)),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.id"), nullable=False, index=True),
    sa.Column("role", sa.String(16), nullable=False),  # customer | bot | agent
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("confidence", sa.Float),
    sa.Column("sources", sa.JSON, nullable=False, default=list),
    sa.Column("handoff", sa.Boolean, nullable=False, default=False),
    sa.Column("handoff_reason", sa.String(40)),
    sa.Column("draft", sa.Text),  # the bot's unsent answer on a low-confidence handoff (agents only)
    sa.Column("draft_sources", sa.JSON),  # agents only: what the draft cites, its [n] markers in order
    sa.Column("handoff_detail", sa.Text),  # agents only: why the bot handed off
    sa.Column("signals", sa.JSON),  # agents only: the confidence signals of a bot answer
    sa.Column("low_signals", sa.JSON),  # agents only: the signals that pulled its confidence down
    sa.Column("author", sa.String(200)),
    sa.Column("corrects", sa.Integer),
    sa.Column("client_id", sa.String(64)),  # the sender's idempotency key: a retried line is stored once
    sa.Column("answers_through", sa.Integer),  # a bot reply: the last customer line it answers
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ux_messages_client_id", "conversation_id", "client_id", unique=True),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(36), nullable=False, index=True),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("actor", sa.String(200), nullable=False),  # an agent's name, "cli", or "anonymous"
    sa.Column("actor_id", sa.Integer),
    sa.Column("action", sa.String(40), nullable=False, index=True),
    sa.Column("conversation_id", sa.String(36), index=True),
    sa.Column("detail", sa.JSON),
)


canned_responses = sa.Table(
    "canned_responses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shortcut", sa.String(40), nullable=False, unique=True),  # typed after "/" in the composer
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

escalation_rule_revisions = sa.Table(
    "escalation_rule_revisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),  # the newest revision is in force
    sa.Column("yaml", sa.Text),  # None: back to the rules file the settings name (or the shipped default)
    sa.Column("saved_by", sa.String(200), nullable=False),
    sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
)

ratings = sa.Table(
    "ratings",
    metadata,
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.id"), primary_key=True),
    sa.Column("score", sa.Integer, nullable=False),  # 1 (very bad) … 5 (very good)
    sa.Column("comment", sa.Text),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),  # who had the chat when it was rated
    sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
)


payment_requests = sa.Table(
    "payment_requests",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.id"), nullable=False, index=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),  # pending | received | cancelled
    sa.Column("card_reference", sa.String(40)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
)

vault_cards = sa.Table(
    "vault_cards",
    metadata,
    sa.Column("reference", sa.String(40), primary_key=True),
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.id"), nullable=False, index=True),
    sa.Column("payment_request_id", sa.String(40), sa.ForeignKey("payment_requests.id"), nullable=False),
    sa.Column("brand", sa.String(16), nullable=False),
    sa.Column("last4", sa.String(4), nullable=False),
    sa.Column("exp_month", sa.Integer, nullable=False),
    sa.Column("exp_year", sa.Integer, nullable=False),
    sa.Column("sealed", sa.Text, nullable=False),  # number and expiry, encrypted with the vault key; never the CVC
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


answer_flags = sa.Table(
    "answer_flags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id"), nullable=False, index=True),
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("agent_name", sa.String(200), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)


kb_drafts = sa.Table(
    "kb_drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.id"), nullable=False, index=True),
    # the agent's answer or correction it was proposed from: one draft per message
    sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id"), nullable=False, unique=True),
    sa.Column("corrects", sa.Integer, sa.ForeignKey("messages.id")),  # the bot reply a correction corrects
    sa.Column("question", sa.Text, nullable=False),  # the customer's line(s) that were answered
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # Markdown
    sa.Column("tags", sa.JSON, nullable=False, default=list),
    sa.Column("proposed_by", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("proposed_by_name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),  # proposed | exported | dismissed
    sa.Column("status_by", sa.String(200)),  # who exported or dismissed it: an admin's name, or "cli"
    sa.Column("status_at", sa.DateTime(timezone=True)),
    sa.Column("exported_path", sa.Text),  # the Markdown file it was written to
)


# Agents' internal notes (api/notes.py): a table of their own, not rows of `messages`, because
# everything the customer or the bot reads (their view, their event stream, the bot's history)
# reads `messages`; no filter there can be forgotten.
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.id"), nullable=False, index=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),  # the agent's name then, as a message's author is kept
    sa.Column("text", sa.Text, nullable=False),  # card numbers masked; never edited or deleted
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


SCHEMA = Schema(
    scripts=Path(__file__).resolve().parent / "migrations",
    version_table="alembic_version",
    adopt=adopt,  # a database the hand-written runner made
)


def async_url(url: str) -> str:
    if url.startswith("sqlite:"):
        return url.replace("sqlite:", "sqlite+aiosqlite:", 1)
    if url.startswith("postgresql://"):
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return url


async def database_answers(engine: AsyncEngine) -> bool:
    """The database answers a query now (a readiness check)."""
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except Exception:
        return False
    return True


async def lock_row(conn: AsyncConnection, table: sa.Table, row_id: object) -> None:
    """Hold the row of `table` whose id is `row_id` till the caller's transaction ends, so that
    what the transaction counts next, and writes on that count, cannot interleave with another
    transaction doing the same (a check-then-act, such as an agent's chat limit).

    PostgreSQL: SELECT … FOR UPDATE. SQLite has no row locks (it drops FOR UPDATE) and its driver
    begins a transaction only at the first write, so a SELECT there locks nothing and a count read
    after it may be stale by the time of the write. A write to the row instead (setting its id to
    itself) takes the database's one write lock now, which serialises the rest of the transaction
    with every other writer, waiting for it as long as the busy timeout."""
    if conn.dialect.name == "sqlite":
        await conn.execute(table.update().where(table.c.id == row_id).values(id=table.c.id))
    else:
        await conn.execute(sa.select(table.c.id).where(table.c.id == row_id).with_for_update())


CHECKPOINT_TRIES = 10


async def forget_overwritten(engine: AsyncEngine) -> None:
    """Best effort, after text was overwritten to hide it: SQLite's write-ahead log still holds the
    pages as they were, until a checkpoint copies the new ones to the file and empties it. One
    that readers still use is left for a later checkpoint. (PostgreSQL keeps old row versions
    until they are vacuumed.)"""
    if engine.dialect.name != "sqlite":
        return
    for _ in range(CHECKPOINT_TRIES):
        async with engine.connect() as conn:
            busy = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).scalar()
        if not busy:
            return
        await asyncio.sleep(0.05)  # a reader of the old pages (a reply being composed) ends soon


async def open_database(url: str) -> AsyncEngine:
    kwargs: dict = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    else:  # a server that went away and came back: test each pooled connection before use
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(async_url(url), **kwargs)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # WAL: readers never block the writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            # what a change overwrites (a card's digits, masked in an earlier line) is zeroed, not
            # left in free pages of the file
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

    with one_upgrade_at_a_time(engine.sync_engine):  # at start-up only: a short wait at most
        async with engine.begin() as conn:
            await conn.run_sync(upgrade, SCHEMA)
    return engine
