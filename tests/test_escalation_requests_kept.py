"""Requests to act that must keep reaching a person, whatever greeting, typo, question or statement
is said beside them. A change that let a how-to after a greeting ("helo, how i can cancel ...?")
or a "do I have to ...?" stay with the bot was reverted when a review found it let through
requests like these (a "should I" or "how we would" anywhere in the sentence excused the request
after it); they guard the next attempt."""

from __future__ import annotations

import pytest

from assistant.escalation import EscalationRules

from .escalation_helpers import rule_of as _rule
from .escalation_helpers import rules  # noqa: F401  (fixture)

STILL_REQUESTS = [
    # greetings and typos before a request
    ("hi, cancel my subscription please", "cancel_subscription"),
    ("helo i want refund", "refund_request"),
    ("hii pls cancell my subscripion", "cancel_subscription"),
    ("hello, i want to cancel my plan", "cancel_subscription"),
    ("hey, refund me please", "refund_request"),
    ("good morning, please delete all my data", "delete_account_or_data"),
    ("hi there can you close my account", "close_or_lock_account"),
    ("helo, I need you to unlock my account asap", "close_or_lock_account"),
    ("dear support team, please delete my account", "delete_account_or_data"),
    ("help, cancel my subscription", "cancel_subscription"),
    ("hi there, restore my deleted invoice", "request_to_act"),
    ("helo, change my email to bob@example.com please", "change_account_details"),
    # saying they must, or asking us
    ("I need you to delete my account", "delete_account_or_data"),
    ("I need you to cancel my plan", "cancel_subscription"),
    ("I have to delete my account now, do it", "delete_account_or_data"),
    ("hello, I have to cancel my subscription today", "cancel_subscription"),
    ("I must cancel my subscription today", "cancel_subscription"),
    ("you have to cancel my subscription", "cancel_subscription"),
    # a request beside a question whether they must
    ("I need you to cancel my plan, do I have to do anything?", "cancel_subscription"),
    ("delete my account, do I need to confirm?", "delete_account_or_data"),
    ("I want to cancel my plan, do I need to pay anything?", "cancel_subscription"),
    ("please delete my account, do I need to do anything?", "delete_account_or_data"),
    ("can you refund me, do I need to send the invoice?", "refund_request"),
    # a "should I / must I / do I have to" said beside the request
    ("I have no idea what I should do anymore, I want my money back", "refund_request"),
    ("Seriously, do I have to beg to get my money back", "refund_request"),
    ("Thanks, why should I pay for a month I didn't use, I want my money back", "refund_request"),
    ("Must I really ask again to have my email changed to bob@new.com", "change_account_details"),
    ("No idea what we need to do anymore, our data must be deleted under GDPR", "delete_account_or_data"),
    # "how we would / how I can" inside a statement
    ("That's not how we would expect to be treated, we want a refund for INV-1042", "refund_request"),
    ("Here is how we will proceed: close our account and delete all our data", "close_or_lock_account"),
    ("I found out how we can stop paying, I want to cancel my plan today", "cancel_subscription"),
    ("I've told you how I would like it done, cancel my subscription at the end of the month", "cancel_subscription"),
    ("Change my email to bob@new.com, that's the one where I can get your emails", "change_account_details"),
    # an incident told as "how did / how is it" after a longer greeting
    ("Hi there, how did someone get into my account and send invoices I didn't send?", "security_incident"),
    ("Dear support team, how is it that you charged me twice", "billing_dispute"),
    ("Helo there, how come my account was charged 3 times", "billing_dispute"),
    ("Hello team, how did someone change my bank details and get my payout", "change_account_details"),
]


@pytest.mark.parametrize(("message", "rule"), STILL_REQUESTS)
def test_a_request_to_act_reaches_a_person_whatever_is_said_beside_it(rules: EscalationRules, message: str, rule: str) -> None:
    assert _rule(rules, message) == rule
