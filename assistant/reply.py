"""What the assistant sends: a reply, its sources, and the words of each kind of handoff."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from knowledge import Hit

HandoffReason = Literal[
    "customer_request", "low_confidence", "repeated_low_confidence", "repeats_last_reply", "escalation",
    "assistant_unavailable",
]

REPLY_SOON = "They'll reply here shortly."  # how every handoff line ends
HANDOFF_TEXT: dict[str, str] = {
    "customer_request": "Of course — I'm connecting you with a member of our team. " + REPLY_SOON,
    "low_confidence": "I'm not certain I can answer that correctly, so I'm passing your question to a member of our team. " + REPLY_SOON,
    "repeated_low_confidence": "I don't think I'm getting this right, so I'm passing your conversation to a member of our team. " + REPLY_SOON,
    "repeats_last_reply": "I've shared all I can find on this, so I'm passing your question to a member of our team. " + REPLY_SOON,
    "escalation": "I'm passing this to a member of our team, who can take care of it for you. " + REPLY_SOON,
    "assistant_unavailable": "I can't answer right now, so I'm passing your question to a member of our team. " + REPLY_SOON,
}
ARTICLE_LEAD = "In the meantime, this article may help:"


@dataclass(frozen=True)
class Source:
    doc_id: str
    title: str
    url: str | None
    chunk_id: str
    score: float
    version: int  # of the document the bot read: transcripts keep pointing at what it said then
    page: int | None = None


@dataclass(frozen=True)
class Reply:
    text: str
    confidence: float
    sources: list[Source] = field(default_factory=list)
    handoff: bool = False
    handoff_reason: HandoffReason | None = None
    handoff_detail: str | None = None  # for agents: the rule that fired, or the signals that fell short
    draft: str | None = None  # what the bot would have said, kept for the agent on a handoff
    draft_sources: list[Source] = field(default_factory=list)  # what the draft cites
    signals: dict[str, float] | None = None  # why the confidence is what it is
    low_signals: list[str] = field(default_factory=list)  # the signals that pulled it down most


def handoff_reply(reason: HandoffReason, score: float, draft: str | None = None, detail: str | None = None) -> Reply:
    return Reply(
        text=HANDOFF_TEXT[reason], confidence=score, handoff=True, handoff_reason=reason, draft=draft,
        handoff_detail=detail,
    )


def source_of(hit: Hit) -> Source:
    c = hit.chunk
    return Source(
        doc_id=c.doc_id, title=c.title, url=c.url, chunk_id=c.chunk_id, score=round(hit.score, 4),
        version=c.version, page=c.page,
    )
