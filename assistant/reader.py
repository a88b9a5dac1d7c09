"""The reader: which retrieved passage answers the question, and where in it the answer is.

Every unit of every retrieved passage is scored by the unit scorer (`assistant.unit_scorer`):
the probability that it holds the answer, from the question's and the unit's vectors and a few
word counts — no model run, so all of them are read. A passage's answerability is its best
unit's probability, and that unit is where its answer is. A table row is read with its table's
header row. Headings, quoted questions and pointers to other articles are labels, never the
answer; a passage of labels only (a menu, "Back to top") answers nothing. A unit (or a whole
section, by its heading) about the opposite of the action asked — turning 2FA off, for "how do I
turn it on?" — keeps only a quarter of its score, is not quoted, and is not the answer while its
passage has any other; so does a unit about another topic its section's heading names (turning 2FA
off, under "Turn off 2FA or replace your phone", for "how do I replace my phone?"). A unit without
the kind of answer a "how often", "what time", "how many" or "when" question asks for is not the
answer while its passage has one with it (`TYPED_ANSWERS`). For a follow-up, a unit the last reply
already said keeps half: "and do I get that one back on my free invoices?" after how to void an
invoice asks for something new. Each unit is also read in its place, beside its neighbours, which
may raise its probability (see NEIGHBOURS_WEIGHT); what is quoted around the answer is chosen on
the units' own scores. A table row a "how much / how many" question names by its first cell ("how
much does Starter cost?"), or a table column a question names by its heading ("what can an
accountant see?", `assistant.table_columns`), is its passage's answer, as sure as its best unit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from assistant.definitions import introduces, opening
from assistant.unit_kinds import is_heading, is_list_item, is_question, is_table_row, references, row_key
from assistant.evidence import Passage
from assistant.restated_headings import section_start
from assistant.sentence_links import dangles
from assistant.table_columns import named_column, names_row
from assistant.terms import QuestionTerms
from assistant.unit_scorer import UnitScorer
from knowledge import Hit
from knowledge.lexical import tokenize

OPPOSITE_PENALTY = 0.25
SAID_PENALTY = 0.5  # a unit the last reply already said, for a follow-up: it asks for something new
SAID_SHARE = 0.8  # of a unit's words in the last reply, for it to count as said
ASIDE_SHARE = 2 / 3  # of another heading part's words in a unit, for it to be about that part (`_asides`)
# A unit is also read in its place: the scorer's reading of its vector summed with its neighbours'
# (`with_neighbours`), weighed NEIGHBOURS_WEIGHT against its reading alone, may raise (never lower)
# its probability, unless it is a label or lacks the kind of answer asked for. That reading picks
# the answer and its probability; the units quoted around it are chosen on their own scores. DEV
# with the shipped calibrator, AUROC / ECE / token-F1: mtrag 0.715 / 0.056 / 0.282 -> 0.725 / 0.053
# / 0.288; clapnq 0.842 / 0.048 / 0.476 -> 0.842 / 0.044 / 0.476; sample 0.915 / 0.066 / 0.447 ->
# 0.921 / 0.075 / 0.444; the sample test split unchanged but AUROC 0.867 -> 0.868. Blending without
# those guards (0.3 or 0.5, raising or lowering): mtrag AUROC 0.722-0.727 and token-F1 0.293, but
# "2. Click Create API key" beat "You can have up to 5 active keys" for "how many API keys?", and a
# breadcrumb beside an answer was quoted at 0.95.
NEIGHBOURS_WEIGHT = 0.3
# Questions whose kind of answer is told by its form (a frequency, a clock time, a number, a date):
# a unit without one is not the answer while its passage has a unit with one ("how often does
# LedgerSync sync?" got "To sync right away, click Sync now." beside "Tally syncs every 15 minutes.").
# DEV, this set -> also names and places (told by any capitalised word, too loose to go on): clapnq
# token-F1 0.482 -> 0.486 / 0.488, ECE 0.046 -> 0.046 / 0.048, AUROC 0.844 -> 0.845 / 0.844; mtrag
# ECE 0.053 -> 0.052 / 0.053; sample help centre DEV and test unchanged.
TYPED_ANSWERS = frozenset({"frequency", "clock", "money", "number", "date"})
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
    own_scores: np.ndarray | None = None  # each unit read alone: what chooses the units quoted around the answer

    @property
    def quote_scores(self) -> np.ndarray:
        return self.unit_scores if self.own_scores is None else self.own_scores

    @property
    def chunk_id(self) -> str:
        return self.passage.hit.chunk.chunk_id


def reading_of(readings: Sequence[Reading], hit: Hit) -> Reading | None:
    """The reading of the hit's chunk, if it was read."""
    return next((r for r in readings if r.chunk_id == hit.chunk.chunk_id), None)


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


def _prose(unit: str) -> bool:
    """A sentence or a list item, not a label."""
    return is_list_item(unit) or unit.rstrip().endswith((".", "!", "?", ":", ")"))


def with_neighbours(vectors: np.ndarray) -> np.ndarray:
    """Each unit's vector summed with the units just before and after it, normalised: a sentence
    read in its place ("It takes 2 days." beside what "it" is)."""
    padded = np.vstack([np.zeros_like(vectors[:1]), vectors, np.zeros_like(vectors[:1])])
    summed = padded[:-2] + padded[1:-1] + padded[2:]
    norms = np.linalg.norm(summed, axis=1, keepdims=True)
    return summed / np.where(norms == 0, 1.0, norms)


def _heading_parts(heading: str) -> list[str]:
    """The parts of a section's own heading: "Turn off 2FA or replace your phone" has two."""
    return [part for part in _HEADING_PARTS.split(heading.split(" > ")[-1]) if part.strip()]


def _section_opposes(terms: QuestionTerms, heading: str) -> bool:
    """The section is about the opposite action only: "Turn off 2FA", not "Turn off 2FA or replace
    your phone", whose second half may be just what a customer who lost their phone needs. A part
    of one or two words is no topic of its own: "Turn reminders off for one client or invoice" is
    about turning them off, and so is "Turn on reminders (Starter and Pro)" about turning them on."""
    parts = _heading_parts(heading)
    parts = [part for part in parts if len(part.split()) >= 3] or parts  # "Disable reminders" stays one
    return bool(parts) and all(terms.opposes(part) for part in parts)


def _own_parts(terms: QuestionTerms, heading: str) -> list[str]:
    """The parts of the section's own heading that are not about the opposite action."""
    return [part for part in _heading_parts(heading) if not terms.opposes(part)]


def section_topic(terms: QuestionTerms, heading: str) -> str:
    """The section's own heading without its parts about the opposite action: "Turn off 2FA or
    replace your phone" is, for "how do I turn on 2FA?", about replacing a phone."""
    if not terms.actions:
        return heading.split(" > ")[-1]
    return " ".join(_own_parts(terms, heading))


def names_action(terms: QuestionTerms, heading: str) -> bool:
    """A part of the section's own heading starts with the verb a how-to question asks about:
    "Edit, pause or stop a profile" names pausing, and "Turn off 2FA or replace your phone"
    replacing a phone (but not turning 2FA on, its opposite)."""
    return any(terms.starts_with_action(part) for part in _own_parts(terms, heading))


def _asides(terms: QuestionTerms, heading: str, units: Sequence[str]) -> np.ndarray:
    """Which units are about another of the section's topics than the one a how-to question asks
    for: under "Turn off 2FA or replace your phone", for "how do I replace my phone for 2FA?", the
    sentence on turning 2FA off (most of that part's words, and fewer of the asked part's)."""
    out = np.zeros(len(units), dtype=bool)
    named = [(part, set(tokenize(part))) for part in _heading_parts(heading)]
    parts = [words for _, words in named if len(words) >= 2]
    # the part about the action asked ("Turn off 2FA" is not, for "how do I turn on 2FA?")
    asked = [words for part, words in named if len(words) >= 2 and terms.verb in words and not terms.opposes(part)]
    if not terms.verb or len(asked) != 1 or len(parts) < 2:
        return out
    others = [words - asked[0] for words in parts if words is not asked[0]]
    for i, unit in enumerate(units):
        words = set(tokenize(unit))
        mine = len(words & asked[0]) / len(asked[0])
        # most of the other part's words and more than of the asked part's; or half of them, and
        # none of the asked part's ("To move to a new phone, …" under "Turn off 2FA or replace
        # your phone", for "how do I turn off 2FA?")
        out[i] = any(
            o and (share := len(words & o) / len(o)) > mine and (share >= ASIDE_SHARE or (share >= 0.5 and not mine))
            for o in others
        )
    return out


def _named_rows(units: Sequence[str], terms: QuestionTerms, heading: str) -> np.ndarray:
    """Which units are table rows the question names by their first cell: "Starter — $12 / month"
    for "how much does Starter cost?" (`table_columns.names_row`)."""
    return np.array([names_row(units, i, terms, heading) for i in range(len(units))], dtype=bool)


def _reported_row(units: Sequence[str], similarity: np.ndarray, terms: QuestionTerms, best: int) -> int | None:
    """The row of a table of messages (first cells quoted: `Row 22: date must be YYYY-MM-DD`) that
    a customer reporting what the app says means in their own words: of the rows sharing a word
    with the question, the one most like it, when it is at least as like it as the reader's answer.
    "my csv import says invalid date" had been sent the table's closing sentence ("Rows with errors
    are skipped ..."), at 0.90; the date row is the most like the question (0.61 against 0.52)."""
    if not terms.reports or not len(similarity):
        return None
    keys = {i: key for i in range(len(units)) if (key := row_key(units, i)).startswith("`")}
    if len(keys) < 2 or best in keys:
        return None
    asked = set(terms.terms)
    sharing = [i for i, key in keys.items() if asked & set(tokenize(key))]
    if not sharing:
        return None
    row = max(sharing, key=lambda i: float(similarity[i]))
    return row if similarity[row] >= similarity[best] else None


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
        own = probs
        typed = np.array([terms.type_found(t) > 0 for t in texts])  # holds the kind of answer asked for
        if len(p.units) > 1:  # each unit also read in its place, with its neighbours
            in_place = (1 - NEIGHBOURS_WEIGHT) * probs + NEIGHBOURS_WEIGHT * scorer.probability(
                question_vector, with_neighbours(vectors), terms, texts
            )
            # the neighbours may not lift a label (a heading, a breadcrumb), nor a unit without the
            # kind of answer asked for ("2. Click Create API key" beside other steps, for "how many keys?")
            may_rise = np.array([_prose(u) for u in p.units]) & typed
            probs = np.where(may_rise, np.maximum(probs, in_place), probs)
        opposed = np.zeros(len(p.units), dtype=bool)
        penalty = np.ones(len(p.units), dtype=np.float32)
        if terms.actions:  # about the opposite of the action asked: not its answer
            section_opposes = _section_opposes(terms, p.hit.chunk.heading)
            opposed = np.array([section_opposes or terms.opposes(u) for u in p.units])
        opposed |= _asides(terms, p.hit.chunk.heading, p.units)  # or about another topic of its section
        penalty = np.where(opposed, penalty * OPPOSITE_PENALTY, penalty)
        if said:
            penalty = np.where(_said(p.units, said), penalty * SAID_PENALTY, penalty)
        probs, own = probs * penalty, own * penalty
        labels = np.array([is_heading(u) or is_question(u) or i in pointers or dangles(p.units, i) for i, u in enumerate(p.units)])
        if labels.all():  # headings, questions and links only (a menu, "Back to top"): nothing to quote
            readings.append(Reading(p, 0.0, 0, np.zeros(len(p.units), dtype=np.float32), points_elsewhere=True))
            continue
        # the answer is neither a label nor about the opposite action, while the passage has one that is not
        excluded = labels | opposed
        if excluded.all():
            excluded = labels
        if terms.answer_type in TYPED_ANSWERS:  # nor one without the kind asked for, beside one with it
            if not (excluded | ~typed).all():
                excluded = excluded | ~typed
        best = int(np.argmax(np.where(excluded, -1.0, probs)))
        column = named_column(p.units, terms)
        if column is not None and not column.start < best < column.end:
            # "what can an accountant see?": the Accountant column of the roles table, as sure as the best unit
            row = column.start + 1 + int(np.argmax(probs[column.start + 1:column.end]))
            probs = probs.copy()
            probs[row], best = probs[best], row
        if terms.answer_type in TYPED_ANSWERS:  # "how much is Starter?": the row for Starter, as sure as the best unit
            named = _named_rows(p.units, terms, p.hit.chunk.heading) & ~excluded
            if named.any() and not named[best]:
                row = int(np.argmax(np.where(named, probs, -1.0)))
                probs = probs.copy()
                probs[row], best = probs[best], row
        reported = _reported_row(p.units, p.similarity, terms, best)
        if reported is not None and not excluded[reported]:  # the message they report, as sure as the best unit
            probs = probs.copy()
            probs[reported], best = probs[best], reported
        first = opening(p.units, terms.defined, excluded, probs) if introduces(p.hit.chunk, terms.defined) else None
        if first is not None:  # "what is a credit note?": what introduces it, as sure as the best unit
            probs = probs.copy()
            probs[first], best = probs[best], first
        elif terms.restates(p.hit.chunk.heading):
            # "what gets synced?" under "What syncs": the section from its start, as sure as the best unit
            start = section_start(p.units, excluded)
            if start is not None:
                probs = probs.copy()
                probs[start], best = probs[best], start
        # the reading in place chooses the answer and says how sure it is; the units quoted around
        # it are chosen on their own scores (see NEIGHBOURS_WEIGHT)
        opposite = frozenset(np.flatnonzero(opposed).tolist())
        readings.append(Reading(p, float(probs[best]), best, probs, opposite, own_scores=own))
    return readings
