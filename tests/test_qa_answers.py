"""Replies a QA pass found wrong, each now right for a reason that holds beyond its wording."""

from __future__ import annotations

import pytest

from assistant import Assistant, build_assistant
from knowledge import KnowledgeBase


@pytest.fixture
def lenient(settings, sample_kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings.model_copy(update={"handoff_threshold": 0.5}), sample_kb)


def _said(reply) -> str:
    return reply.draft if reply.handoff else reply.text


@pytest.mark.parametrize("question", ["can i force everyone on my team to use 2fa", "how do we enforce 2fa for the whole team"])
def test_forcing_2fa_on_a_team_is_answered_by_the_section_on_requiring_it_not_on_turning_it_off(lenient, question):
    text = _said(lenient.reply(question))
    assert "To turn 2FA off" not in text
    assert "Require two-factor authentication" in text or "Team members without 2FA are asked to set it up" in text


@pytest.mark.parametrize(("question", "answer", "not_quoted"), [
    ("how many webhook endpoints can i add", "You can add up to 10 endpoints.", "Click Add endpoint"),
    ("can i turn 2fa off completely?", "To turn 2FA off, click Turn off two-factor authentication", "1. Go to Settings"),
])
def test_a_can_i_question_is_answered_by_its_sentence_not_its_sections_steps(lenient, question, answer, not_quoted):
    text = _said(lenient.reply(question))
    assert answer in text and not_quoted not in text


def test_where_can_i_see_why_a_payment_failed_gets_the_way_there_not_what_clients_see(lenient):
    text = _said(lenient.reply("where can i see why my client's card payment failed"))
    assert "Go to Payments → Transactions." in text
    assert "Clients see a plain message" not in text


def test_how_to_put_bank_details_on_invoices_gets_the_steps_not_only_what_follows_them(lenient):
    text = _said(lenient.reply("how do I put my bank details on the invoice"))
    assert "1. Go to Settings → Payments → Bank transfer." in text and "Click Add bank account." in text


def test_a_slip_in_a_decline_code_is_read_as_the_code(lenient):
    typed, meant = lenient.reply("what does incorect_zip mean"), lenient.reply("what does incorrect_zip mean")
    assert "`incorrect_zip`" in _said(typed)
    assert abs(typed.confidence - meant.confidence) < 0.05
