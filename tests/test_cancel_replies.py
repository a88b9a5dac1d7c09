"""Cancelling is ending, the opposite of setting up: "how do I cancel a recurring invoice?" is
answered by stopping the profile, not by how to make an invoice recurring (sent at 0.88)."""

from __future__ import annotations

from assistant.terms import QuestionTerms
from tests.bot_replies import said


def test_cancelling_sets_aside_what_creates_or_starts():
    terms = QuestionTerms.of("how do I cancel a recurring invoice", lambda word: 1.0)
    assert terms.opposes("Create a recurring profile")
    assert not terms.opposes("Edit, pause or stop a profile")


def test_cancelling_a_recurring_invoice_is_stopping_its_profile(sample_assistant):
    text = said(sample_assistant.reply("how do I cancel a recurring invoice"))
    assert "Stop: ends the profile permanently" in text
    assert "Make recurring" not in text
