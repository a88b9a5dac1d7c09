"""The embedded default provider: a reply made of the knowledge base's own sentences.

The best reading's passage is quoted where the reader found its answer, with the context it needs
to stand alone (`assistant.compose`). When another document answers too, nearly as surely, its
answer is added and cited as well: customers' questions often span two articles. Every word comes
from a verified document.
"""

from __future__ import annotations

from assistant.compose import quote
from assistant.evidence import Evidence, Passage
from assistant.providers import DeltaCallback, Draft
from assistant.reader import Reading
from assistant.text import straight_quotes

# A second document is quoted when its best unit's answer probability reaches SECOND_SOURCE_MIN and
# SECOND_SOURCE_RATIO of the first's. On DEV (gold citation rate; second sources added, gold of
# them): mtrag 0.668 -> 0.707 (115 added, 70 gold); clapnq 0.956 -> 0.967 (13, 2); sample 0.984 (1).
SECOND_SOURCE_MIN = 0.3
SECOND_SOURCE_RATIO = 0.7


class ExtractiveProvider:
    name = "extractive"

    def answer(self, question: str, evidence: Evidence, on_delta: DeltaCallback | None = None) -> Draft:
        draft = self._compose(evidence)
        if on_delta is not None and draft.text:
            on_delta(draft.text)  # composed at once: one delta, the whole reply
        return draft

    def _compose(self, evidence: Evidence) -> Draft:
        readings = [r for r in evidence.readings if r.passage.units and not r.points_elsewhere]
        if not readings:
            return Draft(text="", cited=[])
        first = readings[0]
        how_to = evidence.terms.answer_type == "procedure"
        text = f"{_quote_text(first, continuation=evidence.continuation, how_to=how_to)} [1]"
        cited = [first.passage.hit]
        second = _second_source(first, readings[1:])
        if second is not None:
            extra = _quote_text(second, whole_sections=False, how_to=how_to)
            cited.append(second.passage.hit)
            # the same words in another document (one page under two addresses) are cited, not repeated
            text = f"{text}[2]" if _repeats(extra, text) else f"{text}\n\n{extra} [2]"
        return Draft(text=text, cited=cited, support=float(first.answerability))


def _quote_text(
    reading: Reading, whole_sections: bool = True, continuation: Passage | None = None, how_to: bool = False
) -> str:
    p = reading.passage
    scores = list(reading.unit_scores)
    q = quote(p.units, scores, reading.best_unit, p.hit.chunk.heading, whole_sections=whole_sections,
              continued=continuation is not None, leave_out=reading.opposed, how_to=how_to)
    text = q.text(p.units)
    if continuation is not None and continuation.units:
        # what the answer points at ("the steps below") starts the next section: quoted from its start
        following = quote(continuation.units, list(continuation.similarity), 0, continuation.hit.chunk.heading)
        text = f"{text}\n\n{following.text(continuation.units)}"
    return text


_DASHES = str.maketrans({"–": "-", "—": "-"})


def _plain(text: str) -> str:
    return " ".join(straight_quotes(text).translate(_DASHES).lower().split())


def _repeats(text: str, earlier: str) -> bool:
    """Every line of `text` is already in `earlier` (spacing, case and curly quotes aside)."""
    said = _plain(earlier)
    return all(_plain(u) in said for u in text.splitlines() if u.strip())


def _second_source(first: Reading, rest: list[Reading]) -> Reading | None:
    for r in rest:
        if r.passage.hit.chunk.doc_id == first.passage.hit.chunk.doc_id or not r.passage.units:
            continue
        if r.answerability >= SECOND_SOURCE_MIN and r.answerability >= SECOND_SOURCE_RATIO * first.answerability:
            return r
        return None  # only the next document is considered
    return None
