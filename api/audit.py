"""The audit log: who did what, and when. Written in the same transaction as the action itself,
so an action that happened is always recorded and a recorded action always happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api.db import audit_log

CLI = "cli"  # actions taken with `switchboard agent …` on the server itself


@dataclass(frozen=True)
class Actor:
    name: str
    id: int | None = None


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    conversation_id: str | None
    detail: dict | None


async def record(
    conn: AsyncConnection, action: str, actor: Actor, *, conversation_id: str | None = None, detail: dict | None = None
) -> None:
    await conn.execute(
        audit_log.insert().values(
            at=datetime.now(UTC), actor=actor.name, actor_id=actor.id, action=action,
            conversation_id=conversation_id, detail=detail,
        )
    )


async def record_alone(engine: AsyncEngine, action: str, actor: Actor, *, detail: dict | None = None) -> None:
    """An entry for something that changed nothing else, such as a refused sign-in."""
    async with engine.begin() as conn:
        await record(conn, action, actor, detail=detail)


async def entries(
    engine: AsyncEngine, *, actor: str | None = None, conversation_id: str | None = None,
    action: str | None = None, limit: int = 100,
) -> list[AuditEntry]:
    """The newest entries first, optionally only one actor's, one conversation's or one action's."""
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    if conversation_id:
        query = query.where(audit_log.c.conversation_id == conversation_id)
    if action:
        query = query.where(audit_log.c.action == action)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [
        AuditEntry(
            at=r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC), actor=r.actor, action=r.action,
            conversation_id=r.conversation_id, detail=r.detail,
        )
        for r in rows
    ]
