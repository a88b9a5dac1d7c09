"""The assistant: one customer message in, one reply out — grounded, cited, scored, and routed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from assistant.confidence import Signals, confidence
from assistant.handoff import HandoffPolicy, asks_for_human
from assistant.providers import Provider, ProviderError
from assistant.rewrite import search_queries
from assistant.smalltalk import smalltalk_reply
from assistant.text import coverage
from knowledge import Hit, Retriever

log = logging.getLogger(__name__)

HandoffReason = Literal["customer_request", "low_confidence", "assistant_unavailable"]

HANDOFF_TEXT: dict[str, str] = {
    "customer_request": "Of course — I'm connecting you with a member of our team. They'll reply here shortly.",
    "low_confidence": "I'm not certain I can answer that correctly, so I'm passing your question to a member of our team. They'll reply here shortly.",
    "assistant_unavailable": "I can't answer right now, so I'm passing your question to a member of our team. They'll reply here shortly.",
}


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
    draft: str | None = None  # what the bot would have said, kept for the agent on a handoff


class Assistant:
    def __init__(self, *, retriever: Retriever, provider: Provider, policy: HandoffPolicy, top_k: int = 4) -> None:
        self.retriever = retriever
        self.provider = provider
        self.policy = policy
        self.top_k = top_k

    def reply(self, question: str, history: Sequence[tuple[str, str]] = ()) -> Reply:
        """Answer `question`; `history` holds the earlier (speaker, text) turns, oldest first."""
        if asks_for_human(question):
            return _handoff("customer_request", 1.0)
        small = smalltalk_reply(question)
        if small:
            return Reply(text=small, confidence=1.0)

        queries = search_queries(question, list(history))
        query = queries[-1]  # the standalone form: what the reply's sentences must answer
        hits = self.retriever.search(queries, self.top_k)
        if not hits:
            return _handoff("low_confidence", 0.0)
        try:
            draft = self.provider.answer(query, hits)
        except ProviderError as e:
            log.warning("provider %s failed, handing off: %s", self.provider.name, e)
            return _handoff("assistant_unavailable", 0.0)

        signals = Signals(
            retrieval=max(0.0, hits[0].score),
            support=max(0.0, draft.support),
            # the customer's own words must be covered, not just the context we added
            coverage=coverage(question, " ".join([draft.text] + [h.chunk.title for h in draft.cited])),
        )
        score = confidence(signals) if draft.cited else 0.0
        if self.policy.should_hand_off(score):
            return _handoff("low_confidence", score, draft=draft.text or None)
        return Reply(text=draft.text, confidence=score, sources=[_source(h) for h in draft.cited])


def _handoff(reason: HandoffReason, score: float, draft: str | None = None) -> Reply:
    return Reply(text=HANDOFF_TEXT[reason], confidence=score, handoff=True, handoff_reason=reason, draft=draft)


def _source(hit: Hit) -> Source:
    c = hit.chunk
    return Source(
        doc_id=c.doc_id, title=c.title, url=c.url, chunk_id=c.chunk_id, score=round(hit.score, 4),
        version=c.version, page=c.page,
    )
