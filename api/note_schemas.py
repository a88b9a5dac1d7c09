"""Agents' internal notes over HTTP: what an agent sends, and what agents (only) are shown."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Its rules (something visible, at most max_message_chars, card numbers masked) are the
    # service's, as a reply's are: a note over the limit gets one sentence naming it.
    text: str = Field(description="For agents only: the customer never sees it.")


class NotePublic(BaseModel):
    id: int
    conversation_id: str
    author: str  # the agent who wrote it
    text: str
    created_at: datetime
