"""A customer who says something never came ("I didn't get the reset email") is answered with what
to do when it doesn't arrive, not the steps to ask for it: "i didnt get the password reset email"
had been sent the six reset steps at 0.91."""

from __future__ import annotations

import pytest

from assistant import Assistant, build_assistant
from assistant.terms import says_never_came
from knowledge import KnowledgeBase


@pytest.mark.parametrize(
    "text",
    [
        "i didnt get the password reset email",
        "I never received the password reset link",
        "haven’t got the reset email yet",
        "I'm not getting the 2fa code",
        "the invite still hasn't arrived",
        "If the reset email doesn't arrive",
        "Invoice emails not delivered or going to spam",
    ],
)
def test_something_that_never_came_is_told(text):
    assert says_never_came(text)


@pytest.mark.parametrize(
    "text",
    [
        "how do I reset my password?",
        "Reset a forgotten password",
        "when will I get my refund?",
        "I got the email but the link has expired",
        "If the link says it has expired",
        "When the money arrives",
    ],
)
def test_asking_for_something_or_saying_it_came_is_not(text):
    assert not says_never_came(text)


@pytest.fixture
def assistant(settings, sample_kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings, sample_kb)


@pytest.mark.parametrize(
    "question",
    ["i didnt get the password reset email", "I never received the password reset link", "haven't got the reset email yet"],
)
def test_a_reset_email_that_never_came_gets_what_to_do_when_it_does_not_arrive(assistant, question):
    reply = assistant.reply(question)
    said = (reply.draft if reply.handoff else reply.text) or ""
    assert "check your spam" in said.lower()
    assert "Click Forgot password?" not in said
    assert "has expired or has already been used" not in said


def test_asking_how_to_reset_still_gets_the_reset_steps(assistant):
    reply = assistant.reply("how do I reset my password?")
    assert not reply.handoff
    assert "Click Forgot password?" in reply.text
