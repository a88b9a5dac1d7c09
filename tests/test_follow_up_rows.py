"""A follow-up asking the last answer's question of another row ("and for Pro?") gets that row, not
the same table again."""

from __future__ import annotations

import pytest

from assistant import Assistant, build_assistant
from knowledge import KnowledgeBase


@pytest.fixture
def lenient(settings, sample_kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings.model_copy(update={"handoff_threshold": 0.5}), sample_kb)


@pytest.mark.parametrize(("first", "then", "row", "other"), [
    ("how much is starter per month", "and for Pro?", "- Pro — $29 / month — $290 / year", "Starter — $12"),
    ("how many team members on starter", "what about pro", "- Pro — Up to 10", "Starter — Up to 3"),
])
def test_the_same_question_of_another_row_gets_that_row_under_the_header(lenient, first, then, row, other):
    answer = lenient.reply(first)
    assert other in answer.text  # the table, the first time
    reply = lenient.reply(then, [("user", first), ("agent", answer.text)])
    text = reply.draft if reply.handoff else reply.text
    assert row in text and other not in text
    assert text != answer.text
