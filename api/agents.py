"""Agent accounts: created from the CLI, authenticated by a bearer token stored only as a hash."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.auth import hash_token, new_token
from api.conversations import Agent
from api.db import agents


async def create_or_rotate(engine: AsyncEngine, name: str) -> tuple[Agent, str, bool]:
    """A new token for the agent NAME, creating the agent if needed. Returns (agent, token, created)."""
    name = name.strip()
    if not name:
        raise ValueError("agent name is empty")
    token = new_token()
    async with engine.begin() as conn:
        existing = (await conn.execute(sa.select(agents.c.id).where(agents.c.name == name))).first()
        if existing:
            await conn.execute(agents.update().where(agents.c.id == existing.id).values(token_hash=hash_token(token)))
            return Agent(existing.id, name), token, False
        result = await conn.execute(
            agents.insert().values(name=name, token_hash=hash_token(token), created_at=datetime.now(UTC))
        )
        return Agent(int(result.inserted_primary_key[0]), name), token, True


async def by_token(engine: AsyncEngine, token: str) -> Agent | None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(sa.select(agents.c.id, agents.c.name).where(agents.c.token_hash == hash_token(token)))
        ).first()
    return Agent(row.id, row.name) if row else None
