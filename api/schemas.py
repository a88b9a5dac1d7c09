"""What comes in and what goes out over HTTP: one schema per role."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.client_ids import holds_card_number
from api.note_schemas import NotePublic

from api.plain_text import limited_text

State = Literal["bot", "queued", "agent", "closed"]
Role = Literal["customer", "bot", "agent"]


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


class AgentMessageIn(MessageIn):
    draft_of: int | None = Field(
        None, ge=1, le=2**31 - 1,
        description="The bot message whose unsent draft this reply sends: the reply cites the draft's "
        "sources, as long as its text keeps one of their [n] markers.",
    )


class CustomerMessageIn(MessageIn):
    client_id: str | None = Field(
        None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
        description="The sender's idempotency key for this line: sending it again stores nothing new.",
    )
    wait_for_reply: bool = Field(
        True,
        description="true: the response carries the bot's reply. false: it returns once the line is "
        "stored, and the reply arrives on the conversation's event stream.",
    )


    @field_validator("client_id")
    @classmethod
    def _is_no_card_number(cls, value: str | None) -> str | None:
        # Agents and the event stream see the key as sent: a card number in it, letters around it
        # or not, would reach them in clear (api/client_ids.py says what counts as one).
        if value is not None and holds_card_number(value):
            raise ValueError("client_id must not hold a card number; send a random id (a uuid) instead")
        return value


class SourcePublic(BaseModel):
    doc_id: str
    title: str
    url: str | None
    chunk_id: str
    score: float
    version: int | None = None
    page: int | None = None


class MessagePublic(BaseModel):
    id: int
    conversation_id: str
    role: Role
    text: str
    confidence: float | None
    sources: list[SourcePublic]
    handoff: bool
    handoff_reason: str | None
    author: str | None
    corrects: int | None
    created_at: datetime
    client_id: str | None = None


class AgentMessagePublic(MessagePublic):
    """Agents also see what the bot would have said before it handed off, and why it scored as it did."""

    draft: str | None
    draft_sources: list[SourcePublic] = []  # what the draft's [n] markers cite, in order
    handoff_detail: str | None = None
    signals: dict[str, float] | None = None
    low_signals: list[str] = []
    flagged: bool = False  # an agent flagged this bot reply as a bad answer, for the editors
    kb_draft_id: int | None = None  # an agent's answer proposed as a knowledge-base draft


class AnswerFlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: limited_text(max_length=2000) | None = Field(
        default=None, description="what was wrong, for the editors"
    )


class AnswerFlagPublic(BaseModel):
    id: int
    message_id: int
    note: str | None
    flagged_by: str
    created_at: datetime


class AgentPublic(BaseModel):
    id: int
    name: str


class ConversationCreated(BaseModel):
    id: str
    token: str


class PaymentRequestPublic(BaseModel):
    id: str
    note: str | None
    created_at: datetime


class ConversationPublic(BaseModel):
    id: str
    state: State
    agent: AgentPublic | None
    handoff_reason: str | None
    created_at: datetime
    updated_at: datetime
    last_event_id: int
    messages: list[MessagePublic]
    payment_request: PaymentRequestPublic | None = None  # waiting for the secure card form
    team_online: bool = True  # is any agent online now (a customer waiting knows whether to expect a quick reply)


class AgentConversation(BaseModel):
    id: str
    state: State
    agent: AgentPublic | None
    handoff_reason: str | None
    handoff_detail: str | None = None
    created_at: datetime
    updated_at: datetime
    queued_at: datetime | None = None  # when it last joined the queue: how long the customer has waited
    last_message: AgentMessagePublic | None = None
    messages: list[AgentMessagePublic] | None = None
    payment_request: PaymentRequestPublic | None = None  # waiting for the customer's card
    notes: list[NotePublic] | None = None  # agents' internal notes, oldest first, with the messages


class ConversationList(BaseModel):
    conversations: list[AgentConversation]


class PostMessageResult(BaseModel):
    message: MessagePublic
    reply: MessagePublic | None
    duplicate: bool = False  # this client_id was stored before: nothing new was stored


class Health(BaseModel):
    status: Literal["ok"]


Dependency = Literal["database", "redis"]


class Readiness(BaseModel):
    """`/readyz`: "ok", or what does not answer ("redis unavailable"), each named in `unavailable`."""

    status: str
    unavailable: list[Dependency] = []
