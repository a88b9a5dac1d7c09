"""Pointers to a place in the article, in a reply that does not show that place.

An article says "see the table below", "using the steps above", 'see "Large logos" below'; a reply
quotes a step or a table row of it, and the customer sees the reply, not the page around it. The
composer already leaves out a sentence that only points away (`compose.quote`), but a step or a
row that carries a pointer is part of the answer and stays. Its pointer is mended instead:

- "(see below)" / "(see above)", with nothing named, is dropped: "5. Choose what to do with the
  credit, then click Issue credit note.";
- "the table below" / "the steps above" keeps its place word when the reply shows what it names
  (table rows after it, steps before it), and otherwise names the article the reply cites: "Read
  the reason the bank gave (see the table in the article).";
- a named section ('see "Large logos and long invoices" below') is "in the article", unless the
  reply shows it after the pointer, under its heading ("Large logos and long invoices:", a lead-in).

Before a reply is mended, the answer's own pointer at a place further down its article ("Sync paused: the app
can't reach Tally. See the troubleshooting steps below.") tells the provider what to bring
(`places_below`, `shows`): the steps were the answer, and "in the article" sent the customer to
look for them. A sentence that only says where the answer is, in another article, even after the
case it is for ("If the payment for your own Tally subscription failed, see Update your payment
card."), is a pointer (`is_pointer`): it answers nothing itself, and comes with nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.text import straight_quotes
from assistant.unit_kinds import is_list_item, is_reference, is_step, is_table_row, list_kind
from knowledge.units import clean_markup

IN_THE_ARTICLE = "in the article"

_SEE_NOTHING_NAMED = re.compile(r"\s*\((?:see|as shown|as described)\s+(?:above|below)\)", re.I)
_NAMED_PLACE = re.compile(
    r"\b(?P<np>(?:the|these|those)\s+(?:[\w'’-]+\s+){0,3}?"
    r"(?P<noun>steps?|instructions|table|rows?|list|options|sections?|codes|messages))\s+(?P<where>above|below)\b",
    re.I,
)
_NAMED_SECTION = re.compile(
    r'\b(?P<see>see\s+(?:"(?P<a>[^"\n]+)"|“(?P<b>[^”\n]+)”|\*\*(?P<c>[^*\n]+)\*\*))\s+(?P<where>above|below)\b', re.I
)
# "If the payment for your own Tally subscription failed, see Update your payment card.": the case,
# then only where its answer is
_CONDITIONAL_POINTER = re.compile(
    r"^\W*(?:if|when|where|once|unless|in case)\b[^.;:!?]{1,120},\s*(?:please\s+)?(?:see|read|refer to|check out)\s+"
    r"[^,;:]{1,80}$",
    re.I,
)
POINTER_CHARS = 200

# what each kind of place looks like in a reply, line by line
_SHOWN_AS: dict[str, Callable[[str], bool]] = {
    "step": is_step, "steps": is_step, "instructions": is_step,
    "table": is_table_row, "row": is_table_row, "rows": is_table_row, "codes": is_table_row,
    "messages": is_table_row,
    "list": is_list_item, "options": is_list_item,
}


def _shown(line: str, noun: str, where: str, before: Sequence[str], after: Sequence[str]) -> bool:
    looks_like = _SHOWN_AS.get(noun.lower())
    if looks_like is None:  # a section: the reply quotes its sentences, never its heading
        return False
    lines = list(after) if where.lower() == "below" else list(reversed(before))
    kind = list_kind(line.strip())
    if kind:  # "2. Change it using the steps above": not the steps of its own list
        while lines and list_kind(lines[0].strip()) == kind:
            lines.pop(0)
    return any(looks_like(other.strip()) for other in lines)


def mend_pointers(text: str) -> str:
    """`text` (a composed reply, one unit or list item per line) with every pointer to a place it
    does not show dropped or pointed at the article."""
    lines = text.split("\n")
    out = []
    for k, line in enumerate(lines):
        before, after = lines[:k], lines[k + 1:]
        line = _SEE_NOTHING_NAMED.sub("", line)
        line = _NAMED_PLACE.sub(
            lambda m: m.group(0) if _shown(line, m["noun"], m["where"], before, after)
            else f"{m['np']} {IN_THE_ARTICLE}",
            line,
        )
        line = _NAMED_SECTION.sub(
            lambda m: m.group(0) if _section_shown(m, after) else f"{m['see']} {IN_THE_ARTICLE}", line
        )
        out.append(line)
    return "\n".join(out)


def is_pointer(unit: str) -> bool:
    """The sentence only says where the answer is: a pointer to another article (`is_reference`:
    "See Accept card payments."), also after the case it is for ("If the payment for your own
    Tally subscription failed, see Update your payment card.")."""
    text = clean_markup(unit)
    return is_reference(unit) or (len(text) <= POINTER_CHARS and bool(_CONDITIONAL_POINTER.match(text)))


@dataclass(frozen=True)
class Place:
    """A place further down an article that a reply points at: a kind of text ("steps", "table",
    "list", as `_SHOWN_AS` names them), or a section by its heading (`name`)."""

    noun: str
    name: str = ""


def places_below(text: str, within: str = "") -> list[Place]:
    """The places further down the article that lines of `text` (a composed reply) point at and
    that `text` does not show after them ("See the troubleshooting steps below." with no steps
    after it); `within`: only the lines holding this (the answer's own sentence or item). A bare
    "(see below)" names nothing to look for, nor do "the sections below"."""
    lines = text.split("\n")
    out: list[Place] = []
    for k, line in enumerate(lines):
        if within and within not in line:
            continue
        before, after = lines[:k], lines[k + 1:]
        for m in _NAMED_PLACE.finditer(line):
            noun = m["noun"].lower()
            if m["where"].lower() == "below" and noun in _SHOWN_AS and not _shown(line, noun, "below", before, after):
                out.append(Place(noun))
        for m in _NAMED_SECTION.finditer(line):
            if m["where"].lower() == "below" and not _section_shown(m, after):
                out.append(Place("section", _section_name(m)))
    return list(dict.fromkeys(out))


def shows(place: Place, units: Sequence[str], heading: str = "") -> bool:
    """A passage (its units, under `heading`) shows the place: the section of that name, or
    text of that kind (steps for "the troubleshooting steps")."""
    if place.name:
        return bool(heading) and _plain(heading.split(" > ")[-1]) == place.name
    looks_like = _SHOWN_AS.get(place.noun)
    return looks_like is not None and any(looks_like(u.strip()) for u in units)


def _section_name(m: re.Match[str]) -> str:
    return _plain(m["a"] or m["b"] or m["c"])


def _section_shown(m: re.Match[str], after: Sequence[str]) -> bool:
    """The section a pointer names (`_NAMED_SECTION`) is shown below it: a line after it is its
    heading, as the lead-in of its quote. (One above is never shown: a quote's heading leads it.)"""
    return m["where"].lower() == "below" and any(_plain(line) == _section_name(m) for line in after)


def _plain(name: str) -> str:
    return " ".join(straight_quotes(clean_markup(name)).lower().split()).strip(" .:")
