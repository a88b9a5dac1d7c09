"""Asking what something is gets what introduces it: the opening of the article named for it, or of
the section headed by its name; not a passage about doing something with it, however like the
question word for word ("what does a credit note do?" had been sent "Issued credit notes can't be
edited or deleted" at 0.95)."""

from __future__ import annotations

import pytest

from assistant.definitions import defined_term, introduces, opening
from assistant.terms import QuestionTerms
from knowledge import Chunk
from knowledge.lexical import tokenize
from tests.bot_replies import said


@pytest.mark.parametrize(
    ("question", "thing"),
    [
        ("what is a credit note?", "credit note"),
        ("What are recovery codes", "recovery code"),
        ("whats ledgersync", "ledgersync"),
        ("what does LedgerSync do?", "ledgersync"),
        ("what does reverse charge mean?", "reverse charge"),
        ("ok so what's offline mode for?", "offline mode"),
        ("how do webhooks work?", "webhook"),
        ("how does a dispute work", "dispute"),
    ],
)
def test_asking_what_a_thing_is_names_the_thing(question, thing):
    assert defined_term(question) == tuple(tokenize(thing))


@pytest.mark.parametrize(
    "question",
    [
        "what is the youngest age you can marry in the usa",  # a fact about a thing, not what it is
        "what is it?",  # names nothing of its own
        "what about Pro?",
        "how do I issue a credit note?",
        "what's the difference between test and live keys",
    ],
)
def test_other_questions_ask_no_definition(question):
    assert defined_term(question) == ()


def test_a_question_asking_for_an_amount_is_not_asking_what_the_thing_is():
    assert QuestionTerms.of("what's the fee?", lambda word: 1.0).defined == ()
    assert QuestionTerms.of("what's a chargeback?", lambda word: 1.0).defined == ("chargeback",)


def _chunk(heading: str, title: str = "Credit notes and refunds to clients", ordinal: int = 1) -> Chunk:
    return Chunk(chunk_id="c", doc_id="d", title=title, url=None, text="t", content_hash="h", ordinal=ordinal, heading=heading)


def test_the_opening_of_an_article_named_for_the_thing_introduces_it():
    assert introduces(_chunk("", ordinal=0), ("credit", "note"))
    assert not introduces(_chunk("", ordinal=2), ("credit", "note"))  # further on, under no heading: not its opening
    assert not introduces(_chunk("", title="Set up recurring invoices", ordinal=0), ("credit", "note"))


def test_a_section_headed_by_the_things_name_alone_introduces_it():
    assert introduces(_chunk("Set up two-factor authentication > Recovery codes"), ("recovery", "cod"))
    assert not introduces(_chunk("Credit notes > Change or cancel a credit note"), ("credit", "note"))
    # or by how it works
    assert introduces(_chunk("Chargebacks and disputes > How a dispute works"), ("dispute",))
    assert not introduces(_chunk("Chargebacks and disputes > Respond to a dispute"), ("dispute",))


def test_the_introduction_is_its_first_sentence_naming_the_thing():
    units = [
        "API keys and webhooks",  # a label, no sentence
        "The Tally API lets your software create invoices.",
        "Webhooks tell your systems the moment something happens.",
    ]
    assert opening(units, ("webhook",), [False] * 3) == 2
    # an article named for it that opens on something else introduces nothing
    assert opening(units[:2], ("webhook",), [False] * 2) is None
    # nor is a sentence set aside (about the opposite action, say) its introduction
    assert opening(units, ("webhook",), [False, False, True]) is None


def test_what_a_credit_note_is_gets_the_articles_opening(sample_assistant):
    text = said(sample_assistant.reply("what's a credit note?"))
    assert "reduces or cancels what a client owes" in text
    assert "can't be edited or deleted" not in text


def test_what_recovery_codes_are_gets_the_opening_of_their_section(sample_assistant):
    text = said(sample_assistant.reply("what are recovery codes?"))
    assert "Each code works" in text
    assert not text.startswith("To see how many")


def test_a_sentence_the_thing_is_the_subject_of_introduces_it_first():
    units = [
        "Key Protect uses envelope encryption to protect your data.",
        "Envelope encryption involves encrypting your data with a data key.",
    ]
    assert opening(units, ("envelope", "encryption"), [False, False]) == 1
    # of those, the likeliest answer
    units.append("Envelope encryption is the practice of encrypting data with a key.")
    assert opening(units, ("envelope", "encryption"), [False] * 3, [0.7, 0.6, 0.9]) == 2
    assert opening(units, ("envelope", "encryption"), [False] * 3) == 1  # no scores: the first
    assert opening(["A credit note reduces what a client owes."], ("credit", "note"), [False]) == 0


def test_how_a_thing_works_gets_what_it_is_not_the_steps_to_do_something_with_it(sample_assistant):
    """"how do credit notes work?" had been sent that they sync to LedgerSync (0.97), "how do webhooks
    work?" the steps to add an endpoint (0.99)."""
    assert "reduces or cancels what a client owes" in said(sample_assistant.reply("how do credit notes work?"))
    text = said(sample_assistant.reply("how do webhooks work?"))
    assert "Webhooks tell your systems the moment something happens" in text
    assert "Add endpoint" not in text
    # a section on how it works is where it is said
    assert "Your client's bank opens a dispute" in said(sample_assistant.reply("how does a dispute work?"))
