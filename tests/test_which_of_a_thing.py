"""A question asking which of a thing there are ("what plans do you have?") is answered by the
article's opening when its title names that thing: the opening has no heading of its own, and had
lost to sections whose headings name it ("How the Free plan's invoice limit works")."""

from __future__ import annotations

from assistant import build_assistant
from knowledge import KnowledgeBase
from tests.bot_replies import said


def test_asking_which_plans_there_are_gets_the_opening_that_names_them(settings, sample_kb: KnowledgeBase):
    reply = build_assistant(settings, sample_kb).reply("what plans do you have")
    assert "three plans" in said(reply)
    assert "5 invoices per calendar month" not in said(reply)
