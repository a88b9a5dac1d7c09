"""What comes in and goes out for knowledge-base drafts (agents propose, admins list and dismiss)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.kb_drafts import MAX_BODY_CHARS, MAX_TAGS, MAX_TITLE_CHARS, KbDraft
from api.plain_text import limited_text


class KbDraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: limited_text(min_length=1, max_length=MAX_TITLE_CHARS) | None = Field(
        default=None, description="default: the customer's question"
    )
    body: limited_text(min_length=1, max_length=MAX_BODY_CHARS) | None = Field(
        default=None, description="Markdown; default: the agent's answer"
    )
    tags: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=MAX_TAGS, description="words for the front matter's tags"
    )


class KbDraftView(BaseModel):
    id: int
    conversation_id: str
    message_id: int = Field(description="the agent's answer or correction")
    corrects: int | None = Field(description="the bot reply it corrects, for a correction")
    question: str
    title: str
    body: str
    tags: list[str]
    proposed_by: str
    created_at: datetime
    status: Literal["proposed", "exported", "dismissed"]
    status_by: str | None
    status_at: datetime | None
    exported_path: str | None

    @classmethod
    def of(cls, draft: KbDraft) -> KbDraftView:
        return cls(
            id=draft.id, conversation_id=draft.conversation_id, message_id=draft.message_id, corrects=draft.corrects,
            question=draft.question, title=draft.title, body=draft.body, tags=list(draft.tags),
            proposed_by=draft.proposed_by, created_at=draft.created_at, status=draft.status, status_by=draft.status_by,
            status_at=draft.status_at, exported_path=draft.exported_path,
        )


class KbDraftList(BaseModel):
    kb_drafts: list[KbDraftView]
