"""A customer who reports a message in their own words ("my csv import says invalid date") is
answered from the row of the table of messages they mean, not from the sentence after the table:
"Rows with errors are skipped …" had been sent at 0.90."""

from __future__ import annotations

import pytest

from assistant.terms import QuestionTerms
from tests.bot_replies import said


@pytest.mark.parametrize(
    ("question", "reports"),
    [
        ("my csv import says invalid date", True),
        ("it shows an error when I upload", True),
        ("a message pops up about my card", True),
        ("how do I import a csv file?", False),
    ],
)
def test_a_question_reporting_what_the_app_says_is_told(question, reports):
    assert QuestionTerms.of(question, lambda word: 1.0).reports is reports


def test_a_message_reported_in_other_words_is_answered_from_its_row(sample_assistant):
    assert "Row 22: date must be YYYY-MM-DD" in said(sample_assistant.reply("my csv import says invalid date"))
