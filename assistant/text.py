"""Small text helpers shared by the extractive answerer and the confidence signals."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me more
    most my no nor not now of off on once only or other our ours out over own same she should so
    some such than that the their theirs them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you
    your yours please tell know want need get got im i'm ive i've id i'd dont don't cant can't
    thanks thank hi hello hey""".split()
)
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def stem(word: str) -> str:
    """A deliberately light stemmer: enough to match 'invoices' with 'invoice'."""
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_terms(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def coverage(question: str, text: str) -> float:
    """Share of the question's content terms that the text contains."""
    wanted = content_terms(question)
    if not wanted:
        return 0.0
    return len(wanted & content_terms(text)) / len(wanted)


def clean_markup(text: str) -> str:
    """Plain text from Markdown emphasis and links: '**Save**' -> 'Save', '[Help](url)' -> 'Help'."""
    return _MARKUP.sub("", _LINK.sub(r"\1", text)).strip()


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
        units.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return units
