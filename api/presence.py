"""Agents' presence: online (taking chats) or away, and typing in a conversation. Online or away is
set from the console; signing out is away. An agent set online counts as online only while seen:
signing in, setting presence, or a console's event stream open (it marks them seen every ping), so
closing the last console tab, a crashed browser or a lost network shows them away within
`SEEN_WITHIN`, without anyone signing out.

Other consoles see it change live (an `agent.presence` event on the agents' stream), customers
see whether anyone is online, and the metrics list it with each agent's load.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api import audit
from api.conversation_reads import Agent
from api.db import agents, conversations
from api.errors import Conflict, NotFound
from api.events import LocalNotifier, append_event

Presence = Literal["online", "away"]
AGENTS_CHANNEL = "agents"  # the events' conversation_id for events about agents, not a conversation
SEEN_WITHIN = timedelta(seconds=60)  # an open console is seen every ping (15 s): four missed, it is gone


def effectively_online() -> sa.ColumnElement[bool]:
    """Set online, seen within `SEEN_WITHIN`, and not revoked: who customers and the dashboard count
    as online."""
    seen = agents.c.last_seen_at >= datetime.now(UTC) - SEEN_WITHIN
    return sa.and_(agents.c.presence == "online", seen, agents.c.revoked_at.is_(None))


def _seen_now(agent_id: int) -> sa.Update:
    return agents.update().where(agents.c.id == agent_id).values(last_seen_at=datetime.now(UTC))


ACTIVITY_EVERY = timedelta(seconds=30)  # an agent's API calls mark them seen at most this often


class Activity:
    """Agents' requests (console or API): they are here, whatever their presence says. What
    `api.gone_agents` and `api.take_over` read; written at most every `ACTIVITY_EVERY` per agent
    and worker (a console refreshes its lists on every event: no write lock taken for each)."""

    def __init__(self) -> None:
        self._noted: dict[int, float] = {}  # agent id -> when this worker last wrote it (monotonic)

    async def note(self, engine: AsyncEngine, agent_id: int) -> None:
        now = time.monotonic()
        if now - self._noted.get(agent_id, -ACTIVITY_EVERY.total_seconds()) < ACTIVITY_EVERY.total_seconds():
            return
        self._noted[agent_id] = now
        await note_activity(engine, agent_id)


async def note_activity(engine: AsyncEngine, agent_id: int) -> None:
    """The agent is here now (at most one write every `ACTIVITY_EVERY`, whichever worker)."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            agents.update()
            .where(agents.c.id == agent_id, sa.or_(agents.c.last_seen_at.is_(None), agents.c.last_seen_at < now - ACTIVITY_EVERY))
            .values(last_seen_at=now)
        )


async def mark_seen(engine: AsyncEngine, agent_id: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(_seen_now(agent_id))


async def set_presence(engine: AsyncEngine, notifier: LocalNotifier, agent: Agent, status: Presence) -> Presence:
    async with engine.begin() as conn:
        await conn.execute(_seen_now(agent.id))
        changed = await conn.execute(
            agents.update().where(agents.c.id == agent.id, agents.c.presence != status).values(presence=status)
        )
        if changed.rowcount:
            await append_event(conn, AGENTS_CHANNEL, "agent.presence", {"agent": {"id": agent.id, "name": agent.name}, "status": status})
            await audit.record(conn, "agent.presence", audit.Actor(agent.name, agent.id), detail={"status": status})
    if changed.rowcount:
        await notifier.publish()
    return status


async def presence_of(engine: AsyncEngine, agent_id: int) -> Presence:
    async with engine.connect() as conn:
        value = (await conn.execute(sa.select(agents.c.presence).where(agents.c.id == agent_id))).scalar_one_or_none()
    return "online" if value == "online" else "away"


async def anyone_online(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        return await anyone_online_in(conn)


async def anyone_online_in(conn: AsyncConnection) -> bool:
    """`anyone_online`, in the caller's transaction."""
    found = await conn.execute(sa.select(agents.c.id).where(effectively_online()).limit(1))
    return found.first() is not None


async def typing(engine: AsyncEngine, notifier: LocalNotifier, conversation_id: str, agent: Agent) -> None:
    """The agent is typing in this conversation: the customer sees "NAME is typing…" for a few
    seconds. The console sends it at most every few seconds while the agent types."""
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                sa.select(conversations.c.state, conversations.c.agent_id).where(conversations.c.id == conversation_id)
            )
        ).first()
        if row is None:
            raise NotFound()
        if row.state == "closed":
            raise Conflict("conversation is closed")
        if row.state == "agent" and row.agent_id != agent.id:  # the customer would see a person who cannot answer
            raise Conflict("another agent holds this conversation")
        await append_event(conn, conversation_id, "agent.typing", {"agent": {"id": agent.id, "name": agent.name}})
    await notifier.publish()
