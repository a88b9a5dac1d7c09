"""The abbreviations a knowledge base defines ("Two-factor authentication (2FA)"), so a question
that uses only the short form ("how do I turn on 2FA?") is searched and read with the words the
articles use as well.

A definition is a long form followed by its abbreviation in brackets, whose letters are the
initials of the words just before the bracket (each part of a hyphenated word counts, small
function words may be skipped: "Identity and Access Management (IAM)"). Number words count as
digits ("Two-factor authentication (2FA)"). An abbreviation defined two different ways in one
knowledge base is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


_DEFINED = re.compile(r"\(\s?\**([A-Za-z0-9][A-Za-z0-9&-]{1,9})\**\s?\)")
_WORD = re.compile(r"[A-Za-z0-9][\w'-]*")
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9']*")  # a word, or each part of a hyphenated one
_FUNCTION_WORDS = frozenset({"and", "of", "for", "the", "to", "in", "on", "a", "an", "&"})
_NUMBER_WORDS = {w: str(n) for n, w in enumerate("two three four five six seven eight nine ten".split(), start=2)}
_MIN_CAPITALS = 2  # "(Pro)" is a plan, not an abbreviation


def find_abbreviations(texts: Iterable[str]) -> dict[str, str]:
    """Abbreviation (lower case) -> its long form, as the texts define them."""
    found: dict[str, str] = {}
    clashing: set[str] = set()
    for text in texts:
        for match in _DEFINED.finditer(text):
            short = match.group(1)
            if sum(ch.isupper() or ch.isdigit() for ch in short) < _MIN_CAPITALS or short.isdigit():
                continue
            long_form = _long_form(short, text[max(0, match.start() - 200) : match.start()])
            if long_form is None:
                continue
            key = short.lower()
            if found.get(key, long_form).lower() != long_form.lower():
                clashing.add(key)
            found.setdefault(key, long_form)
    return {k: v for k, v in found.items() if k not in clashing}


def _long_form(short: str, before: str) -> str | None:
    """The words just before the bracket whose initials spell `short`, or None."""
    letters = [ch.lower() for ch in short if ch.isalnum()]
    parts = [(m.start(), m.group(0).lower()) for m in _PART.finditer(before)]
    initials: list[tuple[int, str]] = []  # (where the part starts, its initial), last first
    for start, part in reversed(parts):
        if part in _FUNCTION_WORDS and initials:  # "Identity and Access Management"
            continue
        initials.append((start, _NUMBER_WORDS.get(part, part)[0]))
        if len(initials) == len(letters):
            break
    if len(initials) != len(letters) or [i for _, i in reversed(initials)] != letters:
        return None
    return before[initials[-1][0] :].strip().rstrip("*_`").strip()  # "**Two-factor authentication** (2FA)"


def expand(text: str, abbreviations: dict[str, str]) -> str:
    """The text with each abbreviation it uses followed by its long form in brackets, unless the
    text already says the long form. A word counts as the abbreviation when it has a digit ("2fa")
    or is written in capitals ("IAM", not "iam" or "sec": customers' lower case is often a word)."""
    if not abbreviations:
        return text
    lowered = text.lower()

    def spelled_out(match: re.Match[str]) -> str:
        word = match.group(0)
        long_form = abbreviations.get(word.lower())
        if long_form is None or long_form.lower() in lowered or not _abbreviated(word):
            return match.group(0)
        return f"{word} ({long_form})"

    return _WORD.sub(spelled_out, text)


def _abbreviated(word: str) -> bool:
    return any(ch.isdigit() for ch in word) or sum(ch.isupper() for ch in word) >= _MIN_CAPITALS
