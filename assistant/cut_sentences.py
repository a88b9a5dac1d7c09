"""A sentence cut at a chunk's start, made whole from the chunk before it.

Chunks are cut by length, with an overlap, so a chunk may open partway through a sentence ("that go
in your compost is brown or greens."); when that piece is the answer, the reply opened on it, a
fragment (mtrag DEV: 13 of 408 drafts opened in lowercase). The chunk before holds the sentence's
start (the overlap repeats the cut text in both): the reply opens there instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.unit_kinds import is_list_item, is_table_row
from knowledge.units import clean_markup, is_code_block

_CUT = re.compile(r"^\s*(?:[a-z]|[,;)\]])")  # a lowercase word or the rest of a clause: no sentence starts so
# where a sentence ends in the text before: its mark and a space, or a capital right after (pages
# scraped without their spaces: "oxygen exchange.Step 2: …"), or a line break
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?:\s+|(?=[A-Z]))|\n")
KEY_CHARS = 40  # of the piece, looked for in the chunk before
MAX_START_CHARS = 300  # a sentence's start longer than this is not brought (no end found near it)


def cut_at_start(units: Sequence[str], best: int) -> bool:
    """The answer is the chunk's first unit, and that is a piece of a sentence cut at its start."""
    if best != 0 or not units:
        return False
    unit = units[0]
    return bool(_CUT.match(unit)) and not (is_list_item(unit) or is_table_row(unit) or is_code_block(unit))


def sentence_start(previous_text: str, piece: str) -> str | None:
    """The start of the sentence `piece` is the rest of, from the text before it (the chunk before,
    which ends with the piece's start, repeated by the overlap): "A common way to describe materials"
    for "that go in your compost is brown or greens." None when the chunk before does not hold the
    piece, or no sentence ends near before it."""
    key = piece.strip()[:KEY_CHARS]
    at = previous_text.rfind(key) if key else -1
    if at <= 0:
        return None
    ends = [m.end() for m in _SENTENCE_END.finditer(previous_text, 0, at)]
    start = ends[-1] if ends else None
    if start is None or at - start > MAX_START_CHARS:
        return None
    before = clean_markup(previous_text[start:at]).strip()
    return before or None
