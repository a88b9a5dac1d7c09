"""Typos in a customer's message, read as the knowledge base's own words: "how do i cancle my
subscripton" is searched and read as "how do i cancel my subscription".

A word is corrected only when all of these hold:

- it is no word of the knowledge base, of an English dictionary (pyspellchecker's list of 160k
  words: "scam" is never made "spam", nor "livable" "liable") or of the embedding model's
  vocabulary (names and terms: "Tally");
- it has at least `MIN_LETTERS` letters, and is neither an acronym ("SAML") nor a name written
  with a capital inside ("vMotion", "webP");
- exactly one most frequent word of the knowledge base is one edit away from it (a letter
  missing, added, changed, or two neighbours swapped: Damerau–Levenshtein distance 1), and that
  edit keeps the first letter (people rarely miss it: "gmail" is not "email", "oops" not "iops")
  and is not at the end of the word ("dont" is "don't", not "don"; "webhook" is not a typo of
  "webhooks").

The customer's text is stored as they wrote it; only what the assistant reads is corrected.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

MIN_LETTERS = 4
# a word of letters alone, not part of an address, a path, a code or a number ("PDF-422",
# "tk_live_x"), nor a possessive ("Rawl's": a name, most likely)
_WORD = re.compile(r"(?<![\w@./\\-])[A-Za-z]+(?![\w@/\\'’-]|\.\w)")
_LETTERS = re.compile(r"[a-z]+")
_CONTRACTED = ("n't", "'re", "'ve", "'ll", "'d", "'m")


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_edit_apart(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance exactly 1 (one insertion, deletion, substitution or swap of
    neighbours)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _plausible_typo(word: str, fix: str) -> bool:
    """The edit keeps the first letter and is not a letter added or dropped at the end."""
    return word[0] == fix[0] and fix != word[:-1] and word != fix[:-1]


# a code the articles quote, in snake case ("incorrect_zip", "card_not_supported"): a customer's
# one-letter slip in it ("incorect_zip") is read as the code, which no word of it is alone
_CODE = re.compile(r"(?<![\w@./\\-])[a-z]+(?:_[a-z0-9]+)+(?![\w-])")


class Speller:
    """Corrects a text's typos to words of the knowledge base (see the module's rules), and to the
    codes it quotes."""

    def __init__(self, counts: Counter[str], known: frozenset[str], codes: frozenset[str] = frozenset()) -> None:
        self.counts = counts
        self.known = known
        self.codes = codes
        self._codes_by_delete: dict[str, list[str]] = {}  # as for words: a slip is a delete away from its code
        for code in codes:
            for key in _deletes(code) | {code}:
                self._codes_by_delete.setdefault(key, []).append(code)
        self._by_delete: dict[str, list[str]] = {}
        for word in counts:
            if len(word) >= MIN_LETTERS - 1:
                for key in _deletes(word) | {word}:
                    self._by_delete.setdefault(key, []).append(word)

    @classmethod
    def of(cls, texts: Iterable[str], known: frozenset[str]) -> Speller:
        counts: Counter[str] = Counter()
        codes: set[str] = set()
        for text in texts:
            counts.update(_LETTERS.findall(text.lower()))
            codes.update(_CODE.findall(text.lower()))
        return cls(counts, known, frozenset(codes))

    def code(self, token: str) -> str | None:
        """The one code of the knowledge base a snake-case token is a slip of ("incorect_zip" for
        `incorrect_zip`), or None: it is one, or no code or two are one edit away."""
        t = token.lower()
        if t in self.codes or len(t) < 2 * MIN_LETTERS:
            return None
        near = {
            c for key in _deletes(t) | {t} for c in self._codes_by_delete.get(key, ())
            if one_edit_apart(t, c) and _plausible_typo(t, c)
        }
        return near.pop() if len(near) == 1 else None

    def suggestion(self, word: str) -> str | None:
        """The knowledge base's word for this typo, or None if it is no typo or no one word fits."""
        w = word.lower()
        if len(w) < MIN_LETTERS or w in self.counts or w in self.known:
            return None
        near = {
            c for key in _deletes(w) | {w} for c in self._by_delete.get(key, ())
            if one_edit_apart(w, c) and _plausible_typo(w, c)
        }
        ranked = sorted(near, key=lambda c: -self.counts[c])
        if not ranked or (len(ranked) > 1 and self.counts[ranked[0]] == self.counts[ranked[1]]):
            return None  # none fits, or two fit as well: no guess
        return ranked[0]

    def correct(self, text: str) -> str:
        def fix(m: re.Match[str]) -> str:
            word = m.group()
            if any(ch.isupper() for ch in word[1:]):  # "SAML", "vMotion": as written
                return word
            found = self.suggestion(word)
            if found is None:
                return word
            return found.capitalize() if word[0].isupper() else found

        return _WORD.sub(fix, _CODE.sub(lambda m: self.code(m.group()) or m.group(), text))


@cache
def english_words() -> frozenset[str]:
    """pyspellchecker's English word list (its words, not its corrections)."""
    source = resources.files("spellchecker").joinpath("resources", "en.json.gz")
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        words = json.load(text)
    # and each contraction as typed without its apostrophe: "dont" is "don't", not a typo of "done"
    return frozenset(words) | {w.replace("'", "") for w in words if w.endswith(_CONTRACTED)}


def model_words(model_path: str | Path | None) -> frozenset[str]:
    """The whole words of a WordPiece model's vocabulary (`vocab.txt` beside its weights), if it has one."""
    vocab = Path(model_path) / "vocab.txt" if model_path else None
    if vocab is None or not vocab.is_file():
        return frozenset()
    words = (line.strip() for line in vocab.read_text(encoding="utf-8").splitlines())
    return frozenset(w for w in words if w.isalpha() and w.islower())


def known_words(model_path: str | Path | None) -> frozenset[str]:
    """Words never corrected: English and the embedding model's own."""
    return english_words() | model_words(model_path)
