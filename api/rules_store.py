"""Escalation rules that admins edit while the service runs.

The rules file the settings name (or the shipped default) is in force until an admin saves rules
through the API. Each save is a new revision, validated before it is stored (a malformed one is
refused and changes nothing); the newest revision is in force on every worker from the next bot
turn. A revision without text hands control back to the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import anyio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.bot_turns import aware
from api import audit
from api.db import escalation_rule_revisions as revisions
from api.errors import Invalid
from assistant.escalation import DEFAULT_RULES, EscalationRules, EscalationRulesError


@dataclass(frozen=True)
class RulesInForce:
    rules: EscalationRules
    yaml: str
    source: str  # "admin", or the path of the rules file
    revision: int  # 0 before any admin revision
    saved_by: str | None = None
    saved_at: datetime | None = None


async def latest_revision(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.max(revisions.c.id)))).scalar_one() or 0)


async def in_force(engine: AsyncEngine, rules_file: Path | None) -> RulesInForce:
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(revisions).order_by(revisions.c.id.desc()).limit(1))).first()
    if row is not None and row.yaml is not None:
        return RulesInForce(
            EscalationRules.parse(row.yaml, source=f"revision {row.id}"), row.yaml, "admin", row.id,
            row.saved_by, aware(row.saved_at),
        )
    path = Path(rules_file) if rules_file is not None else DEFAULT_RULES
    text = path.read_text(encoding="utf-8")
    return RulesInForce(EscalationRules.parse(text, source=str(path)), text, str(path), row.id if row else 0)


async def save(engine: AsyncEngine, yaml_text: str | None, by: audit.Actor) -> int:
    """Store a new revision (None: back to the file). Returns its number; malformed rules: Invalid."""
    if yaml_text is not None:
        try:
            rules = EscalationRules.parse(yaml_text, source="the rules sent")
            await anyio.to_thread.run_sync(rules.check_speed)  # up to seconds: off the event loop
        except EscalationRulesError as e:
            raise Invalid(str(e)) from None
    async with engine.begin() as conn:
        result = await conn.execute(
            revisions.insert().values(yaml=yaml_text, saved_by=by.name, saved_at=datetime.now(UTC))
        )
        revision = int(result.inserted_primary_key[0])
        detail = {"revision": revision, "reset": yaml_text is None}
        await audit.record(conn, "rules.save" if yaml_text is not None else "rules.reset", by, detail=detail)
    return revision
