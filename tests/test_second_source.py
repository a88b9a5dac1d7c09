"""A second article is quoted beside the first when it answers nearly as well; not when the first
answers a row the customer quotes."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.evidence import Evidence
from assistant.extractive import ExtractiveProvider
from assistant.reader import read
from tests.test_reader import DIM, _passage, _scorer, _terms


def _cited(question: str, *texts: str) -> list[str]:
    terms = _terms(question)
    passages = [_passage(f"doc{i}", text, rank=i) for i, text in enumerate(texts)]
    readings = read(np.ones(DIM, dtype=np.float32) / 2, passages, terms, _scorer())
    draft = ExtractiveProvider().answer(question, Evidence(question=question, query=question, readings=readings, terms=terms))
    return [hit.chunk.doc_id for hit in draft.cited]


def test_a_sentence_opening_with_the_questions_words_is_no_quoted_row_and_keeps_its_second_source():
    question = "how do you become the governor general of canada"
    assert _cited(
        question,
        "The Governor General of Canada (French: Gouverneur général du Canada) is the representative of the monarch in canada.",
        "The governor general of canada is chosen by the monarch on the advice of the prime minister.",
    ) == ["doc0", "doc1"]


def test_a_row_whose_code_the_customer_quotes_takes_no_second_article():
    question = "getting error PDF-504 on my invoice"
    assert _cited(
        question,
        "| Message | Fix |\n|---|---|\n| `PDF generation failed (PDF-504)` | Try again after a minute on the invoice. |",
        "Include the error, for example `PDF generation failed (PDF-504)`, when you write about an invoice.",
    ) == ["doc0"]


def _draft(question: str, *texts: str):
    terms = _terms(question)
    passages = [_passage(f"doc{i}", text, rank=i) for i, text in enumerate(texts)]
    readings = read(np.ones(DIM, dtype=np.float32) / 2, passages, terms, _scorer())
    return ExtractiveProvider().answer(question, Evidence(question=question, query=question, readings=readings, terms=terms))


def test_a_second_article_saying_the_same_in_other_words_is_cited_not_quoted_again():
    draft = _draft(
        "is there a free trial of the pro plan",
        "Every new account gets a 14-day free trial of the Pro plan. When the trial ends, your account moves to the Free plan.",
        "Every new account starts with a 14-day free trial of the Pro plan. When the trial ends, the account moves to the Free plan.",
    )
    assert [h.chunk.doc_id for h in draft.cited] == ["doc0", "doc1"]
    assert draft.text.count("14-day free trial") == 1 and draft.text.endswith("[1][2]")


@pytest.mark.parametrize("other", [
    "On the Pro plan, refunds are not available after 30 days from the invoice date.",  # denies, another figure
    "On the Pro plan, refunds are available for 30 days from the invoice date.",  # another figure
])
def test_a_second_article_saying_something_else_in_the_same_words_is_not_taken_for_a_repeat(other):
    from assistant.extractive import _repeats

    assert not _repeats(other, "On the Pro plan, refunds are available for 14 days from the invoice date.")
    assert _repeats("Refunds on the Pro plan are available for 14 days from the invoice date.",
                    "On the Pro plan, refunds are available for 14 days from the invoice date.")


def _cited_in_sections(question: str, *texts_and_sections: tuple[str, float]) -> list[str]:
    """As `_cited`, each passage's section path as like the question as given (a help centre's)."""
    from dataclasses import replace

    terms = _terms(question)
    passages = [replace(_passage(f"doc{i}", text, rank=i), section=section) for i, (text, section) in enumerate(texts_and_sections)]
    readings = read(np.ones(DIM, dtype=np.float32) / 2, passages, terms, _scorer())
    draft = ExtractiveProvider().answer(question, Evidence(question=question, query=question, readings=readings, terms=terms))
    return [hit.chunk.doc_id for hit in draft.cited]


def test_a_second_article_under_a_section_on_something_else_is_not_quoted():
    """"is my data encrypted?" quoted, after the section on encryption, the deletion article's grace
    period, whose sentence on "our encrypted backups" reads as nearly as good an answer (QA)."""
    question = "is my data encrypted?"
    first = "Your data is encrypted at rest with AES-256 and in transit with TLS."
    second = "Deleted data is removed from our encrypted backups as your data expires."
    assert _cited_in_sections(question, (first, 0.45), (second, 0.22)) == ["doc0"]
    assert _cited_in_sections(question, (first, 0.45), (second, 0.40)) == ["doc0", "doc1"]
    # with no headings anywhere (both 0), as before
    assert _cited_in_sections(question, (first, 0.0), (second, 0.0)) == ["doc0", "doc1"]
