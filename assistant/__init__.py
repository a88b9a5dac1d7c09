"""Grounded answering: providers, the reader, citations, calibrated confidence and the handoff policy."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from assistant.unit_scorer import UnitScorer
from assistant.assistant import Assistant
from assistant.reply import HANDOFF_TEXT, REPLY_SOON, Reply, Source
from assistant.calibration import Calibrator
from assistant.escalation import Escalation, EscalationRules, EscalationRulesError
from assistant.handoff import HandoffPolicy, asks_for_human
from assistant.providers import DeltaCallback, Draft, Provider, ProviderError, SentenceSupport, make_provider
from assistant.rewrite import search_queries, standalone_query
from assistant.streaming import stream_reply
from assistant.thresholds import ServingThreshold, load_calibrator, resolve_threshold
from knowledge import KnowledgeBase, Settings

log = logging.getLogger(__name__)


def build_assistant(settings: Settings, kb: KnowledgeBase) -> Assistant:
    """The assistant as settings describe it: provider, calibrator, threshold, escalation rules."""
    def calibrated(doc_ids: Iterable[str]) -> tuple[Calibrator, HandoffPolicy]:
        calibrator = load_calibrator(settings, doc_ids)
        threshold = resolve_threshold(settings, calibrator)
        return calibrator, HandoffPolicy(threshold.threshold, doubt_margin=settings.doubt_margin)

    calibrator, policy = calibrated(d.doc_id for d in kb.catalog.all())
    return Assistant(
        kb=kb,
        provider=make_provider(settings, kb.embedder),
        policy=policy,
        calibrator=calibrator,
        unit_scorer=UnitScorer.load(),
        rules=EscalationRules.load(settings.escalation_rules),
        candidates=max(settings.top_k, 8),
        recalibrate=calibrated,  # as the knowledge base changes (an ingest while it serves)
    )


__all__ = [
    "HANDOFF_TEXT",
    "REPLY_SOON",
    "Assistant",
    "Calibrator",
    "DeltaCallback",
    "Draft",
    "Escalation",
    "EscalationRules",
    "EscalationRulesError",
    "HandoffPolicy",
    "Provider",
    "ProviderError",
    "Reply",
    "SentenceSupport",
    "ServingThreshold",
    "Source",
    "asks_for_human",
    "build_assistant",
    "load_calibrator",
    "make_provider",
    "resolve_threshold",
    "search_queries",
    "standalone_query",
    "stream_reply",
]
