"""A customer who asks how to undo something is not sent the steps to do it: "how do I undo
cancelling my plan?" was answered, at 0.94, with the three steps to cancel."""

from __future__ import annotations

import pytest

from assistant import Assistant, build_assistant
from knowledge import KnowledgeBase


@pytest.fixture
def assistant(settings, sample_kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings, sample_kb)


@pytest.mark.parametrize(
    ("question", "the_action_undone"),
    [
        ("how do i undo cancelling my plan", "Click Cancel subscription"),
        ("can I reverse the cancellation of my subscription?", "Click Cancel subscription"),
        ("how do I undo deleting my account", "click Delete account"),
    ],
)
def test_the_steps_of_the_action_a_customer_wants_undone_are_never_the_answer(assistant, question, the_action_undone):
    reply = assistant.reply(question)
    said = reply.draft if reply.handoff else reply.text
    assert the_action_undone.lower() not in (said or "").lower()
