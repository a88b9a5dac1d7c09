"""A reply never points at a place in the article it does not show ("see the table below")."""

from __future__ import annotations

import numpy as np

from assistant.evidence import Evidence
from assistant.extractive import ExtractiveProvider
from assistant.pointers import is_pointer, mend_pointers
from assistant.reader import read
from tests.test_reader import DIM, _passage, _scorer, _terms


def test_a_step_pointing_at_a_table_the_reply_does_not_show_points_at_the_article():
    reply = "1. Open the dispute.\n2. Read the reason the bank gave (see the table below).\n3. Click Respond."
    assert mend_pointers(reply) == (
        "1. Open the dispute.\n2. Read the reason the bank gave (see the table in the article).\n3. Click Respond."
    )


def test_a_pointer_at_what_the_reply_shows_keeps_its_place_word():
    reply = "2. Read the reason the bank gave (see the table below).\n3. Click Respond.\n- Reason — Meaning\n- Fraudulent — Not me"
    assert mend_pointers(reply) == reply
    leads_on = "Check the delivery status, then follow the matching steps below.\n\nIf it bounced:\n1. Fix the address."
    assert mend_pointers(leads_on) == leads_on


def test_the_steps_of_the_pointers_own_list_are_not_what_it_points_at():
    reply = "1. Add a password first.\n2. Change your email address using the steps above.\n3. Sign in with it."
    assert "using the steps in the article" in mend_pointers(reply)


def test_a_named_section_is_in_the_article_and_a_bare_see_below_is_dropped():
    row = '- `PDF-504` — Too slow. — Try again. If it keeps happening, see "Large logos and long invoices" below.'
    assert mend_pointers(row).endswith('see "Large logos and long invoices" in the article.')
    step = "5. Choose what to do with the credit (see below), then click Issue credit note."
    assert mend_pointers(step) == "5. Choose what to do with the credit, then click Issue credit note."
    assert mend_pointers("- Sync paused: the app can't reach Tally. See the troubleshooting steps below.") == (
        "- Sync paused: the app can't reach Tally. See the troubleshooting steps in the article."
    )


def test_words_that_only_look_like_pointers_are_left_alone():
    for text in ("Balances below 1.00 roll over to the next payout.", "Prices above are per month.",
                 "The window above the table shows your plan."):
        assert mend_pointers(text) == text


def test_a_quoted_step_reaches_the_customer_without_a_pointer_to_text_they_cannot_see():
    passage = _passage("disputes", (
        "To respond to a dispute:\n\n"
        "1. Go to Payments and open the dispute.\n"
        "2. Read the reason the bank gave (see the table below).\n"
        "3. Click Respond and upload your evidence."
    ))
    terms = _terms("how do i respond to a dispute")
    readings = read(np.ones(DIM, dtype=np.float32) / 2, [passage], terms, _scorer())
    draft = ExtractiveProvider().answer("q", Evidence(question="q", query="q", readings=readings, terms=terms))
    assert "Read the reason the bank gave" in draft.text
    assert "below" not in draft.text and "(see the table in the article)" in draft.text


def test_a_pointer_after_the_case_it_is_for_is_a_pointer():
    assert is_pointer("If the payment for your own Tally subscription failed, see [Update your payment card](https://x.example/card).")
    assert is_pointer("If reminders aren't arriving, see Invoice emails not delivered.")
    assert is_pointer("See Accept card payments.")
    # an answer that also names a place is not only a pointer
    assert not is_pointer("If the PDF is blank, go to Settings → Invoices and click Regenerate PDF.")
    assert not is_pointer("If your number is valid, we don't charge VAT, see your receipt for the reverse charge, and keep it.")
    assert not is_pointer("When a client's card payment doesn't go through, the invoice stays unpaid and nothing is charged.")
