"""The assistant: grounded by construction, scored so that off-topic questions rank lowest."""

from __future__ import annotations

import pytest

from assistant import HandoffPolicy, ProviderError, asks_for_human, build_assistant
from assistant.assistant import Assistant
from assistant.confidence import Signals, confidence
from assistant.llm import OpenAIProvider
from assistant.text import clean_markup, split_units
from knowledge import KnowledgeBase

from .conftest import make_settings
from .live_server import free_port

ANSWERABLE = [
    ("How do I reset my password?", "account/reset-password"),
    ("How much does the Pro plan cost per month?", "billing/plans-and-pricing"),
    ("How do I turn on two-factor authentication?", "account/two-factor-authentication"),
    ("Can I invoice a client in euros?", "invoices/multiple-currencies-and-exchange-rates"),
    ("How do I set up an invoice that repeats every month?", "invoices/recurring-invoices"),
    ("When will I receive my payout?", "payments/accept-card-payments-and-payouts"),
]
OFF_TOPIC = [
    "What is the capital of France?",
    "Who won the 2018 football world cup?",
    "How do I cook fresh pasta?",
    "What is the boiling point of water on Mount Everest?",
]


@pytest.fixture
def assistant(settings, kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings, kb)


@pytest.mark.parametrize(("question", "doc_id"), ANSWERABLE)
def test_retrieval_finds_the_document_that_answers(kb, question, doc_id):
    hits = kb.retriever.search(question, 3)
    assert doc_id in [h.chunk.doc_id for h in hits]


def test_every_sentence_of_an_extractive_reply_comes_from_its_cited_source(assistant, kb):
    for question, _ in ANSWERABLE:
        reply = assistant.reply(question)
        assert not reply.handoff and len(reply.sources) == 1 and reply.text.endswith("[1]"), question
        source = kb.store.get([reply.sources[0].chunk_id])[0]
        source_units = {clean_markup(u) for u in split_units(source.text)}
        for unit in split_units(reply.text.removesuffix("[1]")):
            assert unit in source_units, (question, unit)


def test_off_topic_questions_score_below_every_answerable_one(assistant):
    answerable = [assistant.reply(q).confidence for q, _ in ANSWERABLE]
    off_topic = [assistant.reply(q).confidence for q in OFF_TOPIC]
    assert max(off_topic) < min(answerable)
    assert all(assistant.reply(q).handoff for q in OFF_TOPIC)


def test_confidence_formula_is_monotone_and_bounded():
    low = confidence(Signals(retrieval=0.1, support=0.1, coverage=0.0))
    mid = confidence(Signals(retrieval=0.5, support=0.4, coverage=0.5))
    high = confidence(Signals(retrieval=0.8, support=0.7, coverage=1.0))
    assert 0 <= low < mid < high <= 1


def test_greetings_get_a_friendly_word_not_a_handoff(assistant):
    reply = assistant.reply("Hello!")
    assert not reply.handoff and reply.sources == [] and "ask" in reply.text.lower()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("talk to a human", True),
        ("Can I speak with someone please?", True),
        ("I want a real person", True),
        ("representative", True),
        ("Agent please", True),
        ("connect me to customer service", True),
        ("How do I add an agent to my team?", False),
        ("Can my accountant talk to my clients?", False),
        ("Is the export human readable?", False),
        ("How do I reset my password?", False),
    ],
)
def test_asks_for_human(text, expected):
    assert asks_for_human(text) is expected


def test_a_dead_llm_endpoint_hands_off_instead_of_failing(tmp_path, kb):
    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    settings = make_settings(tmp_path, llm_provider="openai", openai_base_url=dead, llm_timeout_seconds=2)
    provider = OpenAIProvider(settings, kb.embedder)
    hits = kb.retriever.search("How do I reset my password?", 3)
    with pytest.raises(ProviderError):
        provider.answer("How do I reset my password?", hits)
    assistant = Assistant(retriever=kb.retriever, provider=provider, policy=HandoffPolicy(0.5))
    reply = assistant.reply("How do I reset my password?")
    assert reply.handoff and reply.handoff_reason == "assistant_unavailable" and reply.confidence == 0.0
