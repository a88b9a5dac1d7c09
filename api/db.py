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
)

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),  # bot | queued | agent | closed
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("handoff_reason", sa.String(40)),
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
    sa.Column("author", sa.String(200)),
    sa.Column("corrects", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
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


MIGRATIONS: list[Migration] = [
    ("api.m001_agents_conversations_messages_events", lambda conn: metadata.create_all(conn)),
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
