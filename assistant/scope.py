"""An answer for another plan (or role, or platform) than the one asked about.

A section whose heading names its scope in brackets ("Add late fees (Pro)", "Require 2FA for your
whole team (Pro)") answers for that scope only. "Can I add late fees on the Starter plan?" finds its
steps, which answer how to on Pro, not whether Starter can: the customer named a sibling of the
scope (`knowledge.siblings`: the names the knowledge base's tables list together) and not the scope
itself. Such a reply is not sent on its own (`other_scope`).
"""

from __future__ import annotations

import re

_SCOPE = re.compile(r"\(([^()]+)\)\s*$")
_JOINERS = re.compile(r"\s*(?:,|/|&|\band\b|\bor\b|\bonly\b)\s*", re.I)


def _names(text: str, names) -> set[str]:
    """The names the text uses as names: "on Starter", "the Pro plan", "Free users"; not "for free"."""
    low = f" {' '.join(re.findall(r'[a-z0-9]+', text.lower()))} "
    return {n for n in names if re.search(rf"(?: (?:on|in|with|the|my|our|a) {n} | {n} (?:plan|tier|account|users?|customers?) )", low)}


def other_scope(question: str, heading: str, siblings: dict[str, frozenset[str]]) -> str | None:
    """What the section is for and the question is not ("the answer found is for Pro; the question
    asks about Starter"), or None."""
    written = {  # as the heading writes them ("Pro"), by the name the siblings know ("pro")
        " ".join(s.lower().split()): s.strip() for part in heading.split(" > ") if (m := _SCOPE.search(part))
        for s in _JOINERS.split(m.group(1)) if s.strip()
    }
    scopes = {name for name in written if name in siblings}
    asked = _names(question, siblings)
    if not scopes or asked & scopes:
        return None
    others = sorted(n for n in asked if any(n in siblings[s] for s in scopes))
    if not others:
        return None
    return f"the answer found is for {' and '.join(sorted(written[s] for s in scopes))}; the question asks about {' and '.join(others)}"
