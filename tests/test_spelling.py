"""Typos are read as the knowledge base's words, and only typos: a real word, a name, a code, a
contraction typed without its apostrophe, or a guess between two words is left as written."""

from __future__ import annotations

import pytest

from knowledge.spelling import Speller, english_words, one_edit_apart

ARTICLES = [
    "Cancel your subscription in Settings. Cancelling keeps your invoices.",
    "Reset your password from the sign-in page. Your password must be 12 characters.",
    "Send webhooks to your endpoint. Add an email address for receipts. Mark spam as spam.",
    "Catalog of plans. Invoice, invoices, invoice.",
    "The cart and the card.",  # "carx" is one edit from both: no guess
]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller.of(ARTICLES, english_words())


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("how do i cancle my subscripton", "how do i cancel my subscription"),
        ("forgot pasword", "forgot password"),
        ("Invocie 42 is wrong", "Invoice 42 is wrong"),  # two letters swapped; the capital kept
        ("where is the catelog?", "where is the catalog?"),
    ],
)
def test_a_typo_is_read_as_the_knowledge_bases_word(speller, typed, read):
    assert speller.correct(typed) == read


@pytest.mark.parametrize(
    "typed",
    [
        "is this a scam",  # an English word, though one edit from "spam"
        "my gmail account",  # the first letter changed: "email"? people rarely miss the first letter
        "my webhook failed",  # a letter at the end: another form of "webhooks", not a typo
        "i dont see it",  # "don't" without its apostrophe, not "done"
        "SAML login and vMotion",  # acronyms and names written with inner capitals
        "write to pasword@example.com or see pasword.example/help or code PASWORD-42",
        "the carx was declined",  # "cart" or "card": no guess
        "Rawl's theory",  # a possessive: a name
    ],
)
def test_words_that_may_be_meant_are_left_as_written(speller, typed):
    assert speller.correct(typed) == typed


def test_one_edit_is_a_letter_added_dropped_changed_or_two_neighbours_swapped():
    assert one_edit_apart("cancle", "cancel") and one_edit_apart("pasword", "password")
    assert one_edit_apart("cart", "card") and one_edit_apart("cards", "card")
    assert not one_edit_apart("card", "card") and not one_edit_apart("cnacle", "cancel")


def test_nothing_is_corrected_to_a_word_the_knowledge_base_does_not_use():
    speller = Speller.of(["Nothing about billing here."], english_words())
    assert speller.correct("how do i cancle") == "how do i cancle"


def test_a_slip_in_a_code_the_articles_quote_is_read_as_that_code():
    speller = Speller.of(
        ["The payment failed with `incorrect_zip` or `card_declined`.", "Keys start with `tk_live_` or `tk_test_`."],
        english_words(),
    )
    assert speller.correct("waht does incorect_zip mean") == "waht does incorrect_zip mean"
    assert speller.correct("it says card_delcined") == "it says card_declined"
    # a code the articles do not quote, or one a slip away from two of them, is left as written
    assert speller.correct("error insufficient_fund") == "error insufficient_fund"
    assert speller.correct("tk_lave_ key") == "tk_lave_ key"
