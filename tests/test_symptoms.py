"""A problem stated with nothing about what happens ("I can't sign in") is asked which case it is,
from the sections of its troubleshooting article; a question about a case is answered as one."""

from __future__ import annotations

import pytest

from assistant import Assistant, build_assistant
from assistant.symptoms import stated_problem
from knowledge import KnowledgeBase


@pytest.fixture
def assistant(settings, sample_kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings, sample_kb)


@pytest.mark.parametrize(
    ("message", "said_back"),
    [
        ("I can't sign in", "you can't sign in"),
        ("cant log in", "you can't log in"),
        ("hi, I can’t log in anymore", "you can't log in"),
        ("i cant login to my account", "you can't login to your account"),
        ("we are unable to connect ledgersync", "you can't connect ledgersync"),
        ("my pdf download is broken", "about the trouble with your pdf download"),
        ("card payments keep failing", "about the trouble with card payments"),
    ],
)
def test_a_problem_stated_alone_is_said_back(message, said_back):
    assert stated_problem(message) == said_back


@pytest.mark.parametrize(
    "message",
    ["it doesn't work", "that isn't working", "how do I sign in?", "and if the last try also fails?",
     "what if sign-in fails", "I can't find where to change my email address in the settings page",
     "can't sign in after changing my phone and authenticator app", "why can't I sign in with Google?"],
)
def test_a_question_or_a_problem_with_its_details_is_no_bare_problem(message):
    assert stated_problem(message) is None


def test_i_cant_sign_in_is_asked_which_error_it_sees_with_the_article(assistant):
    reply = assistant.reply("I can't sign in")
    assert not reply.handoff and reply.text.startswith("Sorry you can't sign in. What happens when you try?")
    assert "`Invalid email or password.`" in reply.text and "`Too many sign-in attempts" in reply.text
    assert "Signing in on the mobile apps" not in reply.text  # a section, not an error one sees
    assert [s.doc_id for s in reply.sources] == ["troubleshooting/login-problems"]


def test_the_customers_answer_to_which_case_gets_that_cases_answer(assistant):
    asked = assistant.reply("I can't sign in")
    reply = assistant.reply("it says too many sign-in attempts", [("user", "I can't sign in"), ("agent", asked.text)])
    text = reply.draft if reply.handoff else reply.text
    assert "15 minutes" in text


def test_a_feature_whose_article_lists_tasks_not_cases_is_not_asked_which_case(assistant):
    reply = assistant.reply("reminders don't work")
    assert "What happens when you try?" not in (reply.text or "")
