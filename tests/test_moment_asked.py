"""A question about a moment ("what should I do before deleting my account?") is answered by the
section headed by that moment ("Before you delete"), not by the steps of the action itself, which
had been the draft at 0.77."""

from __future__ import annotations

import pytest

from assistant import Assistant, build_assistant
from assistant.terms import asked_moment
from knowledge import KnowledgeBase


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("what should I do before deleting my account", ("before", "delet")),
        ("is there anything I need to do before I delete my account", ("before", "delet")),
        ("Before you delete", ("before", "delet")),
        ("what happens after i cancel my plan", ("after", "cance")),
        ("After you’ve cancelled", ("after", "cance")),
        ("After that", None),
        ("how do I delete my account", None),
    ],
)
def test_the_moment_a_text_names_is_its_preposition_and_action(text, moment):
    assert asked_moment(text) == moment


@pytest.fixture
def assistant(settings, sample_kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings, sample_kb)


@pytest.mark.parametrize(
    "question", ["what should I do before deleting my account", "is there anything I need to do before I delete my account"]
)
def test_what_to_do_before_deleting_is_not_the_steps_to_delete(assistant, question):
    reply = assistant.reply(question)
    said = (reply.draft if reply.handoff else reply.text) or ""
    assert "Delete account button stays unavailable" in said
    assert "Type your business name to confirm" not in said


def test_asking_how_to_delete_still_gets_the_steps(assistant):
    reply = assistant.reply("how do I delete my account")
    assert "Type your business name to confirm" in ((reply.draft if reply.handoff else reply.text) or "")
