"""The embedded default provider: a reply made of the knowledge base's own sentences.

It picks the sentences of the retrieved chunks that best answer the question (semantic similarity
to the question, plus the share of the question's terms they contain, plus the chunk's retrieval
score) and quotes them with a citation. Every word comes from a verified document.
"""

from __future__ import annotations

import re

import numpy as np

from assistant.providers import Draft
from assistant.text import clean_markup, coverage, split_units
from knowledge import Embedder, Hit

_LIST_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s+")
MAX_HITS = 3
MAX_UNITS_PER_HIT = 40
MAX_UNITS = 4
MAX_LIST_ITEMS = 8
NEAR_BEST = 0.1


class ExtractiveProvider:
    name = "extractive"

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def answer(self, question: str, hits: list[Hit]) -> Draft:
        candidates: list[tuple[int, int, str]] = []  # (hit, unit index, unit)
        units_by_hit: list[list[str]] = []
        for h, hit in enumerate(hits[:MAX_HITS]):
            units = split_units(hit.chunk.text)[:MAX_UNITS_PER_HIT]
            units_by_hit.append(units)
            candidates.extend((h, i, u) for i, u in enumerate(units))
        if not candidates:
            return Draft(text="", cited=[], support=0.0)

        vectors = self.embedder.embed([question] + [u for _, _, u in candidates])
        similarity = vectors[1:] @ vectors[0]
        scores = np.array(
            [
                similarity[n] + 0.25 * coverage(question, u) + 0.15 * hits[h].score
                for n, (h, _, u) in enumerate(candidates)
            ]
        )
        best = int(np.argmax(scores))
        best_hit, best_index, _ = candidates[best]

        chosen = {best_index}
        for n in np.argsort(-scores):
            h, i, _ = candidates[int(n)]
            if len(chosen) >= MAX_UNITS or scores[n] < scores[best] - NEAR_BEST:
                break
            if h == best_hit:
                chosen.add(i)
        units = units_by_hit[best_hit]
        for i in sorted(chosen):
            chosen |= _continuation(units, i)
        text = _compose([units[i] for i in sorted(chosen)])
        return Draft(text=f"{text} [1]", cited=[hits[best_hit]], support=float(similarity[best]))


def _continuation(units: list[str], index: int) -> set[int]:
    """A unit that introduces a list ('To do this:') brings the list with it."""
    follow: set[int] = set()
    if not units[index].rstrip().endswith(":"):
        return follow
    for i in range(index + 1, min(len(units), index + 1 + MAX_LIST_ITEMS)):
        if not _LIST_ITEM.match(units[i]):
            break
        follow.add(i)
    return follow


def _compose(units: list[str]) -> str:
    out = ""
    for unit in units:
        unit = clean_markup(unit)
        if _LIST_ITEM.match(unit):
            out += ("\n" if out else "") + unit
        else:
            out += ("\n" if out.endswith(":") or _LIST_ITEM.match(out.split("\n")[-1] or "") else " " if out else "") + unit
    return out.strip()
