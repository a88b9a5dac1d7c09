"""A section written for one plan (its heading's "(Pro)") does not answer a question about another."""

from __future__ import annotations

from assistant.scope import other_scope

PLANS = {"free": frozenset({"starter", "pro"}), "starter": frozenset({"free", "pro"}), "pro": frozenset({"free", "starter"})}


def test_a_question_about_a_sibling_of_the_sections_scope_is_not_answered_by_it():
    heading = "Invoice reminders > Add late fees (Pro)"
    assert other_scope("can I charge late fees while on Starter?", heading, PLANS) == (
        "the answer found is for Pro; the question asks about starter"
    )
    assert other_scope("reminders on the free plan?", "Invoice reminders > Turn on reminders (Starter and Pro)", PLANS) == (
        "the answer found is for Pro and Starter; the question asks about free"
    )


def test_a_question_naming_the_scope_or_no_sibling_of_it_is_answered_by_it():
    heading = "Invoice reminders > Add late fees (Pro)"
    assert other_scope("how do I add late fees?", heading, PLANS) is None  # names no plan
    assert other_scope("late fees on Pro and Starter?", heading, PLANS) is None  # names the scope too
    assert other_scope("can I add late fees on Starter?", "Invoice reminders > Add late fees", PLANS) is None  # no scope
    assert other_scope("can I use it on iOS?", "Mobile apps > Offline mode (Android)", PLANS) is None  # a scope no table lists
    assert other_scope("how do I add late fees for free?", heading, PLANS) is None  # "free", no plan named
