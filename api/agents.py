"""Agent accounts: a name, a role, a bearer token stored only as a hash, and revocation.

Revoking an agent kills its token and ends every console session it has, in one transaction.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api import audit
from api.auth import hash_token, new_token
from api.conversations import Agent
from api.db import agent_sessions, agents
from api.errors import Conflict, Invalid, NotFound
from api.held_chats import requeue_held_by
from api.plain_text import shows_nothing

CLI = audit.Actor(audit.CLI)  # who acts when `switchboard agent …` runs on the server

AgentRole = Literal["agent", "admin"]
ROLES: tuple[str, ...] = get_args(AgentRole)


@dataclass(frozen=True)
class AgentAccount:
    id: int
    name: str
    role: AgentRole
    created_at: datetime
    revoked_at: datetime | None = None
    token_issued_at: datetime | None = None

    def token_expired(self, days: int, now: datetime | None = None) -> bool:
        """Older than `days` (0: tokens never expire); a token from before issue times were kept
        counts from the agent's creation."""
        issued = self.token_issued_at or self.created_at
        return days > 0 and (now or datetime.now(UTC)) - issued > timedelta(days=days)

    @property
    def agent(self) -> Agent:
        """The agent as conversations know it (who claims, who replies)."""
        return Agent(self.id, self.name)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def account_from_row(row: sa.Row) -> AgentAccount:
    return AgentAccount(row.id, row.name, row.role, _utc(row.created_at), _utc(row.revoked_at), _utc(row.token_issued_at))


def _utc(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _check(name: str, role: str | None) -> str:
    name = _checked_name(name)
    if role is not None and role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    return name


def _checked_name(name: str) -> str:
    """The name stripped, if it shows every character it has. Customers see it beside each reply
    and the logs print it: a NUL (PostgreSQL refuses it), a newline (a forged log line) or an
    invisible character (bob with a zero-width space after it passes for bob; a bidirectional
    override turns a name around) would let one agent pass for another or break what prints it."""
    name = name.strip()
    if shows_nothing(name):
        raise Invalid("agent name is empty: it shows nothing")
    if (hidden := _hidden_character(name)) is not None:
        raise Invalid(f"agent name must not hold control or invisible characters (it has U+{ord(hidden):04X})")
    return name


# Control and format characters (zero-width spaces and joiners, soft hyphen, bidirectional
# controls), line and paragraph separators, lone surrogates
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}
# letters and symbols that show nothing: Hangul fillers and the blank braille pattern
_BLANK_FILLERS = "\u115f\u1160\u3164\uffa0\u2800"


def _hidden_character(name: str) -> str | None:
    return next((ch for ch in name if _is_hidden(ch)), None)


def _is_hidden(ch: str) -> bool:
    return ch in _BLANK_FILLERS or unicodedata.category(ch) in _HIDDEN_CATEGORIES


async def create_or_rotate(
    engine: AsyncEngine, name: str, role: AgentRole | None = None, by: audit.Actor = CLI
) -> tuple[AgentAccount, str, bool]:
    """A new token for the agent NAME, creating the agent if needed. Returns (account, token, created).

    Rotating a token ends the agent's sessions (they may have been opened with the old token) and
    lifts a revocation; `role` changes the role of an existing agent only when given."""
    name = _check(name, role)
    token = new_token()
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        existing = await _named(conn, name)
        if existing:
            values: dict = {"token_hash": hash_token(token), "revoked_at": None, "token_issued_at": now}
            if role is not None:
                values["role"] = role
            await conn.execute(agents.update().where(agents.c.id == existing.id).values(**values))
            await end_sessions(conn, existing.id, now)
            await audit.record(conn, "agent.new_token", by, detail={"agent": name, "role": role})
            return await _get(conn, existing.id), token, False
        result = await conn.execute(
            agents.insert().values(name=name, token_hash=hash_token(token), role=role or "agent", created_at=now, token_issued_at=now)
        )
        await audit.record(conn, "agent.create", by, detail={"agent": name, "role": role or "agent"})
        return await _get(conn, int(result.inserted_primary_key[0])), token, True


async def create(
    engine: AsyncEngine, name: str, role: AgentRole = "agent", by: audit.Actor = CLI
) -> tuple[AgentAccount, str]:
    """A new agent and its token (shown once). An existing name is a conflict, never a rotation."""
    name = _check(name, role)
    token = new_token()
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        if (taken := await _named(conn, name)) is not None:
            raise Conflict(f"an agent named {taken.name!r} exists already")
        result = await conn.execute(
            agents.insert().values(name=name, token_hash=hash_token(token), role=role, created_at=now, token_issued_at=now)
        )
        await audit.record(conn, "agent.create", by, detail={"agent": name, "role": role})
        return await _get(conn, int(result.inserted_primary_key[0])), token


async def by_token(engine: AsyncEngine, token: str) -> AgentAccount | None:
    """The agent holding this token, unless it has been revoked."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(agents).where(agents.c.token_hash == hash_token(token), agents.c.revoked_at.is_(None))
            )
        ).first()
    return account_from_row(row) if row else None


async def by_name(engine: AsyncEngine, name: str) -> AgentAccount:
    async with engine.connect() as conn:
        row = await _named(conn, name.strip())
    if row is None:
        raise NotFound(f"no agent named {name.strip()!r}")
    return account_from_row(row)


async def list_accounts(engine: AsyncEngine) -> list[AgentAccount]:
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(agents).order_by(agents.c.name))).all()
    return [account_from_row(r) for r in rows]


async def _named(conn: AsyncConnection, name: str) -> sa.Row | None:
    """The agent called `name`, as a person reads it (`_name_key`). Compared here, not with the
    database's lower(): SQLite's folds ASCII letters alone. A workspace has tens of agents, so
    reading every name costs nothing."""
    key = _name_key(name)
    rows = (await conn.execute(sa.select(agents).order_by(agents.c.id))).all()
    return next((row for row in rows if _name_key(row.name) == key), None)


def _name_key(name: str) -> str:
    """Names are people's: "Carol" and "carol" are one agent, and so are "Émile" and "émile". A
    name stored before hidden characters were refused is read without them: bob with a zero-width
    space after it is bob."""
    return "".join(ch for ch in name if not _is_hidden(ch)).casefold()


async def _keep_an_admin(conn: AsyncConnection, agent_id: int, by: audit.Actor) -> None:
    """Through the API, the last admin who can sign in is never demoted or revoked: nobody could
    administer the service again but from the server's command line (which may, as the way back)."""
    if by.id is None:  # the server's command line (an agent acting through the API has an id, whatever its name)
        return
    others = sum(1 for a in await _admins_held(conn) if a != agent_id)
    target = await _get(conn, agent_id)
    if target.is_admin and target.revoked_at is None and not others:
        raise Conflict(f"{target.name} is the last admin: make another agent an admin first")


async def _admins_held(conn: AsyncConnection) -> list[int]:
    """The ids of the admins who can sign in, their rows held till the caller's transaction ends:
    two admins demoting or revoking each other at once could otherwise each count the other, and
    leave none.

    PostgreSQL: SELECT … FOR UPDATE, in id order (two such transactions lock in the same order, so
    neither deadlocks the other); one that waited reads a row changed meanwhile again, and leaves
    out an admin demoted or revoked by the other. SQLite drops FOR UPDATE and its driver begins a
    transaction only at the first write (see `lock_row`): a write to those rows first takes the
    database's one write lock, so the count is read after the other change has committed."""
    can_administer = sa.and_(agents.c.role == "admin", agents.c.revoked_at.is_(None))
    if conn.dialect.name == "sqlite":
        await conn.execute(agents.update().where(can_administer).values(id=agents.c.id))
    held = sa.select(agents.c.id).where(can_administer).order_by(agents.c.id).with_for_update()
    return list((await conn.execute(held)).scalars())


async def revoke(engine: AsyncEngine, agent_id: int, by: audit.Actor = CLI) -> AgentAccount:
    """The agent's token stops working and all its sessions end, at once; the chats it held go back
    to the queue (`requeue_held_by`). Revoking twice is a no-op."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await _keep_an_admin(conn, agent_id, by)
        await conn.execute(
            agents.update().where(agents.c.id == agent_id, agents.c.revoked_at.is_(None)).values(revoked_at=now)
        )
        await end_sessions(conn, agent_id, now)
        await requeue_held_by(conn, agent_id)
        revoked = await _get(conn, agent_id)
        await audit.record(conn, "agent.revoke", by, detail={"agent": revoked.name})
        return revoked


async def set_role(engine: AsyncEngine, agent_id: int, role: AgentRole, by: audit.Actor = CLI) -> AgentAccount:
    _check("-", role)
    async with engine.begin() as conn:
        if role != "admin":
            await _keep_an_admin(conn, agent_id, by)
        before = await _get(conn, agent_id)  # read once the guard holds the admins' rows: the role it had
        await conn.execute(agents.update().where(agents.c.id == agent_id).values(role=role))
        await audit.record(conn, "agent.role", by, detail={"agent": before.name, "from": before.role, "to": role})
        return await _get(conn, agent_id)


async def end_sessions(conn: AsyncConnection, agent_id: int, now: datetime) -> None:
    await conn.execute(
        agent_sessions.update()
        .where(agent_sessions.c.agent_id == agent_id, agent_sessions.c.ended_at.is_(None))
        .values(ended_at=now)
    )


async def _get(conn: AsyncConnection, agent_id: int) -> AgentAccount:
    row = (await conn.execute(sa.select(agents).where(agents.c.id == agent_id))).first()
    if row is None:
        raise NotFound(f"no agent with id {agent_id}")
    return account_from_row(row)
