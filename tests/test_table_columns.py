"""A question naming a table's column ("what can an accountant see?") is answered with that column."""

from __future__ import annotations

from assistant.table_columns import column_text, named_column, names_row
from assistant.terms import QuestionTerms
from knowledge.units import split_units

ROLES = split_units(
    "Each person gets a role.\n\n"
    "| What they can do | Owner | Admin | Member | Accountant |\n|---|---|---|---|---|\n"
    "| Send invoices | Yes | Yes | Yes | No |\n"
    "| Export data | Yes | Yes | No | Yes |\n"
    "| Delete the account | Yes | No | No | No |"
)


def _terms(question: str) -> QuestionTerms:
    return QuestionTerms.of(question, lambda word: 1.0)


def test_the_column_a_question_names_is_quoted_beside_what_each_row_is_about():
    named = named_column(ROLES, _terms("what can an accountant see?"))
    assert named is not None and (named.start, named.end, named.columns) == (1, 5, (4,))
    assert column_text(ROLES, named) == (
        "- What they can do — Accountant\n- Send invoices — No\n- Export data — Yes\n- Delete the account — No"
    )
    both = named_column(ROLES, _terms("whats the difference between member and admin"))
    assert column_text(ROLES, both).splitlines()[:2] == ["- What they can do — Admin — Member", "- Send invoices — Yes — Yes"]


def test_a_question_naming_a_row_or_asking_for_steps_or_a_number_asks_for_no_column():
    assert named_column(ROLES, _terms("can an accountant export data?")) is None  # the row "Export data" is the answer
    assert named_column(ROLES, _terms("how do I invite an accountant?")) is None  # steps, not the table
    assert named_column(ROLES, _terms("how many accountants can I add?")) is None  # a number
    assert named_column(ROLES, _terms("what is a credit note?")) is None  # names no column
    assert named_column(ROLES, _terms("can a member delete things?")) is None  # "delete" is in a row: that row


def test_a_table_pairing_two_things_has_no_columns_to_ask_about():
    units = split_units("| In Tally | In LedgerSync | Note |\n|---|---|---|\n| Clients | Contacts | Synced |")
    assert named_column(units, _terms("what goes to ledgersync")) is None


def test_a_row_whose_cells_no_longer_line_up_is_left_out():
    units = split_units("| Plan | Free | Starter | Pro |\n|---|---|---|---|\n| Seats | 1 | 3 | 10 |\n| Phone support | | | Yes |")
    named = named_column(units, _terms("what do I get on pro"))
    assert column_text(units, named) == "- Plan — Pro\n- Seats — 10"  # the empty cells would shift Pro's


def test_a_row_named_by_its_key_answers_only_a_question_about_what_the_row_says():
    units = split_units("| Plan | Monthly | Yearly |\n|---|---|---|\n| Starter | $12 | $120 |\n| Pro | $29 | $290 |")
    assert names_row(units, 2, _terms("what does Pro cost per year?"), "Plans > Prices")  # "year" as "Yearly"
    assert names_row(units, 1, _terms("how much is starter"), "Plans > Prices")
    # the card fees are another topic: the price row does not answer it
    assert not names_row(units, 1, _terms("how much does starter charge for card payments"), "Plans > Prices")
    assert not names_row(units, 0, _terms("how much is a plan"), "Plans > Prices")  # the header names no row
