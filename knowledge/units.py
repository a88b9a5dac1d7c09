"""Answer units: the sentences, list items and table rows a chunk is made of.

An extractive reply is built from whole units, and the assistant scores each unit against the
question, so ingest embeds every unit once (`VectorStore` keeps their vectors beside the chunk's)
and a reply embeds none.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_LIST_ITEM = re.compile(r"^(?:[-*+•]|\d+[.)])\s+")
# A sentence end inside these is the quoted text's, not the unit's: "Clients see a message such as
# `Your card was declined. Please try another card.`, never the code." is one sentence.
_QUOTED = re.compile(r"`[^`\n]*`|\"[^\"\n]*\"|“[^”\n]*”")
# A period that ends an initial or an abbreviation, not a sentence: "Mark T. Vande Hei", "the U.S.
# Department of Labor", "Dr. Smith", "e.g. Stripe", "Aug. 5". Nor does one inside parentheses that
# close later: "The Defense of Marriage Act (DOMA) (Pub. L. 104–199, enacted 1996) is a law."
_NOT_AN_END = re.compile(
    r"(?:^|[\s(\"'“])(?:(?:[A-Z]\.)+|(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Lt|Col|Capt|Sgt|St|Mt|Ft|vs|e\.g|i\.e|cf|approx)\.)$"
)
_BEFORE_A_NUMBER = re.compile(r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|Vol|Fig|p|pp)\.$")
MAX_UNITS = 60  # per chunk: a chunk is at most a few thousand characters
# Bumped whenever split_units changes, so that stored unit vectors are rebuilt (ingest.sync).
UNITS_VERSION = 5


_CODE_SPAN = re.compile(r"(`[^`\n]*`)")


def clean_markup(text: str) -> str:
    """Plain text from Markdown emphasis and links: '**Save**' -> 'Save', '[Help](url)' -> 'Help'.
    A code span is quoted as written: "`tk_live_`" keeps the underscore that ends the prefix."""
    parts = _CODE_SPAN.split(_LINK.sub(r"\1", text))
    return "".join(p if i % 2 else _MARKUP.sub("", p) for i, p in enumerate(parts)).strip()


def split_units(text: str) -> list[str]:
    """Sentences and list items: the units an extractive answer is built from."""
    units: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or set(line) <= set("|-: "):
            continue
        if line.startswith("|"):  # a table row reads as one unit, shown as a list item
            cells = [c.strip() for c in line.strip("|").split("|")]
            units.append("- " + " — ".join(c for c in cells if c))
            continue
        if _LIST_ITEM.match(line):  # a list item is one unit: "1. Go to Settings." is not "1." + "Go to…"
            units.append(line)
            continue
        units.extend(s.strip() for s in _sentences(line) if s.strip())
    return units[:MAX_UNITS]


def unit_paragraphs(text: str) -> list[int]:
    """For each unit of `split_units(text)`, the paragraph (line of the text) it comes from."""
    out: list[int] = []
    for number, line in enumerate(text.splitlines()):
        out.extend([number] * len(split_units(line)))
    return out[:MAX_UNITS]


def _sentences(line: str) -> list[str]:
    quoted = [m.span() for m in _QUOTED.finditer(line)]
    out, start = [], 0
    for m in _SENTENCE_END.finditer(line):
        end = m.start() + len(m.group().rstrip())  # the closing quote or bracket stays with its sentence
        before = line[max(0, end - 12) : end]
        if any(a < end < b for a, b in quoted) or _NOT_AN_END.search(before):
            continue
        if _BEFORE_A_NUMBER.search(before) and line[m.end() : m.end() + 1].isdigit():
            continue
        so_far = line[start:end]
        if so_far.count("(") > so_far.count(")") and ")" in line[end:]:  # "( Pub. L. 104 -- 199 , c. 1500 )"
            continue
        out.append(so_far)
        start = m.end()
    out.append(line[start:])
    return out
