"""How-to questions that a greeting, a learner's word order or "do I have to ...?" turned into requests.

A second QA pass found two how-to questions sent to a person as requests to act:

1. "helo, how i can cancell my subscripion?" went to a person as "Customer asks us to cancel their
   subscription", while "how i can cancel my subscription?" alone, and "helo, how can i cancel ...",
   were answered. A question is known by its opening ("how ...") once the greeting before it is
   set aside, and the rules knew a few greetings only ("hi", "hello"), not "helo" (which the spelling
   corrector makes "help"), "hi there" or "dear support"; and "how can I" in the middle of a
   sentence, not a learner's "how i can", "where i can", "what i must do".
2. "one of my clients wants her data removed, do I have to delete my whole account?" went to a
   person as "Customer asks us to delete their account or personal data", while "do I have to delete
   my account if a client wants her data removed?" was answered: "do I have to / do I need to / must
   I" was a question only at the start of a sentence. And "I have to delete" inside "do I have to
   delete" read as the customer's own request, so a question about their client ("she paid twice,
   do I have to refund her card?") lost its excuse too.

Asking whether one must do something is a question about the rules, which the help centre
answers. Saying one must ("I have to delete my account now, do it"), asking us ("I need you to
cancel my plan"), or a request beside the question ("delete my account, do I need to confirm?")
still reaches a person, greeting, typos and all.
"""

from __future__ import annotations

import pytest

from assistant import build_assistant
from assistant.escalation import EscalationRules

from .escalation_helpers import rule_of as _rule
from .escalation_helpers import rules  # noqa: F401  (fixture)

# ---- 1. a greeting, and a learner's word order ----------------------------------------------

# A how-to question after a greeting, as typed: misspelled, said to someone, in another language.
GREETING_THEN_HOW_TO = [
    "helo, how i can cancell my subscripion?",
    "help, how i can cancels my subscription?",  # what the spelling corrector makes of the line above
    "hi there, how i can cancel my subscription?",
    "hey how I do cancel my plan",
    "hii, how do I delete my account?",
    "good morning, where i can delete my account?",
    "good afternoon team, how can I close my account?",
    "dear support, where i can cancel my plan?",
    "hallo, how i can get a refund?",
    "heyy there, how i can unlock my account?",
    "hola, how do i change my billing email?",
    "morning, how i can upgrade my plan?",
    "yo, how i do delete my data?",
]

# "how i can", "where i can", "what i must do": the question, in another word order.
LEARNERS_WORD_ORDER = [
    "how i can cancel my subscription?",
    "where i can change my email?",
    "what i must do to cancel my subscription?",
    "I'm closing my business, how i can cancel my subscription?",
    "my accountant left, where we can change the account owner?",
    "we are moving country, how we can close our account",
    "hi, how i can remove two factor from my account?",
    "hello, how i can transfer ownership to my partner?",
]


@pytest.mark.parametrize("message", GREETING_THEN_HOW_TO + LEARNERS_WORD_ORDER)
def test_a_how_to_question_after_a_greeting_or_in_a_learners_word_order_stays_with_the_bot(
    rules: EscalationRules, message: str
) -> None:
    assert _rule(rules, message) is None


# ---- 2. whether they must do something ----------------------------------------------------

WHETHER_THEY_MUST = [
    "one of my clients wants her data removed, do I have to delete my whole account?",
    "do I have to delete my account if a client wants her data removed?",
    "a client asked to be forgotten, would I need to delete our workspace?",
    "must I delete my account to remove my data?",
    "do I need to cancel my subscription to change plan?",
    "do we have to close our account if we stop trading?",
    "my accountant says I should cancel, do I really need to cancel my plan?",
    "my client left, should I delete my account?",
    "am I required to delete my account to remove a client's data?",
    "is it necessary to cancel my subscription before downgrading?",
    "have I got to close my account to change the owner?",
    "what do I need to do to get a refund?",
    "I'm leaving Tally, what I must do to close my account?",
    # about their client: "do I have to refund" is no request of their own
    "she paid twice, do I have to refund her card?",
    "one of my customers cancelled, do I have to cancel her subscription myself?",
]


@pytest.mark.parametrize("message", WHETHER_THEY_MUST)
def test_asking_whether_they_must_do_something_is_a_question_for_the_bot(rules: EscalationRules, message: str) -> None:
    assert _rule(rules, message) is None


# ---- still requests: a person acts --------------------------------------------------------

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
    # ... or asked to be done now, or by us
    ("do I need to cancel my subscription immediately?", "cancel_subscription"),
    ("do I have to delete my account for you to delete my data?", "delete_account_or_data"),
]


@pytest.mark.parametrize(("message", "rule"), STILL_REQUESTS)
def test_a_request_to_act_still_reaches_a_person_after_a_greeting_or_beside_a_question(
    rules: EscalationRules, message: str, rule: str
) -> None:
    assert _rule(rules, message) == rule


@pytest.mark.parametrize("message", ["helo, not helpful", "hi there, that doesn't help", "dear support, you're not helping"])
def test_a_greeting_before_telling_the_bot_it_is_not_helping_changes_nothing(rules: EscalationRules, message: str) -> None:
    assert _rule(rules, message) == "bot_not_helping"


# ---- the whole bot ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reply(sample_kb):
    """The assistant serving the sample help centre (its spelling corrector reads "helo" as "help")."""
    return build_assistant(sample_kb.settings, sample_kb).reply


@pytest.mark.parametrize(
    "message",
    [
        "helo, how i can cancell my subscripion?",
        "one of my clients wants her data removed, do I have to delete my whole account?",
    ],
)
def test_the_bot_answers_these_questions_itself_instead_of_escalating_them(reply, message: str) -> None:
    answer = reply(message)
    assert answer.handoff_reason != "escalation"
