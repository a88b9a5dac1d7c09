"""A question about what a sign-in notice means is a help question, not a security incident.

"why does it say I logged in from a new device?" or "I got an email about a new sign-in, what is
that?" went to a person as a security incident (rule security_incident): the words of the notice
("a sign-in from a new device", "unusual activity") were read as the customer's report. A
customer who says it was not them, or that someone else got in, still reaches a person.
"""

from __future__ import annotations

import pytest

from assistant.escalation import EscalationRules

from .escalation_helpers import rule_of as _rule
from .escalation_helpers import rules  # noqa: F401  (fixture)


ABOUT_A_NOTICE = [
    "why does it say I logged in from a new device?",
    "I got an email about a new sign-in, what is that?",
    "why did I get an email saying my account was used on a new device?",
    "got a notification about a login from a new device, is that normal?",
    "the app says unusual sign-in detected, what does that mean?",
    "what does 'suspicious login' mean in the email you sent me?",
    "received an email about unusual activity on my account, what is that about?",
    "there was an alert about a sign-in from an unfamiliar location, should I be worried?",
    "I got an alert saying there was a sign-in from a new device. What does it mean?",
]

SOMEONE_ELSE_GOT_IN = [
    "someone logged into my account",
    "that wasn't me",
    "my account was hacked",
    "why does it say I logged in from a new device? I didn't",
    "why does it say I logged in from a new device when I didn't?",
    "I got an email about a new sign-in, that wasn't me",
    "I got an email about a new sign-in but I never logged in",
    "got an alert about a sign-in from a device I don't recognise, what is that?",
    "the email says I logged in from Spain but I'm in London, what does that mean?",
    "there was an alert about a login from a country I've never been to, is that normal?",
    "I got an email about a new sign-in, has someone got into my account?",
    "the notification says someone signed in from a new device",
]


@pytest.mark.parametrize("message", ABOUT_A_NOTICE)
def test_asking_what_a_sign_in_notice_means_is_a_help_question(rules: EscalationRules, message: str) -> None:
    assert _rule(rules, message) is None


@pytest.mark.parametrize("message", SOMEONE_ELSE_GOT_IN)
def test_a_sign_in_the_customer_disowns_is_still_a_security_incident(rules: EscalationRules, message: str) -> None:
    assert _rule(rules, message) == "security_incident"
