"""A reply never points at a place in the article it does not show ("see the table below")."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from assistant.evidence import Evidence, Passage
from assistant.extractive import ExtractiveProvider
from assistant.pointers import Place, is_pointer, mend_pointers, places_below, shows
from assistant.reader import Reading, read
from knowledge.units import split_units
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


def test_the_places_below_a_reply_points_at_and_does_not_show():
    item = "- Sync paused: the app can't reach Tally. See the troubleshooting steps below."
    assert places_below(f"You'll see:\n- Up to date: all synced.\n{item}") == [Place("steps")]
    assert places_below(f"{item}\n\nWork through these steps:\n1. Check your connection.") == []  # shown after it
    row = '- `PDF-504` — Too slow. — Try again. If it keeps happening, see "Large logos and long invoices" below.'
    assert places_below(row) == [Place("section", "large logos and long invoices")]
    assert places_below("5. Choose what to do with the credit (see below).") == []  # names nothing to look for
    assert places_below("Work through the sections below.") == []
    assert places_below(f"{item}\n- Another state: see the table below.", within=item) == [Place("steps")]
    assert shows(Place("steps"), ["If it's paused:", "1. Check your connection."])
    assert not shows(Place("steps"), ["If someone edits an invoice on the web, Tally keeps the web version."])
    assert shows(Place("section", "large logos and long invoices"), ["- Logo: up to 2 MB."], "PDFs > Large logos and **long** invoices")


SYNC = [  # one article, in chunks
    "The app syncs whenever it has a connection. You'll see:\n\n- **Up to date**: all synced.\n"
    "- **Sync paused**: the app can't reach Tally. See the troubleshooting steps below.\n\nTo force a sync, pull down.",
    "If someone edits an invoice on the web while you edit it offline, Tally keeps the web version.",
    "If you see **Sync paused**, work through these steps in order:\n\n1. **Check your connection.**\n2. **Update the app.**",
    "3. **Restart the app.** Open it again and tap **Sync now**.",
    "Offline changes are stored on your device for up to 30 days.",
]
HEADINGS = ["How syncing works", "How syncing works > Conflicts", "Fixing sync problems", "Fixing sync problems", "Storage"]


def _chunk_passage(ordinal: int, headings: list[str] = HEADINGS) -> Passage:
    passage = _passage("sync", SYNC[ordinal], rank=ordinal)
    chunk = replace(passage.hit.chunk, chunk_id=f"sync#{ordinal}", ordinal=ordinal, heading=headings[ordinal])
    return replace(passage, hit=replace(passage.hit, chunk=chunk))


def _sync_reply(also_read: list[int], headings: list[str] = HEADINGS) -> str:
    """The reply quoting chunk 0 of SYNC, with the chunks `also_read` read for the question too."""
    terms = _terms("my app says sync paused")
    first = read(np.ones(DIM, dtype=np.float32) / 2, [_chunk_passage(0)], terms, _scorer())[0]
    others = [Reading(_chunk_passage(k, headings), 0.1, 0, np.zeros(len(split_units(SYNC[k])), dtype=np.float32)) for k in also_read]
    return ExtractiveProvider().answer("q", Evidence(question="q", query="q", readings=[first, *others], terms=terms)).text


def test_the_steps_an_answer_points_at_further_down_its_article_are_brought():
    # QA: "my app says sync paused" got "See the troubleshooting steps in the article." at 1.00
    text = _sync_reply([1, 2, 3])
    assert "Sync paused: the app can't reach Tally. See the troubleshooting steps below." in text
    assert "\n\nIf you see Sync paused, work through these steps in order:\n1. Check your connection.\n2. Update the app.\n" in text
    assert "3. Restart the app. Open it again and tap Sync now." in text  # the rest of the list, from the next chunk
    assert "keeps the web version" not in text and "30 days" not in text
    # the chunk between not read: it may hold what is pointed at, so nothing is brought
    text = _sync_reply([2, 3])
    assert "See the troubleshooting steps in the article." in text and "Check your connection" not in text
    # the list of the next chunk, of another section, is another list
    other = [*HEADINGS[:3], "Other problems", HEADINGS[4]]
    text = _sync_reply([1, 2, 3], headings=other)
    assert "2. Update the app." in text and "Restart the app" not in text


def test_a_named_section_the_reply_shows_under_its_heading_keeps_its_place_word():
    row = '- `PDF-504` — Too slow. — Try again. If it keeps happening, see "Large logos and long invoices" below.'
    reply = f"{row}\n\nLarge logos and long invoices:\n- Logo: up to 2 MB."
    assert mend_pointers(reply) == reply and places_below(reply) == []
