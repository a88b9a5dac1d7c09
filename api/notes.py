"""Internal notes: what an agent writes on a conversation for the other agents, never for the customer.

Any agent may add one to any conversation, whoever holds it and in whatever state (closed too): a
note is how a colleague or a supervisor passes on context. A note is never edited or deleted, like
the audit log, which records each one. The console shows notes among the messages, in time order.

Notes are rows of their own table, not messages: the customer's view and event stream, the bot's
history and the lists' previews all read `messages`, so none of them can pick a note up. The
`note.created` event is not among the customer's event types (api.events.CUSTOMER_EVENT_TYPES):
only agents' streams carry it, stored before it is announced like every event.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api import audit
from api.bot_turns import aware
from api.conversations import Agent, ConversationService
from api.db import conversations, notes
from api.errors import Invalid, NotFound
from api.events import append_event
from api.masking import mask_card_numbers
from api.note_schemas import NotePublic
from api.plain_text import shows_nothing, without_controls

NOTE_CREATED = "note.created"  # agents' streams only


@dataclass(frozen=True)
class Note:
    id: int
    conversation_id: str
    author: str
    text: str
    created_at: datetime

    def public(self) -> NotePublic:
        return NotePublic(**asdict(self))


def clean_note(text: str, max_chars: int) -> str:
    """A note as stored, by the rules of an agent's reply: control characters dropped, something
    visible in it, at most `max_chars`, card numbers masked (agents must not read them either)."""
    text = without_controls(text).strip()
    if shows_nothing(text):
        raise Invalid("the note is empty: write something for the other agents")
    if len(text) > max_chars:
        raise Invalid(f"the note is {len(text)} characters; the limit is {max_chars}")
    return mask_card_numbers(text)


async def add_note(service: ConversationService, conversation_id: str, agent: Agent, text: str) -> Note:
    """Store the note, its `note.created` event and its audit entry in one transaction, then
    announce it. 422 for an empty or overlong note, 404 for an unknown conversation."""
    text = clean_note(text, service.max_message_chars)
    async with service.engine.begin() as conn:
        found = await conn.execute(sa.select(conversations.c.id).where(conversations.c.id == conversation_id))
        if found.first() is None:
            raise NotFound()
        # The conversation's updated_at is left alone: a note is no activity with the customer, so
        # it neither reorders the live list nor keeps a chat idle with the bot from closing.
        now = datetime.now(UTC)
        result = await conn.execute(
            notes.insert().values(
                conversation_id=conversation_id, agent_id=agent.id, author=agent.name, text=text, created_at=now
            )
        )
        note = Note(int(result.inserted_primary_key[0]), conversation_id, agent.name, text, now)
        await append_event(conn, conversation_id, NOTE_CREATED, {"note": note.public().model_dump(mode="json")})
        await audit.record(
            conn, "conversation.note", audit.Actor(agent.name, agent.id), conversation_id=conversation_id,
            detail={"note_id": note.id},
        )
    await service.notifier.publish()
    return note


async def notes_of(engine: AsyncEngine, conversation_id: str) -> list[Note]:
    """A conversation's notes, oldest first."""
    query = (
        sa.select(notes.c.id, notes.c.conversation_id, notes.c.author, notes.c.text, notes.c.created_at)
        .where(notes.c.conversation_id == conversation_id)
        .order_by(notes.c.created_at, notes.c.id)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [Note(r.id, r.conversation_id, r.author, r.text, aware(r.created_at)) for r in rows]
