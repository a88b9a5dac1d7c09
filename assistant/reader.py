"""The reader: which retrieved passage answers the question, and where in it the answer is.

Every unit of every retrieved passage is scored by the unit scorer (`assistant.unit_scorer`):
the probability that it holds the answer, from the question's and the unit's vectors and a few
word counts — no model run, so all of them are read. A passage's answerability is its best
unit's probability, and that unit is where its answer is. A table row is read with its table's
header row. Headings, quoted questions and pointers to other articles are labels, never the
answer; a passage of labels only (a menu, "Back to top") answers nothing. A unit (or a whole
section, by its heading) about the opposite of the action asked — turning 2FA off, for "how do I
turn it on?" — keeps only a quarter of its score and is not quoted. For a follow-up, a unit the
last reply already said keeps half: "and do I get that one back on my free invoices?" after how to
void an invoice asks for something new.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from assistant.compose import is_heading, is_question, is_table_row, references
from assistant.evidence import Passage
from assistant.terms import QuestionTerms
from assistant.unit_scorer import UnitScorer
from knowledge.lexical import tokenize

OPPOSITE_PENALTY = 0.25
SAID_PENALTY = 0.5  # a unit the last reply already said, for a follow-up: it asks for something new
SAID_SHARE = 0.8  # of a unit's words in the last reply, for it to count as said
_HEADING_PARTS = re.compile(r"\s*(?:,|/|;|\bor\b|\band\b)\s*", re.I)


@dataclass(frozen=True)
class Reading:
    passage: Passage
    answerability: float  # P(the best unit holds the answer)
    best_unit: int
    unit_scores: np.ndarray  # P(each unit holds the answer)
    opposed: frozenset[int] = frozenset()  # units about the opposite of the action asked: never quoted
    # every unit is a pointer or a label ("Related articles: ...", a menu of headings): nothing to quote
    points_elsewhere: bool = False

    @property
    def chunk_id(self) -> str:
        return self.passage.hit.chunk.chunk_id


def scored_as(reading: Reading, other: Reading) -> Reading:
    """`reading`'s answer, with the probability `other` (the same passage read for another phrasing
    of the question) gives it."""
    if reading.points_elsewhere or not len(other.unit_scores):
        return reading
    return replace(reading, answerability=float(other.unit_scores[reading.best_unit]))


def with_table_headers(units: Sequence[str], vectors: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Each table row read with its table's header row: "Starter — Up to 3" alone does not say it is
    a number of team members; "Plan — Team members" beside it does. Other units as they are."""
    out_vectors, out_texts = vectors, list(units)
    header = -1
    for i, unit in enumerate(units):
        if not is_table_row(unit):
            header = -1
            continue
        if header < 0:
            header = i
            continue
        if out_vectors is vectors:  # copied once, and only for a passage with a table
            out_vectors = np.array(vectors, copy=True)
        v = vectors[i] + vectors[header]
        out_vectors[i] = v / (np.linalg.norm(v) or 1.0)
        out_texts[i] = f"{units[header]} {unit}"
    return out_vectors, out_texts


def _section_opposes(terms: QuestionTerms, heading: str) -> bool:
    """The section is about the opposite action only: "Turn off 2FA", not "Turn off 2FA or replace
    your phone", whose second half may be just what a customer who lost their phone needs."""
    parts = [part for part in _HEADING_PARTS.split(heading.split(" > ")[-1]) if part.strip()]
    return bool(parts) and all(terms.opposes(part) for part in parts)


def _said(units: Sequence[str], said: str) -> np.ndarray:
    """Which units the last reply already said: most of their words are in it."""
    words = set(tokenize(said))
    out = np.zeros(len(units), dtype=bool)
    if not words:
        return out
    for i, unit in enumerate(units):
        own = set(tokenize(unit))
        out[i] = len(own) >= 3 and len(own & words) >= SAID_SHARE * len(own)
    return out


def read(
    question_vector: np.ndarray, passages: Sequence[Passage], terms: QuestionTerms, scorer: UnitScorer,
    said: str = "",
) -> list[Reading]:
    """A reading for every passage, in retrieval order; `said`: the last reply, for a follow-up."""
    readings = []
    for p in passages:
        if not p.units:
            readings.append(Reading(p, 0.0, 0, np.zeros(0, dtype=np.float32)))
            continue
        pointers = references(p.units, p.hit.chunk.heading)
        if len(pointers) == len(p.units):  # a list of links answers nothing itself
            readings.append(Reading(p, 0.0, 0, np.zeros(len(p.units), dtype=np.float32), points_elsewhere=True))
            continue
        vectors, texts = with_table_headers(p.units, p.vectors)
        probs = scorer.probability(question_vector, vectors, terms, texts)
        opposed = np.zeros(len(p.units), dtype=bool)
        if terms.actions:  # about the opposite of the action asked: not its answer
            section_opposes = _section_opposes(terms, p.hit.chunk.heading)
            opposed = np.array([section_opposes or terms.opposes(u) for u in p.units])
            probs = np.where(opposed, probs * OPPOSITE_PENALTY, probs)
        if said:
            probs = np.where(_said(p.units, said), probs * SAID_PENALTY, probs)
        labels = np.array([is_heading(u) or is_question(u) or i in pointers for i, u in enumerate(p.units)])
        if labels.all():  # headings, questions and links only (a menu, "Back to top"): nothing to quote
            readings.append(Reading(p, 0.0, 0, np.zeros(len(p.units), dtype=np.float32), points_elsewhere=True))
            continue
        best = int(np.argmax(np.where(labels, -1.0, probs)))
        readings.append(Reading(p, float(probs[best]), best, probs, frozenset(np.flatnonzero(opposed).tolist())))
    return readings
