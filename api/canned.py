"""Canned responses: replies an admin writes once and agents insert by typing "/" and a shortcut.

Shortcuts are unique, lower-case words (`refund-policy`); a search matches a shortcut by its
beginning first, then any word of the title or text.

A title or text that holds card data (what api/masking.py masks in a chat line) is refused with
422, not stored masked: a canned response is a template every agent sends to many customers, so
a masked one ("•••• •••• •••• 1111") would go out broken without its author knowing, while the
admin writing it is there to take the number out. Nothing is stored in clear either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from api.bot_turns import aware
from api import audit
from api.db import canned_responses
from api.errors import Conflict, Invalid, NotFound
from api.masking import holds_card_data

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class CannedResponse:
    id: int
    shortcut: str
    title: str
    text: str
    updated_by: str
    updated_at: datetime


def _of(row: sa.Row) -> CannedResponse:
    return CannedResponse(row.id, row.shortcut, row.title, row.text, row.updated_by, aware(row.updated_at))


def _no_card_data(field: str, value: str) -> str:
    if holds_card_data(value):
        raise Invalid(
            f"the {field} holds card data (a card number or security code): canned responses are sent to many "
            "customers, so write it without"
        )
    return value


def _shortcut(value: str) -> str:
    shortcut = value.strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise Invalid("a shortcut is 1-40 lower-case letters, digits, '-' or '_', starting with a letter or digit")
    return shortcut


async def create(engine: AsyncEngine, shortcut: str, title: str, text: str, by: audit.Actor) -> CannedResponse:
    shortcut = _shortcut(shortcut)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(
                canned_responses.insert().values(
                    shortcut=shortcut, title=_no_card_data("title", title.strip()), text=_no_card_data("text", text.strip()),
                    updated_by=by.name, updated_at=datetime.now(UTC),
                )
            )
            await audit.record(conn, "canned.create", by, detail={"shortcut": shortcut})
            return await _get(conn, int(result.inserted_primary_key[0]))
    except IntegrityError:
        raise Conflict(f"a canned response with the shortcut /{shortcut} exists") from None


async def update(
    engine: AsyncEngine, response_id: int, by: audit.Actor, *,
    shortcut: str | None = None, title: str | None = None, text: str | None = None,
) -> CannedResponse:
    values: dict = {"updated_by": by.name, "updated_at": datetime.now(UTC)}
    if shortcut is not None:
        values["shortcut"] = _shortcut(shortcut)
    if title is not None:
        values["title"] = _no_card_data("title", title.strip())
    if text is not None:
        values["text"] = _no_card_data("text", text.strip())
    try:
        async with engine.begin() as conn:
            await _get(conn, response_id)
            await conn.execute(canned_responses.update().where(canned_responses.c.id == response_id).values(**values))
            updated = await _get(conn, response_id)
            await audit.record(conn, "canned.update", by, detail={"shortcut": updated.shortcut})
            return updated
    except IntegrityError:
        raise Conflict(f"a canned response with the shortcut /{values['shortcut']} exists") from None


async def delete(engine: AsyncEngine, response_id: int, by: audit.Actor) -> None:
    async with engine.begin() as conn:
        gone = await _get(conn, response_id)
        await conn.execute(canned_responses.delete().where(canned_responses.c.id == response_id))
        await audit.record(conn, "canned.delete", by, detail={"shortcut": gone.shortcut})


async def search(engine: AsyncEngine, query: str = "", limit: int = SEARCH_LIMIT) -> list[CannedResponse]:
    """Every response (by shortcut) without a query; else those whose shortcut starts with it,
    then those whose title or text contains every word of it."""
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(canned_responses).order_by(canned_responses.c.shortcut))).all()
    found = [_of(r) for r in rows]
    words = query.strip().lstrip("/").lower().split()
    if not words:
        return found[:limit]
    first = " ".join(words)
    by_shortcut = [r for r in found if r.shortcut.startswith(first)]
    by_words = [
        r for r in found
        if r not in by_shortcut and all(w in f"{r.shortcut} {r.title} {r.text}".lower() for w in words)
    ]
    return (by_shortcut + by_words)[:limit]


async def _get(conn, response_id: int) -> CannedResponse:
    row = (await conn.execute(sa.select(canned_responses).where(canned_responses.c.id == response_id))).first()
    if row is None:
        raise NotFound(f"no canned response {response_id}")
    return _of(row)
