"""A closing in the customer's own words ("thank you friend", "ok thanks, that's all", "perfect, that's
everything") gets a closing, not a search; a question after the closing words is still a question.

What broke: small talk knew a few fixed shapes (thanks alone, "great, thanks", thanks then "that's
all"), so "ok thanks, that's all" was scored as a question and handed to a person (0.71), and "thank
you friend" got the previous topic's answer sent again (0.89). A closing is now any run of nods,
thanks, goodbyes and the one they are said to, in any order.
"""

from __future__ import annotations

import pytest

from assistant import Assistant, build_assistant
from assistant.smalltalk import ACKNOWLEDGED_REPLY, FAREWELL_REPLY, THANKS_REPLY, smalltalk_reply
from knowledge import KnowledgeBase

CLOSINGS = [
    # (the closing, what it gets, a question that starts the same way)
    ("thank you friend", THANKS_REPLY, "thanks! and how do I export?"),
    ("thanks mate", THANKS_REPLY, "thanks mate, can I change my plan?"),
    ("thx buddy", THANKS_REPLY, "thx buddy but the invoice is still wrong"),
    ("cheers man", THANKS_REPLY, "cheers man, what about pro"),
    ("ok great thanks", THANKS_REPLY, "ok great thanks, and how do I cancel?"),
    ("got it, thank you kindly!", THANKS_REPLY, "got it, thank you! what about refunds?"),
    ("great stuff, thanks so much for your help!", THANKS_REPLY, "great, thanks so much for your help! one more thing: VAT"),
    ("awesome, that fixed it, thank you", THANKS_REPLY, "awesome, that fixed it, thank you. And the PDF?"),
    ("thanks, I'll try that", THANKS_REPLY, "thanks, I'll try that but what if it fails?"),
    ("much appreciated 🙏", THANKS_REPLY, "much appreciated, but why was I charged twice"),
    ("ok thanks, that's all", FAREWELL_REPLY, "ok thanks, that's all wrong though"),
    ("perfect, that's everything", FAREWELL_REPLY, "perfect, that's everything I need to do?"),
    ("that's all I needed", FAREWELL_REPLY, "that's all I needed to change?"),
    ("that’s all, thanks", FAREWELL_REPLY, "that’s all for the Pro plan?"),
    ("got it. that's everything for today", FAREWELL_REPLY, "got it. is that everything for today?"),
    ("no thanks", FAREWELL_REPLY, "no thanks, I want a refund"),
    ("nope, all good", FAREWELL_REPLY, "nope, all good invoices failed"),
    ("I'm all set, thanks", FAREWELL_REPLY, "I'm all set up, thanks, but payouts?"),
    ("that was really helpful, have a good day", FAREWELL_REPLY, "that was really helpful, have a look at my invoice"),
    ("okay that answers my question", ACKNOWLEDGED_REPLY, "okay that answers my question about Starter, and Pro?"),
    ("right, good to know", ACKNOWLEDGED_REPLY, "right, good to know. how do I export?"),
]


@pytest.mark.parametrize(("said", "reply", "asked"), CLOSINGS)
def test_a_closing_in_the_customers_own_words_is_small_talk_and_a_question_after_it_is_not(said, reply, asked):
    assert smalltalk_reply(said) == reply
    assert smalltalk_reply(asked) is None


@pytest.fixture
def assistant(settings, sample_kb: KnowledgeBase) -> Assistant:
    return build_assistant(settings, sample_kb)


def test_a_closing_after_an_answer_gets_a_closing_not_the_answer_again_or_a_person(assistant):
    history = [
        ("user", "how do I export my invoices?"),
        ("agent", "Go to Settings → Import & export, choose Invoices and click Export CSV. [1]"),
    ]
    closed = assistant.reply("ok thanks, that's all", history)
    assert (closed.text, closed.handoff, closed.sources) == (FAREWELL_REPLY, False, [])
    thanked = assistant.reply("thank you friend", history)
    assert (thanked.text, thanked.handoff, thanked.sources) == (THANKS_REPLY, False, [])
    asked = assistant.reply("thanks! and how do I change my plan?", history)
    assert asked.text not in (THANKS_REPLY, FAREWELL_REPLY)
