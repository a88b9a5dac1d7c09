"""Grounding of a written reply, sentence by sentence, in the sources it cites.

A model's reply is a list of claims. Each sentence is checked against the sources it cites
(`[n]` after it; a sentence that cites nothing is checked against every source the reply cites):
it is *supported* when a sentence of those sources says nearly the same thing (cosine similarity
of their embeddings) and its content words and numbers are found there. A sentence that cites a
source that does not exist supports nothing. Sentences without content words ("Hope this helps!")
are not counted either way.

The share of supported sentences is the reply's `grounded` figure: one invented step in a reply
of four makes it 0.75, and the assistant lowers the reply's confidence by it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.providers import SentenceSupport
from assistant.text import content_terms, split_units
from knowledge import Embedder

# Measured with all-MiniLM-L6-v2 against the sample help centre's password article
# (tests/test_llm_provider.py::test_grounding_*): paraphrases of its sentences score 0.62-0.85
# and keep >= 0.8 of their content words; invented on-topic claims score 0.46-0.96, so the
# cosine alone cannot tell them apart. Words and numbers do most of the work: 6 of 8 invented
# claims fail them. What passes: a negation flip ("also turns off two-factor authentication")
# and a claim made of the source's own words ("our team will reset it within an hour").
MIN_COSINE = 0.55
MIN_TERMS = 0.75  # share of the sentence's content words found in its sources
_CITATION = re.compile(r"\[(\d{1,2}(?:\s*,\s*\d{1,2})*)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_CITATIONS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d{1,2}(?:\s*,\s*\d{1,2})*\])+)")


@dataclass(frozen=True)
class SourceText:
    """A source as shown to the model: its sentences (units) and their unit-length vectors."""

    text: str
    units: list[str]
    vectors: np.ndarray


@dataclass(frozen=True)
class Grounding:
    sentences: tuple[SentenceSupport, ...]
    cited: tuple[int, ...]  # 0-based indexes of the sources the reply cites, in first-cited order
    # True when the reply cites no source: `cited` then holds the one its sentences match best
    uncited: bool = False

    @property
    def share(self) -> float:
        """Share of the counted sentences that are supported (0.0 when none is)."""
        counted = [s for s in self.sentences if s.counted]
        return sum(s.supported for s in counted) / len(counted) if counted else 0.0

    @property
    def mean_score(self) -> float:
        counted = [s.score for s in self.sentences if s.counted]
        return float(np.mean(counted)) if counted else 0.0


def citations(text: str) -> list[int]:
    """The source numbers cited in `text`, as written: '[1]', '[2, 3]'."""
    return [int(n) for m in _CITATION.finditer(text) for n in m.group(1).split(",")]


def strip_citations(text: str) -> str:
    return re.sub(r"\s+([.!?,;:])", r"\1", _CITATION.sub("", text)).strip()


def ground(text: str, sources: Sequence[SourceText], embedder: Embedder) -> Grounding:
    """Check each sentence of `text` against the sources it cites; `sources[i]` is `[i + 1]`."""
    sentences = split_units(_CITATIONS_AFTER_STOP.sub(lambda m: m.group(2) + m.group(1), text))
    cites = [citations(s) for s in sentences]
    cited = tuple(dict.fromkeys(n - 1 for ns in cites for n in ns if 1 <= n <= len(sources)))
    fallback = list(cited) or list(range(len(sources)))
    plain = [strip_citations(s) for s in sentences]
    vectors = embedder.embed(plain) if plain else np.zeros((0, 0), dtype=np.float32)
    out = []
    for sentence, clean, numbers, vector in zip(sentences, plain, cites, vectors, strict=True):
        if not content_terms(clean):
            out.append(SentenceSupport(text=sentence, cites=tuple(numbers), score=0.0, supported=True, counted=False))
            continue
        chosen = [n - 1 for n in numbers if 1 <= n <= len(sources)] if numbers else fallback
        out.append(_support(sentence, clean, tuple(numbers), vector, [sources[i] for i in chosen]))
    if cited or not sources or not len(vectors):
        return Grounding(sentences=tuple(out), cited=cited)
    closeness = [float(np.max(vectors @ s.vectors.T)) if s.units else -1.0 for s in sources]
    return Grounding(sentences=tuple(out), cited=(int(np.argmax(closeness)),), uncited=True)


def _support(
    sentence: str, clean: str, cites: tuple[int, ...], vector: np.ndarray, sources: list[SourceText]
) -> SentenceSupport:
    units = [s for s in sources if s.units]
    if not units:
        return SentenceSupport(text=sentence, cites=cites, score=0.0, supported=False)
    score = max(float(np.max(s.vectors @ vector)) for s in units)
    source_text = "\n".join(s.text for s in sources)
    terms = content_terms(clean)
    found = len(terms & content_terms(source_text)) / len(terms)
    numbers_ok = set(_NUMBER.findall(clean)) <= set(_NUMBER.findall(source_text))
    supported = score >= MIN_COSINE and found >= MIN_TERMS and numbers_ok
    return SentenceSupport(text=sentence, cites=cites, score=round(score, 4), supported=supported)
