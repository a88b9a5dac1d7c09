"""Regressions a review found in the day's rule changes (99a8f29, ad5258e, 373d3c7), each pinned both ways.

1. {about_their_client} excused the customer's own requests to act: "cancel the subscription, he
   no longer works here" counted "he" as a client and found nothing of the customer's own. The
   excuse now needs a sentence framed as the customer's own how-to about their client (a "can I /
   how do I" question, or a client named), never one opening with an imperative refund, cancel,
   delete or close, nor "I/we want/need/would like to <action>", and "please" asks us.
2. A sign-in notice the customer places "when I was at home" or ", I was asleep" disowns it.
3. "hell"/"heck" is anger in a complaint, not in a plain how/what question.
"""

from __future__ import annotations

import pytest

from assistant.escalation import EscalationRules

from .escalation_helpers import rule_of as _rule
from .escalation_helpers import rules  # noqa: F401  (fixture)


OWN_REQUESTS = [
    ("cancel the subscription, he no longer works here", "cancel_subscription"),
    ("i want to cancel the subscription, she left", "cancel_subscription"),
    ("delete the workspace, she left the company", "delete_account_or_data"),
    ("refund the last invoice, she was not supposed to upgrade", "refund_request"),
    ("cancel the plan for her account", "cancel_subscription"),
    ("refund the seat we added for him", "refund_request"),
    ("refund them please, the client paid twice", "refund_request"),
]

HOW_TO_ABOUT_THEIR_CLIENT = [
    "she paid another invoice twice by mistake, can i refund her card?",
    "a client of mine wants their data deleted under gdpr",
    "a client of mine wants their data deleted, how do I do that?",
    "how can I refund her card, she paid twice",
    "my client wants to cancel her plan with me, how do I stop the invoices?",
]

DISOWNED_NOTICE = [
    "why does it say I logged in from a new device when I was at home",
    "why does it say I logged in from a new device, I was asleep",
    "why does it say I logged in from a new device as I was asleep",
]

HELP_QUESTIONS_WITH_HELL = [
    "how the hell do I export invoices",
    "what the heck is a webhook",
    "how do I add Hell's Kitchen as a client",
    "how the heck do I change the invoice logo?",
]

ANGRY_WITH_HELL = [
    "what the hell is wrong with this app",
    "the hell is this charge",
    "how the heck was I billed twice",
    "what the hell!!",
    "why the hell did you take $120 off my card this morning??",
]


@pytest.mark.parametrize(("message", "rule"), OWN_REQUESTS)
def test_the_customers_own_request_to_act_escalates_though_it_names_someone(
    rules: EscalationRules, message: str, rule: str
) -> None:
    assert _rule(rules, message) == rule


@pytest.mark.parametrize("message", HOW_TO_ABOUT_THEIR_CLIENT)
def test_a_how_to_about_their_client_stays_with_the_bot(rules: EscalationRules, message: str) -> None:
    assert _rule(rules, message) is None


@pytest.mark.parametrize("message", DISOWNED_NOTICE)
def test_a_notice_the_customer_places_elsewhere_is_a_security_incident(rules: EscalationRules, message: str) -> None:
    assert _rule(rules, message) == "security_incident"


def test_a_notice_question_without_a_denial_stays_with_the_bot(rules: EscalationRules) -> None:
    assert _rule(rules, "why does it say I logged in from a new device?") is None


@pytest.mark.parametrize("message", HELP_QUESTIONS_WITH_HELL)
def test_hell_in_a_plain_help_question_is_not_anger(rules: EscalationRules, message: str) -> None:
    assert _rule(rules, message) is None


@pytest.mark.parametrize("message", ANGRY_WITH_HELL)
def test_hell_in_a_complaint_is_anger(rules: EscalationRules, message: str) -> None:
    assert _rule(rules, message) == "angry_customer"


def test_the_qa_charge_complaint_still_escalates(rules: EscalationRules) -> None:
    assert _rule(rules, "why the hell was I charged $290 today?? I never agreed to this") in {
        "angry_customer", "billing_dispute",
    }
