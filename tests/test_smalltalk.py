"""Greetings, thanks and goodbyes are answered as such; a question that starts with one is not."""

from __future__ import annotations

import pytest

from assistant.smalltalk import (
    ACKNOWLEDGED_REPLY,
    CAPABILITIES_REPLY,
    FAREWELL_REPLY,
    GREETING_REPLY,
    HOW_ARE_YOU_REPLY,
    IDENTITY_REPLY,
    OPENER_REPLY,
    THANKS_REPLY,
    smalltalk_reply,
)


@pytest.mark.parametrize("said", ["hi", "Hello!", "hello again", "hey there", "Hi team", "good morning everyone", "howdy", "yo", "heyy", "hiii"])
def test_a_greeting_gets_a_greeting(said):
    assert smalltalk_reply(said) == GREETING_REPLY


@pytest.mark.parametrize(
    "said", ["good morning how are you today?", "hi, how are you?", "how's it going", "Hello! How are you doing?"]
)
def test_how_are_you_gets_a_friendly_word_not_a_handoff(said):
    assert smalltalk_reply(said) == HOW_ARE_YOU_REPLY


@pytest.mark.parametrize("said", ["ok", "Okay.", "got it", "cool", "makes sense", "alright, got it", "k", "perfect!", "👍", "👍🏽", "👌 👍", "🙂"])
def test_an_acknowledgement_is_not_taken_for_the_last_question_asked_again(said):
    assert smalltalk_reply(said) == ACKNOWLEDGED_REPLY


@pytest.mark.parametrize(
    "said",
    ["thanks", "Thank you so much!", "ok, thanks", "got it, thank you", "many thanks", "thanks again",
     "thanks for the help earlier!", "thank you for your time", "Thanks so much for all your help today",
     "gracias!", "merci", "thank u", "🙏"],
)
def test_thanks_get_a_welcome_and_an_offer_of_more(said):
    assert smalltalk_reply(said) == THANKS_REPLY


@pytest.mark.parametrize(
    "said", ["what can you help me with?", "what can you do", "who are you?", "hi, what can u help with",
             "what kind of questions can you answer?"],
)
def test_asking_what_the_bot_can_do_gets_what_it_is_for_not_a_handoff(said):
    assert smalltalk_reply(said) == CAPABILITIES_REPLY


@pytest.mark.parametrize(
    "said",
    ["are you a bot?", "Are you a real person?", "am I talking to a human?", "is this a bot or a real person",
     "hi, are you human?", "is this automated?", "am i chatting with an AI", "wait, is this a real person typing?",
     "are u a robot", "are you real or a bot?", "cool. are you an AI?"],
)
def test_asking_whether_a_bot_answers_gets_told_so_and_how_to_reach_a_person(said):
    assert smalltalk_reply(said) == IDENTITY_REPLY
    assert "person" in IDENTITY_REPLY


@pytest.mark.parametrize("said", ["bye", "Goodbye!", "no, that's all", "No that's all, thanks", "nothing else", "I'm good, thank you", "see you",
                                   "thank you, thats all", "thanks, bye!", "thanks! that's all for now"])
def test_a_goodbye_or_no_more_questions_gets_a_goodbye_not_a_handoff(said):
    assert smalltalk_reply(said) == FAREWELL_REPLY


@pytest.mark.parametrize(
    "said",
    ["quick question", "Hi, I need some help with my account please", "I have a question", "hey, can you help me?",
     "help", "is anyone there?", "I've got a few questions"],
)
def test_an_opening_line_that_only_announces_a_question_is_asked_what_it_is(said):
    assert smalltalk_reply(said) == OPENER_REPLY


@pytest.mark.parametrize(
    "said",
    ["hello, how do I cancel my plan?", "I need help cancelling my plan", "can you help me export my invoices?",
     "I have a question about VAT", "help! my card was charged twice", "hi, my card was charged twice", "thanks but the invoice is still wrong",
     "that's all wrong", "bye bye data: delete my account", "hello again, I still can't sign in",
     "ok but how do I export?", "how are you storing my data?", "cool, can I change my plan?", "ok so what about pro",
     "thanks for the refund policy, but I was charged twice", "what can you do about my refund?", "who are you billing?",
     "what are your prices?", "are you a bot? I want a real person", "is this a bot that can refund me?",
     "is this person allowed to see my invoices?", "are agents able to export data?", "?", "👍 but how do I export?",
     "yo how do I export", "thanks, but how do I cancel?"],
)
def test_a_question_that_starts_with_small_talk_is_answered_as_a_question(said):
    assert smalltalk_reply(said) is None
