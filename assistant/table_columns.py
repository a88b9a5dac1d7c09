"""Table rows and columns a question names.

A row named by its first cell: "how much does Starter cost?" asks for the row "Starter — $12 /
month", unless the question asks about something else the row does not say ("how much does Starter
charge for card payments?": the fees, `names_row`).

A table column the question names by its heading: "what can an accountant see?" asks for the
Accountant column of the roles table, "what does Starter include?" for the Starter column of the
plans table, not for one row of either.

Such a question asks for no kind of answer of its own (a number, a date, steps), and none of its
other words is in a row of the table (then that row is the answer: "is live chat on Free?", "can a
Member export data?"); the table is a matrix of names (Owner, Admin, Member, Accountant; Free,
Starter, Pro), not two things paired ("In Tally — In LedgerSync"). Its answer is the column, each
row's first cell beside that row's cell in it (`column_text`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.terms import QuestionTerms
from assistant.unit_kinds import is_table_row, row_key
from knowledge.lexical import tokenize
from knowledge.units import clean_markup


MIN_COLUMNS = 3  # of names across a table's header (beside the first cell) for it to have columns to ask about


@dataclass(frozen=True)
class NamedColumn:
    start: int  # the table's header row
    end: int  # one past its last row
    columns: tuple[int, ...]  # which cells of each row ("what's the difference between Member and Admin?": two)


def _cells(unit: str) -> list[str]:
    return clean_markup(unit).removeprefix("- ").split(" — ")


def _tables(units: Sequence[str]) -> list[tuple[int, int]]:
    """The runs of table rows, header included: [start, end)."""
    runs, start = [], None
    for i, unit in enumerate([*units, ""]):
        if is_table_row(unit):
            start = i if start is None else start
        elif start is not None:
            if i - start >= 2:
                runs.append((start, i))
            start = None
    return runs


# the words of a question about a row's figure that name no topic ("how much", "cost", "per year")
_FIGURE_WORDS = frozenset(tokenize("much many cost costs price prices pricing charge charges pay per each"))
ROW_TOPIC_WORDS = 1  # of the question's other words a row (its header and section) may leave unsaid


def _said(word: str, words: set[str]) -> bool:
    """The word, or a word it starts ("year" in "yearly", stemmed "yearli")."""
    return word in words or (len(word) >= 4 and any(w.startswith(word) for w in words))


def names_row(units: Sequence[str], i: int, terms: QuestionTerms, heading: str = "") -> bool:
    """The question names the table row at `i` by its first cell and asks nothing the row, its
    table's header and its section heading do not speak of (beyond one word)."""
    key = set(tokenize(row_key(units, i)))
    asked = set(terms.terms)
    if not key or not key <= asked:
        return False
    start = next(j for j in range(i, -1, -1) if j == 0 or not is_table_row(units[j - 1]))
    said = set(tokenize(f"{units[start]} {units[i]} {heading}"))
    rest = [w for w in asked - key - _FIGURE_WORDS if not _said(w, said)]
    return len(rest) <= ROW_TOPIC_WORDS


def named_column(units: Sequence[str], terms: QuestionTerms) -> NamedColumn | None:
    """The column of a table in `units` whose heading the question names, when it asks for nothing
    more particular (see the module's docstring)."""
    if terms.answer_type or terms.verb:
        return None
    asked = set(terms.terms)
    for start, end in _tables(units):
        header = _cells(units[start])
        if len(header) < MIN_COLUMNS + 1:
            continue  # "In Tally — In LedgerSync" pairs things up; it is no matrix of names
        columns = tuple(c for c in range(1, len(header)) if (key := set(tokenize(header[c]))) and key <= asked)
        named = {w for c in columns for w in tokenize(header[c])}
        # the question's other words in a row ("is live chat on Free?": the Support row) ask about that row
        if columns and not any((asked - named) & set(tokenize(units[i])) for i in range(start + 1, end)):
            return NamedColumn(start, end, columns)
    return None


def column_text(units: Sequence[str], named: NamedColumn) -> str:
    """The column as rows of two cells, the header's first: "- What they can do — Accountant",
    "- Export data — Yes" (of three, for two columns). A row with a cell left empty (its cells no
    longer line up) is left out."""
    width = len(_cells(units[named.start]))
    lines = []
    for i in range(named.start, named.end):
        cells = _cells(units[i])
        if len(cells) == width:
            lines.append("- " + " — ".join([cells[0], *(cells[c] for c in named.columns)]))
    return "\n".join(lines)
