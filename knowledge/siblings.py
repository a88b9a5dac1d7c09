"""Names of one kind, as the knowledge base's tables list them: the columns "Free | Starter | Pro",
the rows "Owner", "Admin", "Member", "Accountant". "What about Pro?" after "how many team members
on Starter?" asks the same question of a sibling of Starter; knowing which words are siblings lets
the question be asked again with one in place of the other (`assistant.rewrite.swapped`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEPARATOR_ROW = re.compile(r"^\|?\s*:?-{3,}")
_MARKUP = re.compile(r"[*`_]|\([^)]*\)")  # bold, code, and a note in brackets ("Yearly (2 months free)")
MAX_WORDS = 2  # a cell longer than this is a description, not a name


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _name(cell: str) -> str:
    name = " ".join(_MARKUP.sub(" ", cell).lower().split())
    return name if name and len(name.split()) <= MAX_WORDS and not name[0].isdigit() else ""


def _tables(text: str) -> Iterable[list[list[str]]]:
    rows: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.lstrip().startswith("|"):
            if not _SEPARATOR_ROW.match(line.strip()):
                rows.append(_cells(line))
        elif rows:
            yield rows
            rows = []


def find_siblings(texts: Iterable[str]) -> dict[str, frozenset[str]]:
    """Each name -> the names it is listed with: a table's column headings (but the first, which
    names the rows' kind), and the first cells of its rows. Names of one or two words."""
    groups: dict[str, set[str]] = {}
    for text in texts:
        if "|" not in text:
            continue
        for rows in _tables(text):
            for group in (rows[0][1:], [row[0] for row in rows[1:] if row]):
                names = {n for n in map(_name, group) if n}
                if len(names) < 2:
                    continue
                for name in names:
                    groups.setdefault(name, set()).update(names - {name})
    return {name: frozenset(others) for name, others in groups.items()}
