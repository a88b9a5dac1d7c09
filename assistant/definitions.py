"""Questions asking what something is ("what is a credit note?", "what does LedgerSync do?"), and the
passages that introduce it.

What a thing is, is said where the knowledge base introduces it: the opening of the article whose
title names it ("Credit notes and refunds to clients" opens "A credit note reduces or cancels what a
client owes …"), or of the section headed by its name ("Recovery codes"). The passages about doing
something with it ("Change or cancel a credit note") are more like the question word for word, and
had been sent instead: "what does a credit note do?" got "Issued credit notes can't be edited or
deleted" at 0.95, "what are recovery codes?" where to see how many are left at 0.94.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge import Chunk
from knowledge.lexical import tokenize

# "what is a credit note?", "what are recovery codes", "what's offline mode for?", "what does
# LedgerSync do?", "what does reverse charge mean?"; a thing of at most MAX_WORDS content words, so
# "what is the youngest age you can marry in the usa" asks for no definition
_DEFINE = re.compile(
    r"^\W*(?:(?:so|and|but|ok|okay|hi|hey|sorry)\b[\s,]*)*"
    r"(?:what(?:'s|s|\s+is|\s+are)\s+(?:an?\s+|the\s+)?(?P<thing>[^?.!,]{2,40}?)(?:\s+(?:for|exactly|actually|again))?"
    r"|what\s+(?:does|do|is|are)\s+(?:an?\s+|the\s+)?(?P<doer>[^?.!,]{2,40}?)\s+(?:do|mean|stand\s+for|used\s+for)"
    # "how do webhooks work?": what they are and do, not the steps to add one
    r"|how\s+(?:does|do)\s+(?:an?\s+|the\s+)?(?P<worker>[^?.!,]{2,40}?)\s+work(?:\s+exactly)?)"
    r"\s*[?.!]*\s*$",
    re.I,
)
MAX_WORDS = 3
_HOW_IT_WORKS = frozenset(tokenize("how it works work"))
_STEM = 3  # shortest stem two words may share: "owner" and "ownership"


def defined_term(question: str) -> tuple[str, ...]:
    """The tokenized words of the thing the question asks to be told what it is; () if it asks no such thing."""
    match = _DEFINE.match(question.strip())
    if not match:
        return ()
    words = tuple(dict.fromkeys(tokenize(match.group("thing") or match.group("doer") or match.group("worker"))))
    return words if 0 < len(words) <= MAX_WORDS else ()


def introduces(chunk: Chunk, defined: tuple[str, ...]) -> bool:
    """The chunk opens what introduces the thing: a section headed by its name alone ("Recovery
    codes"), or the opening of an article whose title names it."""
    if not defined:
        return False
    own = chunk.heading.split(" > ")[-1] if chunk.heading else ""
    if own:
        # "Recovery codes", or "How a dispute works" (its "how" and "works" no name of the thing)
        return _same_words([w for w in tokenize(own) if w not in _HOW_IT_WORKS], defined)
    return chunk.ordinal == 0 and all(word_said(word, tokenize(chunk.title)) for word in defined)


def opening(
    units: Sequence[str], defined: tuple[str, ...], excluded: Sequence[bool], scores: Sequence[float] = (),
) -> int | None:
    """The sentence of an introducing passage that introduces the thing: of those naming it, one
    that opens with it, else the first ("Webhooks tell your systems the moment something happens",
    after a sentence on the API). None if none names it: an article named for it may open on
    something else ("VMware Solutions and Red Hat OpenShift", then a paragraph on VMware, for "what
    is Red Hat OpenShift?")."""
    sentences = [
        i for i, unit in enumerate(units)
        if not excluded[i] and unit.rstrip().endswith((".", "!", "?", ":")) and names(unit, defined)
    ]
    # one it is the subject of first ("Envelope encryption is the process …", not "Key Protect uses
    # envelope encryption …"), the reader's likeliest answer of those (`scores`)
    subject = [i for i in sentences if names(" ".join(units[i].split()[: len(defined) + 1]), defined)]
    if subject:
        return max(subject, key=lambda i: scores[i] if len(scores) else -i)
    return sentences[0] if sentences else None


def names(unit: str, defined: tuple[str, ...]) -> bool:
    """The sentence names the thing: all its words, in any form ("Credit notes" for "credit note")."""
    words = tokenize(unit)
    return bool(defined) and all(word_said(word, words) for word in defined)


def _same_words(words: list[str], defined: tuple[str, ...]) -> bool:
    return len(set(words)) == len(defined) and all(word_said(word, words) for word in defined)


def word_said(word: str, words: Sequence[str]) -> bool:
    """The word is among the words, in any form sharing a stem of `_STEM` letters ("owner", "ownership")."""
    return any(w == word or (min(len(w), len(word)) >= _STEM and (w.startswith(word) or word.startswith(w))) for w in words)
