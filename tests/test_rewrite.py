"""Follow-up questions are searched with the topic of the conversation; new subjects keep their own."""

from __future__ import annotations

import pytest

from assistant import build_assistant, search_queries, standalone_query
from assistant.rewrite import corrected, swapped
from knowledge.siblings import find_siblings


def test_a_follow_up_gains_the_topic_of_the_previous_question():
    history = [("user", "Can I attach files to an invoice?"), ("agent", "Yes, up to five files.")]
    query = standalone_query("Is there a size limit for them?", history)
    assert query.startswith("Is there a size limit for them?")
    assert "attach" in query and "invoice" in query and "five" not in query


def test_a_question_on_a_new_subject_is_read_as_asked():
    history = [("user", "How do I reset my password?")]
    assert standalone_query("How do I export clients to CSV?", history) == "How do I export clients to CSV?"


def test_a_new_subject_is_searched_first_as_asked():
    history = [("user", "How do I reset my password?")]
    assert search_queries("How do I export clients to CSV?", history)[0] == "How do I export clients to CSV?"


def test_the_first_question_is_searched_as_it_is():
    assert search_queries("What does it cost?", []) == ["What does it cost?"]


def test_a_question_with_history_is_searched_both_as_asked_and_standalone():
    history = [("user", "How do recurring invoices work?")]
    queries = search_queries("Can I pause them?", history)
    assert queries[0] == "Can I pause them?" and "recurring" in queries[1]


def test_the_last_reply_names_what_a_follow_up_refers_to():
    history = [("user", "What about the other one?"), ("agent", "Credit notes cancel part of an invoice you sent.")]
    queries = search_queries("Can I edit it later?", history)
    assert any("Credit" in q and "notes" in q for q in queries)
    assert queries[0] == "Can I edit it later?"


def test_a_follow_up_is_answered_from_the_topic_of_the_conversation(settings, kb):
    assistant = build_assistant(settings, kb)
    history = [("user", "How do recurring invoices work?"), ("agent", "They are sent on a schedule.")]
    reply = assistant.reply("Can I pause them?", history)
    assert reply.sources and reply.sources[0].doc_id == "invoices/recurring-invoices"


def test_a_new_subject_after_a_good_question_finds_its_own_document(settings, kb):
    assistant = build_assistant(settings, kb)
    history = [("user", "How do I reset my password?"), ("agent", "Go to Settings.")]
    reply = assistant.reply("How do I turn on two-factor authentication?", history)
    assert reply.sources[0].doc_id == "account/two-factor-authentication"


def test_an_off_topic_question_after_a_good_one_still_hands_off(settings, kb):
    assistant = build_assistant(settings, kb)
    history = [("user", "How do I reset my password?"), ("agent", "Go to Settings.")]
    assert assistant.reply("What is the capital of France?", history).handoff


def test_a_correction_asks_the_last_question_again_about_the_name_the_customer_meant():
    history = [("user", "How many team members can I have on the Starter plan?"), ("agent", "Starter — Up to 3")]
    for said in ("no I meant Pro", "Sorry, I meant the Pro plan", "nope - I was asking about Pro"):
        assert standalone_query(said, history) == "How many team members can I have on the Pro plan?", said
        assert search_queries(said, history)[0] == "How many team members can I have on the Pro plan?"


def test_a_correction_without_a_name_adds_its_words_to_the_last_question():
    history = [("user", "How do I export my invoices?"), ("agent", "…")]
    assert standalone_query("sorry, I meant receipts", history) == "How do I export my invoices? receipts"


def test_a_message_that_means_something_else_is_no_correction():
    history = [("user", "How do I export my invoices?"), ("agent", "…")]
    assert corrected("I mean how do I delete a client?", history) is None
    assert corrected("no thanks", history) is None
    assert corrected("I meant Pro", []) is None  # nothing asked before


def test_a_correction_replaces_only_the_one_name_it_can_mean():
    """"How do I cancel?" then "no I meant Pro" had become "How do Pro cancel?"."""
    said = "no I meant Pro"
    assert standalone_query(said, [("user", "How do I cancel?")]) == "How do I cancel? Pro"
    assert standalone_query(said, [("user", "Can I get a refund?")]) == "Can I get a refund? Pro"
    assert standalone_query(said, [("user", "Does Starter support SSO?")]) == "Does Pro support SSO?"
    two = "Can I move from Free to Starter?"  # which one it replaces, nobody can tell
    assert standalone_query(said, [("user", two)]) == f"{two} Pro"


SIBLINGS = find_siblings([
    "| Plan | Monthly | Yearly (2 months free) |\n|---|---|---|\n| Free | $0 | $0 |\n| **Starter** | $12 | $120 |\n| Pro | $29 | $290 |",
    "| What they can do | Owner | Admin | Member |\n|---|---|---|---|\n| Issue refunds | Yes | Yes | Record only |",
])


def test_a_knowledge_bases_tables_say_which_names_are_of_one_kind():
    assert SIBLINGS["starter"] == {"free", "pro"}  # the rows' first cells
    assert SIBLINGS["yearly"] == {"monthly"}  # the columns, but the first; a note in brackets left out
    assert SIBLINGS["admin"] == {"owner", "member"}
    assert "plan" not in SIBLINGS and "issue refunds" not in SIBLINGS  # a kind, and a lone row


@pytest.mark.parametrize(
    ("asked", "then", "meant"),
    [
        ("how many team members on starter", "what about pro", "how many team members on pro"),
        ("are recurring invoices on the Starter plan?", "and free?", "are recurring invoices on the free plan?"),
        ("how much is the pro plan per month", "and on yearly?", "how much is the pro plan per year"),
        ("can members issue refunds", "how about for admins", "can admins issue refunds"),
    ],
)
def test_what_about_a_sibling_asks_the_last_question_again_of_it(asked, then, meant):
    assert swapped(then, [("user", asked), ("agent", "…")], SIBLINGS) == meant


@pytest.mark.parametrize(
    ("asked", "then"),
    [
        ("how do i turn on 2fa", "what about pro"),  # nothing of its kind asked about
        ("how much is pro", "what about pro"),  # the same one
        ("can members issue refunds", "and can I export my invoices?"),  # a question of its own
        ("is starter or pro better for me", "what about free"),  # which of two it replaces is unclear
    ],
)
def test_a_follow_up_that_names_no_sibling_of_the_last_question_is_no_swap(asked, then):
    assert swapped(then, [("user", asked), ("agent", "…")], SIBLINGS) is None


def test_a_second_what_about_swaps_the_question_as_the_first_one_meant_it():
    history = [("user", "how many team members on Starter?"), ("agent", "…"), ("user", "what about Pro?"), ("agent", "…")]
    assert swapped("and Free?", history, SIBLINGS) == "how many team members on Free?"
