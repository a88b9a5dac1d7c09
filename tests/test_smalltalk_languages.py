"""Thanks, greetings and goodbyes in the customer's own language, or shorthand, are small talk.

What broke: "grazie mille" was searched as a question and handed to a person at confidence 0.03 with
a draft about payouts. Small talk knew "grazie", "merci", "danke", "gracias" and "obrigado" as single
words only, so "grazie mille", "merci bien", "vielen Dank", "muchas gracias", "dank je wel" or "tack så
mycket" were no thanks; nor were goodbyes ("ciao", "tschüss", "adiós"), greetings ("hola", "bonjour",
"helo") or "no thanks" ("non merci", "nein danke") in other languages. A question after them is
still a question.
"""

from __future__ import annotations

import pytest

from assistant import build_assistant
from assistant.smalltalk import ACKNOWLEDGED_REPLY, FAREWELL_REPLY, GREETING_REPLY, HOW_ARE_YOU_REPLY, THANKS_REPLY, smalltalk_reply

THANKS = [
    # Italian, French, German, Spanish, Portuguese
    "grazie mille", "Grazie mille!", "mille grazie", "grazie tante",
    "merci beaucoup", "merci bien", "Merci !", "merci mon ami",
    "danke", "danke schön", "dankeschön", "vielen Dank!", "vielen lieben Dank",
    "gracias", "muchas gracias", "mil gracias", "gracias amigo",
    "obrigado", "muito obrigada",
    # Dutch, Swedish, Norwegian, Danish, Finnish, Polish, Russian, Japanese
    "dank je", "dank je wel", "dankjewel", "bedankt",
    "tack", "tack så mycket", "tusen takk", "mange tak", "kiitos", "dziękuję", "спасибо", "ありがとう",
    # English shorthand
    "thx", "ty", "thanx", "tnx!", "cheers mate",
    # with a nod
    "ok grazie", "perfetto, grazie mille", "d'accord, merci", "alles klar, danke",
]

GOODBYES = [
    "grazie e ciao", "merci, au revoir", "gracias, adiós", "danke und tschüss", "tschüss", "hasta luego",
    "arrivederci", "tot ziens", "obrigado, tchau",
    # no more to ask
    "non merci", "nein danke", "no grazie", "no gracias",
]

GREETINGS = ["hola", "bonjour", "ciao", "hallo", "helo", "hii there", "buongiorno", "guten Morgen", "bom dia", "hej"]

# A question after the thanks or the greeting is a question.
QUESTIONS = [
    "grazie mille, ma come cancello il mio abbonamento?",
    "merci, but how do I export?",
    "grazie, can I cancel?",
    "danke, und wie exportiere ich Rechnungen?",
    "gracias, and what about refunds?",
    "hola, how do I cancel my plan?",
    "helo, how i can cancel my subscription?",
    "tack, where do I change my email?",
]


@pytest.mark.parametrize("said", THANKS)
def test_thanks_in_another_language_or_shorthand_get_a_welcome(said: str) -> None:
    assert smalltalk_reply(said) == THANKS_REPLY


@pytest.mark.parametrize("said", GOODBYES)
def test_a_goodbye_in_another_language_gets_a_goodbye(said: str) -> None:
    assert smalltalk_reply(said) == FAREWELL_REPLY


@pytest.mark.parametrize("said", GREETINGS)
def test_a_greeting_in_another_language_or_misspelled_gets_a_greeting(said: str) -> None:
    assert smalltalk_reply(said) == GREETING_REPLY


def test_how_are_you_and_a_nod_after_a_greeting_or_in_another_language() -> None:
    assert smalltalk_reply("hola, how are you?") == HOW_ARE_YOU_REPLY
    assert smalltalk_reply("va bene") == ACKNOWLEDGED_REPLY
    assert smalltalk_reply("alles klar") == ACKNOWLEDGED_REPLY


@pytest.mark.parametrize("said", QUESTIONS)
def test_a_question_after_foreign_thanks_or_a_greeting_is_still_a_question(said: str) -> None:
    assert smalltalk_reply(said) is None


@pytest.fixture(scope="module")
def reply(sample_kb):
    """The assistant serving the sample help centre: it reads the customer's words through its
    spelling corrector before small talk sees them."""
    return build_assistant(sample_kb.settings, sample_kb).reply


@pytest.mark.parametrize("said", ["grazie mille", "merci beaucoup", "vielen Dank", "muchas gracias", "dank je wel", "tack så mycket"])
def test_the_bot_says_youre_welcome_to_thanks_in_another_language_not_a_handoff(reply, said: str) -> None:
    history = [
        ("user", "how do I cancel my subscription?"),
        ("agent", "Go to Settings → Billing → Plan and click Cancel subscription. [1]"),
    ]
    thanked = reply(said, history)
    assert (thanked.text, thanked.handoff, thanked.sources) == (THANKS_REPLY, False, [])
