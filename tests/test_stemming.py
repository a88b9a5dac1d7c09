"""One stemmer for the BM25 index and the question's terms: a word's forms meet, other words don't."""

import pytest

from assistant.text import content_terms
from knowledge.lexical import LexicalIndex, tokenize
from knowledge.stemming import stem


@pytest.mark.parametrize(
    "forms",
    [
        ("invoice", "invoices", "invoiced", "invoicing"),  # an "e" the endings drop
        ("change", "changes", "changed", "changing"),
        ("policy", "policies"),
        ("apply", "applies", "applied", "applying"),
        ("cancel", "cancels", "cancelled", "canceled", "cancelling", "canceling"),
        ("stop", "stops", "stopped", "stopping"),
        ("fix", "fixes", "fixed", "fixing"),
        ("note", "notes", "noted"),  # the "e" back on a short base
        ("install", "installs", "installed", "installing"),
        ("access", "accesses", "accessed"),
        ("agree", "agrees", "agreed"),
        ("status", "statuses"),
        ("lose", "loses", "losing", "lost"),  # irregular past forms meet their verb
        ("pay", "pays", "paid", "paying"),
        ("send", "sends", "sent", "sending"),
    ],
)
def test_the_forms_of_a_word_share_its_stem(forms):
    assert len({stem(f) for f in forms}) == 1, {f: stem(f) for f in forms}


@pytest.mark.parametrize(
    "a, b",
    [
        ("access", "acces"),  # "ss", "us", "is" end words that are no plurals
        ("status", "statu"),
        ("analysis", "analysi"),
        ("invoice", "voice"),
        ("note", "not"),  # a final "e" whose loss would make another word
        ("rate", "rat"),
        ("need", "ne"),
        ("payment", "pay"),  # another word made of it, which stemming leaves apart
        ("used", "us"),
        ("settings", "set"),  # a page, not the verb of "set up"
    ],
)
def test_different_words_keep_different_stems(a, b):
    assert stem(a) != stem(b)


def test_short_words_keep_their_endings():
    assert stem("bed") == "bed"
    assert stem("use") == stem("used") == "use"
    assert stem("thing") == "thing"


def test_the_index_and_the_questions_terms_stem_alike():
    for text in ("Invoices you sent", "I lost my phone", "Cancelled subscriptions and their policies"):
        assert set(tokenize(text)) == content_terms(text)


def test_a_search_finds_a_passage_in_another_form_of_the_words():
    index = LexicalIndex(
        ["lost", "number"],
        ["If you lose your phone, sign in with a recovery code.", "Change the phone number on your account."],
    )
    assert index.search("I lost my phone", k=2)[0][0] == "lost"
    index = LexicalIndex(["edit", "plans"], ["Edit an invoice after sending it.", "Plans and prices."])
    assert index.search("editing invoices", k=2)[0][0] == "edit"
