"""Questions a section's heading asks: "what gets synced?" under "What syncs", "how often does it
sync?" under "How often it syncs", "how many people can I add?" under "How many people can you add?".

A help centre heads many sections with the question they answer. A customer who asks it is answered
by the section from its start: "what gets synced?" had been sent the sentence after the "What
syncs" table ("Changes in LedgerSync aren't copied back to Tally"), and the section on how often it
syncs before it, whose heading shares as many of the question's words.

A section headed by the name of what it lists ("Events", "Fees") answers a question asking which
of them ("what events can webhooks send?"): it had the steps to add an endpoint, which name events
in passing, while the events table's header row read as no answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.definitions import word_said
from knowledge.lexical import tokenize

# the question word, with the word that makes it ask for an amount or a span ("how often")
_ASKS = re.compile(r"\b(what|when|where|who|which|why|how(?:\s+(?:many|much|often|long|far|soon))?)\b", re.I)
_ASKS_WHICH = re.compile(r"\b(?:what|which)\s+([a-z][a-z'\-]*)", re.I)  # "what events …": the thing asked which of
_NAMED_WORDS = 3  # a heading naming what its section lists is a name, not a sentence ("Invoice statuses")
# ... or opens with that name and says which of them, in a heading of two words ("Evidence that
# helps"; not "Card details" for "what cards do you accept?", nor "Invoice in another currency")
_NAMED_OF_TWO = 2
_RELATIVE = re.compile(r"^\S+\s+(?:that|which|who|whom|you|we|they|to|for)\b", re.I)


def asks(text: str) -> str:
    """The question word a question (or a heading) opens its question with, lowercased ("how
    often"); "" if it has none."""
    match = _ASKS.search(text)
    return " ".join(match.group(1).lower().split()) if match else ""


def asked_which(text: str) -> str:
    """The thing a question asks which of, tokenized ("what events can webhooks send?": "event");
    "" if it asks no such thing ("what is …", "what do I …")."""
    match = _ASKS_WHICH.search(text)
    words = tokenize(match.group(1)) if match else []
    return words[0] if words else ""


def restates(question_asks: str, question_words: Sequence[str], heading: str, which: str = "") -> bool:
    """The section's own heading opens with the question word the question asks with, and the
    question says every other word of it (in any form, `definitions.word_said`: "synced" for
    "syncs"); or the heading names the thing the question asks which of (`which`, "event":
    "Events"), and the question says all of it, or opens with it in two words ("Evidence that helps")."""
    own = heading.split(" > ")[-1].strip() if heading else ""
    words = tokenize(own)
    if not own or not words:
        return False
    if which and len(words) <= _NAMED_OF_TWO and word_said(which, [words[0]]) and _RELATIVE.match(own):
        return True  # "Evidence that helps" for "what evidence should I upload?"
    if not all(word_said(word, question_words) for word in words):
        return False
    if _ASKS.match(own):
        return bool(question_asks) and asks(own) == question_asks
    return bool(which) and len(words) <= _NAMED_WORDS and any(word_said(which, [word]) for word in words)


def section_start(units: Sequence[str], excluded: Sequence[bool]) -> int | None:
    """The first unit of a passage that is neither a label nor left out: where its section's answer starts."""
    return next((i for i in range(len(units)) if not excluded[i]), None)
