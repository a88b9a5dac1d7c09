"""Console sessions: an agent token is exchanged once for a random session secret.

The secret lives only in the agent's HttpOnly cookie; the database keeps its SHA-256 hash, the
session's CSRF token and its lifetime. A session is valid until it expires, is ended by signing
out, or its agent is revoked.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api import audit
from api.agents import AgentAccount, account_from_row
from api.auth import hash_token, new_token
from api.db import agent_sessions, agents


@dataclass(frozen=True)
class AgentSession:
    agent: AgentAccount
    csrf_token: str
    created_at: datetime
    expires_at: datetime


async def start_session(
    engine: AsyncEngine, account: AgentAccount, *, hours: float, now: datetime | None = None
) -> tuple[str, AgentSession]:
    """A new session for `account`. Returns (secret for the cookie, session)."""
    now = now or datetime.now(UTC)
    secret = new_token()
    session = AgentSession(account, secrets.token_urlsafe(32), now, now + timedelta(hours=hours))
    async with engine.begin() as conn:
        await conn.execute(
            agent_sessions.insert().values(
                id=hash_token(secret),
                agent_id=account.id,
                csrf_token=session.csrf_token,
                created_at=session.created_at,
                expires_at=session.expires_at,
            )
        )
        await audit.record(conn, "session.sign_in", audit.Actor(account.name, account.id))
    return secret, session


async def find_session(
    engine: AsyncEngine, secret: str, *, token_days: int = 0, now: datetime | None = None
) -> AgentSession | None:
    """The live session behind a cookie's secret: not expired, not ended, its agent not revoked,
    and the token it was opened with not expired (`token_days`, 0: never): a session must not
    outlive the credential that opened it by up to a session's length."""
    now = now or datetime.now(UTC)
    query = (
        sa.select(
            agent_sessions.c.csrf_token,
            agent_sessions.c.created_at.label("session_created_at"),
            agent_sessions.c.expires_at,
            agents,
        )
        .select_from(agent_sessions.join(agents, agents.c.id == agent_sessions.c.agent_id))
        .where(
            agent_sessions.c.id == hash_token(secret),
            agent_sessions.c.ended_at.is_(None),
            agents.c.revoked_at.is_(None),
        )
    )
    async with engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    expires_at = _utc(row.expires_at)
    account = account_from_row(row)
    if expires_at <= now or account.token_expired(token_days, now):
        return None
    return AgentSession(account, row.csrf_token, _utc(row.session_created_at), expires_at)


async def end_session(engine: AsyncEngine, secret: str, *, now: datetime | None = None) -> None:
    async with engine.begin() as conn:
        ended = await conn.execute(
            agent_sessions.update()
            .where(agent_sessions.c.id == hash_token(secret), agent_sessions.c.ended_at.is_(None))
            .values(ended_at=now or datetime.now(UTC))
            .returning(agent_sessions.c.agent_id)
        )
        row = ended.first()
        if row is not None:
            name = (await conn.execute(sa.select(agents.c.name).where(agents.c.id == row.agent_id))).scalar_one()
            await audit.record(conn, "session.sign_out", audit.Actor(name, row.agent_id))


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
