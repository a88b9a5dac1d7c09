"""The table rows a customer quotes: "ledgersync says Invoice number already exists" asks about one
row of the table of sync errors, not about the table. `compose.quote` quotes that row with the
table's header, instead of the rows around it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.terms import quoted_codes
from knowledge.units import clean_markup

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# an error's number, as a customer quotes it from a screen ("error 504", "it says 415"): three digits
# or more standing alone, not part of an amount or a decimal
_ERROR_NUMBER = re.compile(r"(?<![\d.,$€£])\d{3,}(?![\d.,%])")
_FIRST_CLAUSE = re.compile(r"[.:(]")


def _words(text: str) -> str:
    return " ".join(_NOT_ALNUM.sub(" ", text.lower()).split())


def quotes_row(asked: str, row: str) -> bool:
    """The customer quotes the row's first cell, or its first clause, of two words or more:
    "Invoice number already exists" for `Invoice number already exists`, "Connection expired" for
    `Connection expired. Reconnect LedgerSync.`, "suspected_fraud"; or a code it holds ("PDF-504"),
    or that code's number alone ("error 504"); not "Sent" for the status row Sent (one common word)."""
    key = clean_markup(row).lstrip("-*+ ").split(" — ")[0]
    if quoted_codes(key) & quoted_codes(asked):  # "error PDF-504" and `PDF generation failed (PDF-504)`
        return True
    if set(_ERROR_NUMBER.findall(key)) & set(_ERROR_NUMBER.findall(asked)):  # "the pdf says error 504"
        return True
    said = f" {_words(asked)} "
    for part in {key, _FIRST_CLAUSE.split(key)[0]}:
        words = _words(part)
        if len(words.split()) >= 2 and f" {words} " in said:
            return True
    return False


def rows_asked_about(units: Sequence[str], table: tuple[int, int], chosen: set[int], asked: str) -> set[int]:
    """Of the table holding the answer (its rows: [start, end)), its header and the rows the
    customer quotes, when they quote any; `chosen` as it is otherwise."""
    start, end = table
    header = {start} if _is_header(units[start]) else set()  # a chunk may open mid-table
    quoted = {i for i in range(start, end) if i not in header and quotes_row(asked, units[i])}
    if not quoted:
        return chosen
    return {i for i in chosen if not start <= i < end} | header | quoted


def _is_header(row: str) -> bool:
    """A table's header row names its columns ("Error — Fix", "Plan — Team members"): short cells
    of plain words, no code, no figure."""
    cells = clean_markup(row).lstrip("-*+ ").split(" — ")
    return "`" not in row and not any(c.isdigit() for c in row) and all(len(c.split()) <= 5 for c in cells)
