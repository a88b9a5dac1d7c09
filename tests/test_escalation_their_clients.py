"""What a customer asks about their own client is a how-to question, not a request for us to act.

"she paid another invoice twice by mistake, can i refund her card?" went to a person as "Customer
disputes a charge", and "a client of mine wants their data deleted under gdpr" as "Customer asks us
to delete their account or personal data": the rules read a payment or a request of the customer's
client as the customer's own. The help centre answers both (a refund to the client's card, and
anonymising a client). The customer's own "refund me", "delete my data" and "you charged me twice"
still reach a person, as does anything about a client that is asked of us ("can you refund her?").
"""

from __future__ import annotations

import pytest

from assistant.escalation import EscalationRules

from .escalation_helpers import rule_of as _rule
from .escalation_helpers import rules  # noqa: F401  (fixture)


# A payment, request or duty of the customer's client: the help centre says how.
ABOUT_THEIR_CLIENT = [
    "she paid the March invoice twice by accident, how do I give her the money back?",
    "he was charged twice for INV-0311, can I send half back to his card",
    "they paid twice through the payment link, how do i refund them",
    "one of my customers paid double by card, what's the quickest way to return it",
    "a client of ours says she was overcharged on the deposit invoice",
    "he says he never agreed to the late fee, can I take it off?",
    "a client of mine has asked for her data to be erased under GDPR",
    "one of my customers wants his details deleted, what do I do",
    "we got a GDPR request from a former client asking us to delete their information",
    "she wants her account deleted from our client list",
    "my client wants to cancel her subscription with me, how do I stop the recurring invoices",
    "a customer of mine asked me to refund him for the last invoice",
]

# The customer's own account, card or data, or a request put to us: a person acts.
THEIR_OWN = [
    ("refund me", "refund_request"),
    ("delete my data", "delete_account_or_data"),
    ("you charged me twice", "billing_dispute"),
    ("they charged me twice this month", "billing_dispute"),
    ("they renewed it without asking anyone", "billing_dispute"),
    ("we paid twice for the pro plan in March", "billing_dispute"),
    ("why was I billed twice when my client only paid once?", "billing_dispute"),
    ("my client's payment went through but I was charged twice for my plan", "billing_dispute"),
    ("I want my data erased under GDPR, and my client's too", "delete_account_or_data"),
    ("I'd like a refund, my clients hate the new invoice design", "refund_request"),
    ("as a paying customer I expect better, you billed us double", "billing_dispute"),
    # "she" on the customer's side: a colleague, the company card
    ("she spotted a double charge on the company card", "billing_dispute"),
    ("her card was charged twice for our pro plan", "billing_dispute"),
    ("my client was charged twice and so was I", "billing_dispute"),
    # about a client, but asked of us
    ("she paid twice, can you refund her?", "billing_dispute"),
    ("could you refund him please, he paid twice", "refund_request"),
    ("a client wants her data removed under GDPR, can you delete it for me?", "delete_account_or_data"),
]


@pytest.mark.parametrize("message", ABOUT_THEIR_CLIENT)
def test_a_question_about_the_customers_own_client_stays_with_the_bot(rules: EscalationRules, message: str) -> None:
    assert _rule(rules, message) is None


@pytest.mark.parametrize(("message", "rule"), THEIR_OWN)
def test_the_customers_own_charge_data_or_refund_still_reaches_a_person(
    rules: EscalationRules, message: str, rule: str
) -> None:
    assert _rule(rules, message) == rule
