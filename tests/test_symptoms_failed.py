"""A problem stated as a failure ("tried to X and it failed", "payment failed", "the payment didn't
go through") is a bare problem, asked which case it is like "I can't sign in".

What broke: only "can't X" and "X is not working / broken / failing" were recognised, so "payment
failed" and "my customer tried to pay an invoice and it failed" were searched as questions and handed
off with a draft from another article; "keeps failing" was said back as "the trouble with keeps".
And the cases of an article were missed: a section named with a contraction ("The PDF doesn't open
or download", "Your account can't take payments") did not count as a case, a task ("Find out why a
payment failed") did, and one passage of another article among the best stopped the question.
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant import Assistant, build_assistant
from assistant.evidence import Passage
from assistant.reader import Reading
from assistant.symptoms import cases, stated_problem
from knowledge import KnowledgeBase
from knowledge.documents import Chunk, Hit


@pytest.fixture
def assistant(settings, sample_kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings, sample_kb)


@pytest.mark.parametrize(
    ("message", "said_back", "with_details"),
    [
        ("my customer tried to pay an invoice and it failed", "your customer couldn't pay an invoice",
         "my customer tried to pay an invoice and it failed with card_declined"),
        ("I tried to pay and it failed", "you couldn't pay", "I tried to pay and it failed, why?"),
        ("tried to export but it keeps failing", "you couldn't export", "tried to do it but it keeps failing"),
        ("my client tried to pay, it was declined", "your client couldn't pay", "what if my client tried to pay and it was declined"),
        ("we tried to connect ledgersync and got an error", "you couldn't connect ledgersync",
         "we tried to connect ledgersync and got an error about the tenant"),
        ("my clients can't pay", "your clients can't pay", "why can't my clients pay?"),
        ("payment failed", "about the trouble with payment", "payment failed with incorrect_zip, what does that mean"),
        ("the payment didn't go through", "about the trouble with the payment", "why didn't the payment go through?"),
        ("the payment isn’t going through", "about the trouble with the payment", "it isn't going through"),
        ("my customer's payment failed", "about the trouble with your customer's payment", "what if my customer's payment failed"),
        ("the pdf won't open", "about the trouble with the pdf", "the pdf won't open in safari"),
        ("the app keeps crashing", "about the trouble with the app", "it keeps crashing"),
    ],
)
def test_a_failure_stated_alone_is_a_bare_problem_and_with_what_went_wrong_is_not(message, said_back, with_details):
    assert stated_problem(message) == said_back
    assert stated_problem(with_details) is None


@pytest.mark.parametrize("message", ["keeps failing", "still broken", "kept failing again"])
def test_a_failure_that_names_nothing_is_no_bare_problem(message):
    assert stated_problem(message) is None


def _reading(doc_id: str, heading: str, n: int) -> Reading:
    chunk = Chunk(chunk_id=f"{doc_id}#{n}", doc_id=doc_id, title=doc_id, url=None, text="Text.", content_hash="h",
                  ordinal=n, heading=heading)
    passage = Passage(Hit(chunk, score=0.6, fused=0.5), n, ["Text."], np.zeros((1, 4), dtype=np.float32),
                      np.zeros(1, dtype=np.float32))
    return Reading(passage, 0.5, 0, np.full(1, 0.5, dtype=np.float32))


def _readings(*sections: tuple[str, str]) -> list[Reading]:
    return [_reading(doc_id, heading, n) for n, (doc_id, heading) in enumerate(sections)]


def test_sections_named_with_a_contraction_are_cases_and_a_task_is_not():
    found = cases(_readings(
        ("pdf", "The PDF doesn't open or download > On the web"), ("pdf", "Find out why the PDF failed"),
        ("pdf", "The PDF won't print"), ("pdf", "What this doesn't change"), ("pdf", "Error messages"),
    ))
    assert found is not None
    assert found[1] == ["The PDF doesn't open or download", "The PDF won't print", "Error messages"]


def test_one_passage_of_another_article_does_not_stop_the_question_but_a_spread_does():
    mostly = _readings(
        ("recurring", "Charge a client's card automatically"), ("declined", "Your account can't take payments"),
        ("declined", ""), ("declined", 'Payments marked "Processing"'), ("declined", "Common decline codes"),
        ("other", "Create and send the invoice"),
    )
    found = cases(mostly)
    assert found is not None
    article, names = found
    assert article.chunk.doc_id == "declined"
    assert names == ["Your account can't take payments", 'Payments marked "Processing"', "Common decline codes"]
    spread = _readings(
        ("a", "Charge a client's card automatically"), ("declined", "Your account can't take payments"),
        ("b", "Undo a recorded payment"), ("declined", 'Payments marked "Processing"'), ("c", "Respond to a dispute"),
        ("declined", "Common decline codes"),
    )
    assert cases(spread) is None


@pytest.mark.parametrize("message", ["payment failed", "I tried to pay and it failed"])
def test_a_failed_payment_is_asked_which_case_it_is_from_the_declined_payments_article(assistant, message):
    reply = assistant.reply(message)
    assert not reply.handoff and "What happens when you try?" in reply.text, reply.text
    assert "Common decline codes" in reply.text and "Your account can't take payments" in reply.text
    assert "Find out why a payment failed" not in reply.text  # a task, not a case
    assert [s.doc_id for s in reply.sources] == ["payments/declined-and-failed-payments"]
    detailed = assistant.reply(f"{message} with incorrect_zip, what does that mean")
    assert "What happens when you try?" not in (detailed.text or "")


def test_a_broken_pdf_is_asked_which_case_it_is(assistant):
    reply = assistant.reply("my pdf is broken")
    assert not reply.handoff and reply.text.startswith("Sorry about the trouble with your pdf.")
    assert "The PDF doesn't open or download" in reply.text and "The PDF looks wrong" in reply.text
    assert [s.doc_id for s in reply.sources] == ["troubleshooting/pdf-not-generating"]
    # "download" names one of those cases: its section is the answer, not the question back
    named = assistant.reply("my pdf download is broken")
    assert "tell me which" not in (named.draft if named.handoff else named.text)
