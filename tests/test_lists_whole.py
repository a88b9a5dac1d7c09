"""A list is quoted as the customer needs it: whole when a chunk boundary cuts it in two, and with
the item naming the case the customer asked about when the answer lies beside the list."""

from __future__ import annotations

import pytest

from assistant import Assistant, build_assistant
from knowledge import KnowledgeBase


@pytest.fixture
def lenient(settings, sample_kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings.model_copy(update={"handoff_threshold": 0.5}), sample_kb)


def _said(reply) -> str:
    return reply.draft if reply.handoff else reply.text


@pytest.mark.parametrize("question", [
    "the delete account button is greyed out, why?",  # the answer introduces the list: its points follow
    "can i delete my account while a card dispute is still open",  # the answer is a point of the list's second half
])
def test_a_list_a_chunk_boundary_cuts_in_two_is_quoted_whole_with_its_lead_in(lenient, question):
    text = _said(lenient.reply(question))
    assert text.startswith("You also need to sort out the following, or the Delete account button stays unavailable:")
    for point in ("- Cancel your paid plan.", "- Wait for open Tally Payments disputes to close.", "- Let your final payout arrive."):
        assert point in text
    assert "Before you delete:" not in text  # the second half is no section of its own


@pytest.mark.parametrize(("question", "named", "other"), [
    ("how long until a payout reaches my bank in canada?", "2 business days in the US and Canada", "in the UK"),
    ("how long do payouts take to reach my bank in the UK?", "3 business days in the UK", "US and Canada"),
])
def test_the_list_item_naming_the_customers_case_comes_with_the_answer(lenient, question, named, other):
    text = _said(lenient.reply(question))
    assert "your bank usually credits it within 1 business day" in text
    assert named in text and "Each payment becomes available for payout after a short processing period:" in text
    assert other not in text


def test_a_word_of_the_question_in_a_list_item_brings_no_item_when_no_kind_of_answer_is_asked(lenient):
    text = _said(lenient.reply(
        "i already sent this months invoice to a client the normal way. can i turn it into a recurring one"
    ))
    assert "Make recurring" in text
    assert "Frequency:" not in text  # "months" is in the list of frequencies ("monthly"), which answers nothing here


def test_the_rest_of_a_list_from_the_next_chunk_is_that_list_and_nothing_after_it():
    import numpy as np

    from assistant.evidence import Evidence
    from assistant.extractive import ExtractiveProvider
    from assistant.reader import read
    from tests.test_reader import DIM, _passage, _scorer, _terms

    question = "what do i need before card payments work"
    first = _passage("cards", "Before card payments work you need the following:\n\n- A verified business.")
    rest = _passage("cards", "- A bank account for payouts.\n\nTo set it up:\n\n1. Open Settings.\n2. Click Payments.", rank=1)
    terms = _terms(question)
    readings = read(np.ones(DIM, dtype=np.float32) / 2, [first], terms, _scorer())
    evidence = Evidence(question=question, query=question, readings=readings, terms=terms, continuation=rest)
    text = ExtractiveProvider().answer(question, evidence).text
    assert "- A verified business." in text and "- A bank account for payouts." in text
    assert "Open Settings" not in text  # what comes after the list in that chunk is not asked
