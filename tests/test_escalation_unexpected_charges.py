"""An angry complaint about an unexpected charge reaches a person under the anger or dispute rule.

"why the hell was I charged $290 today?? I never agreed to this" matched no rule: "the hell" stood
between "why" and "was I charged", "hell" was no swearword, and "never agreed to this" (past
tense) was not "never agree to". It went to the queue as a low-confidence reply, without the
priority and reason the rules give. Now the anger wins (angry_customer, priority 70, no article),
and without the anger "I never agreed to this" is a disputed charge.

A neutral question about a charge is decided as the rules meant it: "why was I charged $290?"
asks why the customer's own card was charged, which only their billing history answers (the help
centre's advice for a charge you cannot place ends with writing to billing), so it stays a billing
dispute; "what is this $29 charge?" asks what a charge is, which the prices table and the steps
for a charge you don't recognise answer, so it stays with the bot.
"""

from __future__ import annotations

import pytest

from assistant.escalation import EscalationRules

from .escalation_helpers import rule_of as _rule
from .escalation_helpers import rules  # noqa: F401  (fixture)


ANGRY_ABOUT_A_CHARGE = [
    "why the hell did you take $120 off my card this morning??",
    "what the hell is this $24 payment, I never signed up for pro",
    "how dare you charge me £240 without a word",
    "what the heck is this $29 debit",
]

DISPUTED_CHARGE = [
    "why on earth were we billed $290 yesterday? we never agreed to this",
    "We never agreed to this.",
    "I never authorized that payment",
    "we never approved this upgrade",
    "I never agreed to that renewal",
    # the neutral "why": kept as the dispute it was
    "why was I charged $290?",
    "why were we charged €29 yesterday?",
]

ABOUT_A_CHARGE = [
    "what is this $29 charge?",
    "what's the €120 charge on our statement?",
    "is the $290 charge the yearly pro price?",
    "I never agreed to the new terms, what changed?",
    "my client says he never agreed to the late fee, can I waive it?",
]


@pytest.mark.parametrize("message", ANGRY_ABOUT_A_CHARGE)
def test_an_angry_complaint_about_a_charge_reaches_a_person_as_anger(rules: EscalationRules, message: str) -> None:
    assert _rule(rules, message) == "angry_customer"


def test_the_qa_message_is_anger_before_a_dispute_and_sends_no_article(rules: EscalationRules) -> None:
    escalation = rules.match("why the hell was I charged $290 today?? I never agreed to this")
    assert escalation is not None
    assert (escalation.rule, escalation.reason, escalation.reply_with_article) == (
        "angry_customer", "Customer is angry or frustrated", False,
    )
    calm = rules.match("why was I charged $290 today? I never agreed to this")
    assert calm is not None and calm.rule == "billing_dispute" and calm.reply_with_article is True


@pytest.mark.parametrize("message", DISPUTED_CHARGE)
def test_a_charge_the_customer_did_not_agree_to_is_a_billing_dispute(rules: EscalationRules, message: str) -> None:
    assert _rule(rules, message) == "billing_dispute"


@pytest.mark.parametrize("message", ABOUT_A_CHARGE)
def test_what_a_charge_is_stays_with_the_help_centre(rules: EscalationRules, message: str) -> None:
    assert _rule(rules, message) is None
