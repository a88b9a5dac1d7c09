""""How do I fix …?" asks to change what is wrong: a heading naming the change ("Edit an invoice")
names its action, and a word made of the verb ("Choose a **fixed amount**") does not. "how do i fix
an invoice i sent with the wrong amount" had the late-fee steps as its draft, lifted by the option
"fixed amount" as if it were a button that fixes."""

from __future__ import annotations

import pytest

from assistant import Assistant, build_assistant
from assistant.terms import QuestionTerms
from knowledge import KnowledgeBase


def _terms(question: str) -> QuestionTerms:
    return QuestionTerms.of(question, lambda word: 1.0)


def test_fixing_is_named_by_a_heading_that_edits_or_changes():
    terms = _terms("how do I fix an invoice I sent with the wrong amount?")
    assert terms.starts_with_action("Edit an invoice")
    assert terms.starts_with_action("Change the due date")
    assert terms.starts_with_action("Fixing sync errors")


def test_changing_is_not_named_by_a_heading_about_fixing():
    assert not _terms("how do I change my sync settings?").starts_with_action("Fixing sync errors")


def test_a_word_made_of_the_verb_names_no_action():
    assert not _terms("how do I fix the invoice?").starts_with_action("fixed amount")
    assert not _terms("how do I save a card?").starts_with_action("Saved cards")
    # a verb that itself ends in "ed" is still that verb
    assert _terms("how do I embed the widget?").starts_with_action("Embed the widget")


@pytest.fixture
def assistant(settings, sample_kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings, sample_kb)


def test_fixing_a_sent_invoice_gets_what_can_be_changed_not_late_fees(assistant):
    reply = assistant.reply("how do i fix an invoice i sent with the wrong amount")
    said = (reply.draft if reply.handoff else reply.text) or ""
    assert "What you can change depends on the invoice's status" in said
    assert "late fee" not in said.lower()
