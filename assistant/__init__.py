"""Grounded answering: providers, citations, confidence and the handoff policy."""

from assistant.assistant import HANDOFF_TEXT, Assistant, Reply, Source
from assistant.handoff import HandoffPolicy, asks_for_human
from assistant.providers import Draft, Provider, ProviderError, make_provider
from assistant.rewrite import search_queries, standalone_query
from knowledge import KnowledgeBase, Settings


def build_assistant(settings: Settings, kb: KnowledgeBase) -> Assistant:
    return Assistant(
        retriever=kb.retriever,
        provider=make_provider(settings, kb.embedder),
        policy=HandoffPolicy(settings.handoff_threshold),
        top_k=settings.top_k,
    )


__all__ = [
    "HANDOFF_TEXT",
    "Assistant",
    "Draft",
    "HandoffPolicy",
    "Provider",
    "ProviderError",
    "Reply",
    "Source",
    "asks_for_human",
    "build_assistant",
    "make_provider",
    "search_queries",
    "standalone_query",
]
