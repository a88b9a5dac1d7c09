"""An agent who sends the bot's draft sends what it cites.

The bot's draft numbers its sources ("… recovery codes [1]"); sent as an agent's reply without
them, the customer got a "[1]" that pointed nowhere. A reply that says which draft it sends
(`draft_of`) carries that draft's sources, in their order, as long as its text still cites one of
them; edited down to no marker, it cites nothing.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.db import messages
from api.errors import Invalid

MARKER = re.compile(r"\[(\d{1,3})\]")


async def draft_sources(conn: AsyncConnection, conversation_id: str, draft_of: int, text: str) -> list[dict]:
    """The sources the reply `text` cites from the draft of bot message `draft_of`."""
    row = (
        await conn.execute(
            sa.select(messages.c.role, messages.c.draft, messages.c.draft_sources).where(
                messages.c.id == draft_of, messages.c.conversation_id == conversation_id
            )
        )
    ).first()
    if row is None or row.role != "bot" or not row.draft:
        raise Invalid(f"draft_of: message {draft_of} is no bot draft in this conversation")
    sources = list(row.draft_sources or [])
    return sources if cites_any(text, len(sources)) else []


def cites_any(text: str, count: int) -> bool:
    """The text has a marker [n] for one of `count` sources."""
    return any(1 <= int(m.group(1)) <= count for m in MARKER.finditer(text))
