"""Follow-up questions become standalone before retrieval; standalone ones are left alone."""

from __future__ import annotations

from assistant import build_assistant, standalone_query


def test_a_follow_up_gains_the_topic_of_the_previous_question():
    history = [("user", "Can I attach files to an invoice?"), ("agent", "Yes, up to five files.")]
    query = standalone_query("Is there a size limit for them?", history)
    assert query.startswith("Is there a size limit for them?")
    assert "attach" in query and "invoice" in query


def test_a_standalone_question_is_not_rewritten():
    history = [("user", "How do I reset my password?")]
    assert standalone_query("What is the capital of France?", history) == "What is the capital of France?"
    assert standalone_query("How do I export clients to CSV?", history) == "How do I export clients to CSV?"


def test_the_first_question_is_not_rewritten():
    assert standalone_query("What does it cost?", []) == "What does it cost?"


def test_a_follow_up_is_answered_from_the_topic_of_the_conversation(settings, kb):
    assistant = build_assistant(settings, kb)
    history = [("user", "How do recurring invoices work?"), ("agent", "They are sent on a schedule.")]
    reply = assistant.reply("Can I pause them?", history)
    assert reply.sources and reply.sources[0].doc_id == "invoices/recurring-invoices"


def test_an_off_topic_question_after_a_good_one_still_hands_off(settings, kb):
    assistant = build_assistant(settings, kb)
    history = [("user", "How do I reset my password?"), ("agent", "Go to Settings.")]
    assert assistant.reply("What is the capital of France?", history).handoff
