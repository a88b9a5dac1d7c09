"""A question asking where or how to see a figure ("where can I see how many codes I have left?")
asks for the way there in the app, not for the figure: it had been sent the sentence saying "10
recovery codes" at 0.97, because the figure's type ruled out every sentence without a number."""

from __future__ import annotations

import pytest

from assistant.answer_types import expected_type
from tests.bot_replies import said


@pytest.mark.parametrize(
    "question",
    [
        "where do I see how many recovery codes are left?",
        "how can I check how much credit a client still has",
        "is there a way to find out how many invoices I've sent this month",
        "can we see when the next invoice goes out?",
    ],
)
def test_asking_for_the_way_to_see_a_figure_asks_for_a_procedure(question):
    assert expected_type(question) == "procedure"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how many recovery codes do I get?", "number"),
        ("how much credit does my client have left?", "number"),
        ("when does the next recurring invoice go out?", "date"),
        ("I can't see how many codes I have left, the page is empty", "number"),
    ],
)
def test_asking_for_the_figure_itself_still_asks_for_it(question, kind):
    assert expected_type(question) == kind


def test_where_to_see_the_codes_left_gets_the_way_there(sample_assistant):
    text = said(sample_assistant.reply("I've used two of my backup codes, where can I see how many I have left?"))
    assert "Recovery codes" in text and "Settings → Security" in text


def test_how_to_check_a_clients_credit_gets_where_the_balance_is_shown(sample_assistant):
    text = said(sample_assistant.reply("a client has some credit from a credit note, where do I check how much credit is left"))
    assert "credit balance" in text
    assert "Issue credit note" not in text
