"""A problem stated alone is asked which case it is, from all its article's cases; a problem that
already names its case gets that case's section, whole."""

from __future__ import annotations

import pytest

from assistant import Assistant, build_assistant
from assistant.symptoms import names_a_case
from knowledge import KnowledgeBase

PDF_CASES = ["The PDF doesn't open or download", "The PDF looks wrong", "Error messages"]
EMAIL_CASES = ["If the status is Bounced", "If the status is Delivered but the client can't find it", "If the status is Blocked"]


@pytest.fixture
def assistant(settings, sample_kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings, sample_kb)


def _said(reply) -> str:
    return reply.draft if reply.handoff else reply.text


def test_a_problem_naming_a_word_only_one_case_has_names_that_case():
    assert names_a_case("the pdf won't download", PDF_CASES)
    assert names_a_case("my invoice email bounced", EMAIL_CASES)
    assert not names_a_case("my pdf is broken", PDF_CASES)  # "pdf" is in two cases' names
    assert not names_a_case("invoice email not arriving", EMAIL_CASES)
    assert not names_a_case("it bounced and it was blocked", EMAIL_CASES)  # two cases: which one?


def test_a_failed_payment_stated_alone_is_asked_which_of_the_articles_cases_it_is(assistant):
    reply = assistant.reply("my customer tried to pay an invoice and it failed")
    assert not reply.handoff and "tell me which" in reply.text
    # its cases come from the whole article, not only the few sections the search found
    assert "Common decline codes" in reply.text and 'Payments marked "Processing"' in reply.text
    assert [s.doc_id for s in reply.sources] == ["payments/declined-and-failed-payments"]


def test_a_problem_that_names_its_case_gets_that_sections_whole_list_and_nothing_else(assistant):
    text = _said(assistant.reply("the pdf won't download"))
    assert "tell me which" not in text
    for check in ("Pop-up blocker", "Browser extensions", "Supported browsers", "Downloads folder"):
        assert check in text
    assert "Billing history" not in text  # not also the subscription receipts' download steps


def test_what_someone_was_told_is_a_detail_not_a_bare_problem(assistant):
    from assistant.symptoms import stated_problem

    assert stated_problem("she says her card was declined") is None
    assert stated_problem("the app says sync failed") is None
    assert stated_problem("my customer tried to pay an invoice and it failed") == "your customer couldn't pay an invoice"
    reply = assistant.reply("she says her card was declined")
    assert "tell me which" not in (reply.draft if reply.handoff else reply.text)
