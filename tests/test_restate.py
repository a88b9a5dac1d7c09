"""A follow-up about one thing the last reply said gets that thing, not the whole reply again."""

from __future__ import annotations

import numpy as np

from assistant.evidence import Passage
from assistant.reader import Reading
from assistant.restate import brief_quote, restated
from assistant.terms import QuestionTerms
from knowledge.documents import Chunk, Hit
from knowledge.units import split_units


def _terms(question: str) -> QuestionTerms:
    return QuestionTerms.of(question, lambda word: 1.0)


def _reading(text: str, best: int) -> Reading:
    units = split_units(text)
    chunk = Chunk(chunk_id="doc#0", doc_id="doc", title="Doc", url=None, text=text, content_hash="h", ordinal=0)
    vectors = np.zeros((len(units), 4), dtype=np.float32)
    passage = Passage(Hit(chunk, score=0.6, fused=0.5), 0, units, vectors, np.zeros(len(units), dtype=np.float32))
    scores = np.zeros(len(units), dtype=np.float32)
    scores[best] = 0.9
    return Reading(passage, 0.9, best, scores)


RATES = (
    "You can override the rate on any invoice. Open the invoice and click the rate. "
    "This changes only the value used in reports. It doesn't change what your client pays. "
    "Rates update every hour."
)


def test_the_brief_answer_is_its_sentence_with_those_it_leans_on():
    units = split_units(RATES)
    assert [units[i] for i in brief_quote(units, 2).units] == [
        "Open the invoice and click the rate.",  # "This" leans on it
        "This changes only the value used in reports.",
        "It doesn't change what your client pays.",  # and this leans on the answer
    ]
    assert brief_quote(units, 4).units == [4]


def test_a_table_row_comes_with_its_header_and_a_list_item_without_its_bullet():
    table = "| Plan | Seats |\n|---|---|\n| Starter | Up to 3 |\n| Pro | Up to 10 |"
    assert restated(_reading(table, 2), _terms("and on pro?"), "how many seats on starter") == (
        "- Plan — Seats\n- Pro — Up to 10 [1]"
    )
    # one row alone only for a follow-up that names it: "when are they sent?" is asked of every rule
    rules = "| Rule | When it's sent |\n|---|---|\n| Heads-up | 3 days before the due date |\n| Due today | On the due date |"
    assert restated(_reading(rules, 2), _terms("when are they sent?"), "how do i set up automatic reminders") is None
    assert restated(_reading(rules, 2), _terms("and the due today one, when is it sent?"), "how do i set up automatic reminders") == (
        "- Rule — When it's sent\n- Due today — On the due date [1]"
    )
    steps = "To stop reminders:\n\n- For a client: open the client and turn off reminders.\n- For one invoice: choose Pause reminders."
    assert restated(_reading(steps, 2), _terms("just for a single invoice?"), "how do i stop reminders for a client") == (
        "For one invoice: choose Pause reminders. [1]"
    )


def test_it_is_said_again_only_when_the_follow_up_names_something_new_in_it():
    reading = _reading(RATES, 3)
    asked_before = "can I override the exchange rate on an invoice?"
    assert restated(reading, _terms("does my client pay a different amount?"), asked_before) == (
        "This changes only the value used in reports. It doesn't change what your client pays. [1]"
    )
    assert restated(reading, _terms("it's been 2 days"), asked_before) is None  # names nothing in it
    # names only what the conversation was already about ("invoice", "rate")
    assert restated(reading, _terms("what about the rate on this invoice?"), asked_before) is None


def test_a_sentence_that_was_the_whole_last_reply_is_no_narrower_answer():
    reading = _reading(RATES, 3)
    asked_before = "can I override the exchange rate on an invoice?"
    said = "This changes only the value used in reports. It doesn't change what your client pays. [1]"
    assert restated(reading, _terms("does my client pay a different amount?"), asked_before, said) is None
    longer = "You can override it on any invoice. This changes only the value used in reports. It doesn't change what your client pays."
    assert restated(reading, _terms("does my client pay a different amount?"), asked_before, longer) == said


def test_a_sentence_that_introduces_steps_brings_them():
    units = split_units("You can override the rate on any invoice:\n\n1. Open the invoice.\n2. Enter your rate.\n\nRates update hourly.")
    assert [units[i] for i in brief_quote(units, 0).units] == [
        "You can override the rate on any invoice:", "1. Open the invoice.", "2. Enter your rate."
    ]


PROCESSING = (
    "Some card payments show as Processing for a few minutes. Don't ask your client to pay again during this "
    "time, or they could be charged twice. If a payment stays in Processing for more than 1 hour, contact us."
)


def test_a_follow_up_saying_a_sentences_own_words_in_their_order_gets_that_sentence():
    reading = _reading(PROCESSING, 0)  # the passage found again, read as before
    asked_before = "my client tried to pay and now the payment has been showing Processing for 2 hours"
    assert restated(reading, _terms("should she just pay again?"), asked_before, PROCESSING, "should she just pay again?") == (
        "Don't ask your client to pay again during this time, or they could be charged twice. [1]"
    )
    # words of no sentence's phrase, or mere glue ("the payment"), name none of them
    assert restated(reading, _terms("what now?"), asked_before, PROCESSING, "what now?") is None
    assert restated(reading, _terms("and the payment?"), asked_before, PROCESSING, "and the payment?") is None


def test_a_step_that_introduces_its_own_list_brings_it():
    units = split_units(
        "1. Click **Add bank account**.\n2. Enter the details your clients need, for example:\n"
        "   - **US:** routing number and account number\n   - **UK:** sort code and account number\n3. Click **Save**."
    )
    step = next(i for i, u in enumerate(units) if u.startswith("2."))
    quoted = [units[i] for i in brief_quote(units, step).units]
    assert quoted[0].startswith("2. Enter the details") and any("sort code" in u for u in quoted)
    assert not any(u.startswith("3.") for u in quoted)


def test_a_bullet_ending_in_a_colon_brings_no_sibling_bullets():
    units = split_units("- **Daily:** every business day, at:\n- **Weekly:** on a day you choose\n- **Monthly:** on a date")
    assert brief_quote(units, 0).units == [0]


def test_a_sentence_pointing_at_what_follows_is_no_answer_on_its_own():
    # the steps it points at were the last reply: alone, it points at nothing the customer sees
    text = "If a client never got your invoice, Tally can tell you why. Start by checking its status, then follow the steps below."
    reading = _reading(text, 1)
    assert restated(reading, _terms("i checked spam already"), "my client never got the invoice email") is None
    assert restated(reading, _terms("where do i check its status"), "my client never got the invoice email") is None


def test_one_step_out_of_its_steps_answers_only_a_how_to():
    invite = "1. Go to **Settings → Team**.\n2. Click **Invite member**.\n3. Enter their email address and choose a role."
    earlier = "how do i invite someone to my team"
    # "what can a member do?" names the button's word, and asks nothing the step tells
    assert restated(_reading(invite, 1), _terms("what can a member do"), earlier) is None
    # a how-to is answered by the step
    assert restated(_reading(invite, 1), _terms("how do I get to the invite member button?"), earlier) == (
        "Click Invite member. [1]"
    )


def test_a_what_if_follow_up_gets_the_sentence_beside_the_answer_that_says_a_case():
    text = "You have 7 days to respond. The exact deadline is shown on the dispute. If you don't respond in time, the dispute is lost."
    reading = _reading(text, 1)
    reading.unit_scores[2] = 0.85  # nearly as likely as the best
    earlier = "how do disputes work how long do i have to respond"
    assert restated(reading, _terms("what if i miss the deadline"), earlier, question="what if i miss the deadline") == (
        "If you don't respond in time, the dispute is lost. [1]"
    )
    # a question asking no case keeps the answer the reader found
    assert restated(reading, _terms("where is the deadline shown"), earlier, question="where is the deadline shown") == (
        "The exact deadline is shown on the dispute. [1]"
    )
