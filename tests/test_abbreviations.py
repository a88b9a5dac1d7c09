"""Abbreviations the knowledge base spells out, so a question in short form reads like the articles."""

from __future__ import annotations

from assistant import build_assistant
from knowledge.abbreviations import expand, find_abbreviations


def test_an_abbreviation_is_found_where_the_articles_spell_it_out():
    found = find_abbreviations([
        "Two-factor authentication (2FA) protects your account.",
        "Grant roles with Identity and Access Management (IAM) policies.",
        "Add your purchase order (**PO**) number.",
        "The agency is called the National Aeronautics and Space Administration ( NASA ) .",
    ])
    assert found == {
        "2fa": "Two-factor authentication",
        "iam": "Identity and Access Management",
        "po": "purchase order",
        "nasa": "National Aeronautics and Space Administration",
    }


def test_brackets_that_do_not_spell_an_abbreviation_are_not_one():
    assert find_abbreviations([
        "Add late fees (Pro)",  # a plan, in one capital
        "Codes change every 30 seconds (30)",
        "Send it to the billing team (ABC) today.",  # the words before do not spell it
    ]) == {}


def test_an_abbreviation_defined_two_ways_is_left_out():
    found = find_abbreviations(["Data Processing Agreement (DPA)", "Digital Product Archive (DPA)", "purchase order (PO)"])
    assert found == {"po": "purchase order"}


def test_a_question_in_short_form_gains_the_long_form():
    glossary = {"2fa": "Two-factor authentication", "iam": "Identity and Access Management", "sec": "Securities Commission"}
    assert expand("how do i turn on 2fa", glossary) == "how do i turn on 2fa (Two-factor authentication)"
    assert expand("Which IAM role?", glossary) == "Which IAM (Identity and Access Management) role?"
    # lower case without a digit is often a word of its own
    assert expand("wait a sec, iam confused", glossary) == "wait a sec, iam confused"
    # already said in full: left as it is
    assert expand("Is two-factor authentication (2FA) free?", glossary) == "Is two-factor authentication (2FA) free?"


def test_asking_for_2fa_is_answered_as_surely_as_asking_for_two_factor_authentication(settings, kb):
    assistant = build_assistant(settings, kb)
    spelled_out = assistant.reply("How do I turn on two-factor authentication?")
    short = assistant.reply("how do i turn on 2fa")
    assert not short.handoff, (short.confidence, short.handoff_detail)
    assert short.sources[0].doc_id == spelled_out.sources[0].doc_id == "account/two-factor-authentication"
    assert "Scan the QR code" in short.text and abs(short.confidence - spelled_out.confidence) < 0.1
