"""Small text helpers shared by the extractive answerer and the confidence signals."""

from __future__ import annotations

import re

from knowledge.stemming import stem
from knowledge.units import clean_markup, split_units

__all__ = ["STOPWORDS", "cited", "clean_markup", "content_terms", "coverage", "split_units", "stem", "straight_quotes"]

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"', "„": '"'})
_ENDS_IN_FENCE = re.compile(r"(?:^|\n) {0,3}(?:`{3,}|~{3,})[ \t]*$")  # its last line closes a code block


def cited(text: str, marker: str) -> str:
    """`text` with its citation `marker` ("[1]") after it: after a space, or on a line of its own
    after a code block, whose closing fence nothing may share a line with ("``` [1]" leaves the
    block open, and a Markdown chat shows the rest of the message as code)."""
    return f"{text}\n{marker}" if _ENDS_IN_FENCE.search(text) else f"{text} {marker}"


def straight_quotes(text: str) -> str:
    """Typographic quotes as plain ones: "don’t" and "don't" are the same words."""
    return text.translate(_QUOTES)


STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me more
    most my no nor not now of off on once only or other our ours out over own same she should so
    some such than that the their theirs them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you
    your yours please tell know want need get got im i'm ive i've id i'd dont don't cant can't
    thanks thank hi hello hey
    whats what's hows how's wheres where's whos who's whens when's whys why's thats that's theres there's
    u ur pls plz cannot couldn't couldnt won't wont doesn't doesnt didn't didnt isn't isnt aren't arent""".split()
)
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def content_terms(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def coverage(question: str, text: str) -> float:
    """Share of the question's content terms that the text contains."""
    wanted = content_terms(question)
    if not wanted:
        return 0.0
    return len(wanted & content_terms(text)) / len(wanted)
