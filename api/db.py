"""Persistence for conversations, messages, events and agents (SQLAlchemy Core, async).

SQLite in the data directory by default; PostgreSQL by URL for many workers. Same code.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from knowledge.migrations import Migration, migrate

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


def _m002_confidence_signals(conn: sa.Connection) -> None:
    """Why a reply scored as it did, and why a conversation was handed off (agents see both)."""
    have = {
        table: {c["name"] for c in sa.inspect(conn).get_columns(table)} for table in ("messages", "conversations")
    }
    added = [
        ("messages", "handoff_detail", "TEXT"),
        ("messages", "signals", "JSON"),
        ("messages", "low_signals", "JSON"),
        ("conversations", "handoff_detail", "TEXT"),
    ]
    for table, column, kind in added:
        if column not in have[table]:  # a database created by m001 of this release already has it
            conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))


def _m003_message_client_ids(conn: sa.Connection) -> None:
    """Idempotent customer lines (a client id per message) and what the bot has answered so far."""
    inspector = sa.inspect(conn)
    have = {c["name"] for c in inspector.get_columns("messages")}
    if "client_id" not in have:
        conn.execute(sa.text("ALTER TABLE messages ADD COLUMN client_id VARCHAR(64)"))
    if "answers_through" not in have:
        conn.execute(sa.text("ALTER TABLE messages ADD COLUMN answers_through INTEGER"))
    if "answered_through" not in {c["name"] for c in inspector.get_columns("conversations")}:
        conn.execute(sa.text("ALTER TABLE conversations ADD COLUMN answered_through INTEGER"))
        # before this release every line was answered as it came: nothing earlier is pending
        conn.execute(sa.text(
            "UPDATE conversations SET answered_through = (SELECT MAX(m.id) FROM messages m "
            "WHERE m.conversation_id = conversations.id AND m.role = 'customer')"
        ))
    if "ux_messages_client_id" not in {i["name"] for i in sa.inspect(conn).get_indexes("messages")}:
        conn.execute(sa.text("CREATE UNIQUE INDEX ux_messages_client_id ON messages (conversation_id, client_id)"))


def _m004_sessions_roles(conn: sa.Connection) -> None:
    """Console sessions (a cookie instead of a token in the page), agent roles and revocation."""
    have = {c["name"] for c in sa.inspect(conn).get_columns("agents")}
    if "role" not in have:
        conn.execute(sa.text("ALTER TABLE agents ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'agent'"))
    if "revoked_at" not in have:
        kind = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
        conn.execute(sa.text(f"ALTER TABLE agents ADD COLUMN revoked_at {kind}"))
    agent_sessions.create(conn, checkfirst=True)


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


def _m005_audit_log(conn: sa.Connection) -> None:
    """Who did what and when: agents' actions on conversations, sign-ins, account changes."""
    audit_log.create(conn, checkfirst=True)


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


def _m006_workspace(conn: sa.Connection) -> None:
    """Canned responses, escalation rules edited by admins, and customers' ratings (CSAT)."""
    for table in (canned_responses, escalation_rule_revisions, ratings):
        table.create(conn, checkfirst=True)


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


def _m007_card_vault(conn: sa.Connection) -> None:
    """Payment requests and the card vault (the secure card form)."""
    for table in (payment_requests, vault_cards):
        table.create(conn, checkfirst=True)


def _m008_answer_flags(conn: sa.Connection) -> None:
    """Bot replies an agent flagged as bad answers, with a note for the editors."""
    answer_flags.create(conn, checkfirst=True)


def _m009_agent_presence(conn: sa.Connection) -> None:
    """Whether each agent is online or away."""
    if "presence" not in {c["name"] for c in sa.inspect(conn).get_columns("agents")}:
        conn.execute(sa.text("ALTER TABLE agents ADD COLUMN presence VARCHAR(8) NOT NULL DEFAULT 'away'"))


def _m010_kb_drafts(conn: sa.Connection) -> None:
    """Agents' answers proposed as knowledge-base drafts, for editors to export or dismiss."""
    kb_drafts.create(conn, checkfirst=True)


MIGRATIONS: list[Migration] = [
    ("api.m001_agents_conversations_messages_events", lambda conn: metadata.create_all(conn)),
    ("api.m002_confidence_signals", _m002_confidence_signals),
    ("api.m003_message_client_ids", _m003_message_client_ids),
    ("api.m004_sessions_roles", _m004_sessions_roles),
    ("api.m005_audit_log", _m005_audit_log),
    ("api.m006_workspace", _m006_workspace),
    ("api.m007_card_vault", _m007_card_vault),
    ("api.m008_answer_flags", _m008_answer_flags),
    ("api.m009_agent_presence", _m009_agent_presence),
    ("api.m010_kb_drafts", _m010_kb_drafts),
]


def async_url(url: str) -> str:
    if url.startswith("sqlite:"):
        return url.replace("sqlite:", "sqlite+aiosqlite:", 1)
    if url.startswith("postgresql://"):
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return url


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
            cur.close()

    async with engine.begin() as conn:
        await conn.run_sync(migrate, MIGRATIONS)
    return engine
