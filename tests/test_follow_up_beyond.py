"""A follow-up whose answer found is the passage the last reply quoted, with nothing in it the
follow-up names, is answered from the next passage read when that passage's section is headed with
the follow-up's own words; otherwise it goes to a person as a repeat. "what if a sync fails?", after
how often LedgerSync syncs, had been handed off with that same sentence as the draft."""

from __future__ import annotations

import pytest

from assistant import Assistant, build_assistant
from knowledge import KnowledgeBase


@pytest.fixture
def assistant(settings, sample_kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings, sample_kb)


def _converse(assistant: Assistant, questions: list[str]):
    history: list[tuple[str, str]] = []
    reply, previous = None, None
    for question in questions:
        reply = assistant.reply(question, history, previous_confidence=previous)
        history += [("user", question), ("agent", reply.text)]
        previous = reply.confidence
    return reply


def test_a_follow_up_the_last_section_does_not_answer_gets_the_section_it_names(assistant):
    reply = _converse(assistant, ["how do i connect ledgersync", "how often does it sync", "what if a sync fails"])
    assert not reply.handoff, reply.handoff_detail
    assert "Needs attention" in reply.text
    assert "Tally syncs every 15 minutes" not in reply.text


def test_a_follow_up_no_other_section_is_headed_for_goes_to_a_person(assistant):
    # the next section read ("How many people can you add?") names no member: not sent instead
    reply = _converse(assistant, ["how do i invite someone to my team", "what can a member do"])
    assert reply.handoff and reply.handoff_reason == "repeats_last_reply"
    assert "contact sales" not in reply.text


def test_the_section_the_quoted_one_sits_in_is_no_answer_beyond_it(assistant):
    # "Set your own rate" sits in "How exchange rates work", whose heading names the rate too
    reply = _converse(assistant, [
        "can i change the exchange rate", "does that change what the client pays", "ok and how do i set my own rate again",
    ])
    assert reply.handoff and reply.handoff_reason == "repeats_last_reply"
    assert "mid-market" not in reply.text


def test_an_answer_a_reply_before_the_last_gave_is_not_sent_again(assistant):
    # the override steps, then one sentence of them; then a question they do not answer
    reply = _converse(assistant, [
        "what currencies can i invoice in",
        "can i change the exchange rate",
        "does that change what the client pays",
        "ok and what if the rate changes after i send it",
    ])
    assert reply.handoff and reply.handoff_reason == "repeats_last_reply"


def test_what_if_after_a_reply_that_said_it_gets_the_sentence_saying_that_case(assistant):
    reply = _converse(assistant, ["how do disputes work", "how long do i have to respond", "what if i miss the deadline"])
    assert not reply.handoff, reply.handoff_detail
    assert reply.text.startswith("If you don't respond in time, the dispute is automatically lost.")
    assert "The exact deadline is shown" not in reply.text
