"""Grounding of a written reply, sentence by sentence, in the sources it cites.

A model's reply is a list of claims: its sentences and list items, each step of a numbered list
written on one line ("1. Go to … 2. Click …") and each sentence after a step apart. Each claim is
checked against the sources it cites (`[n]` after it; one that cites nothing is checked against
every source the reply cites): it is *supported* when a sentence of those sources (each sentence
of a source's step apart too, as the reply's are split) says nearly the same thing (cosine
similarity of their embeddings) and its content words and numbers are found there. A sentence that cites a source that does not exist supports nothing. Sentences without
content words, and courtesy sign-offs ("Hope this helps!", "Let me know if you have any other
questions!"), are not counted either way.

The reply's `grounded` figure is the chance that all its claims hold: a supported claim is one the
sources make, an unsupported one is taken as a coin toss at best, so each unsupported claim halves
it, however many supported ones surround it; nothing supported is 0. The assistant multiplies the
reply's confidence by it (or feeds it to the model's own calibration layer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.providers import SentenceSupport
from assistant.text import content_terms, split_units, straight_quotes
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
_SPACED_CITATION = re.compile(r"([ \t]*)\[(\d{1,2}(?:\s*,\s*\d{1,2})*)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_CITATIONS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d{1,2}(?:\s*,\s*\d{1,2})*\])+)")
# The chance an unsupported claim holds all the same: the checks found no source that makes it. None
# of the invented claims of tests/test_llm_provider.py does; a half is generous, and is what makes
# one invented sentence among seven supported ones a 0.5, not a 7/8.
UNSUPPORTED_CHANCE = 0.5
_LIST_MARKER = re.compile(r"^(?:[-*+•]|\d{1,2}[.)])\s+")
_STEP_NUMBER = re.compile(r"^\d{1,2}[.)]$")
_INLINE_STEP = re.compile(r"(?<=[.!?:\]])\s+(?=\d{1,2}[.)]\s)")  # "… [1]. 2. Click …" on one line
# Sign-offs with nothing to check. Each is matched as a whole sentence and is a closed phrase: its
# one open slot, the word of "Happy invoicing!", is a single "-ing" word with nothing after it, so
# no claim fits in one ("Feel free to ask our team to reset it." is checked like any sentence).
_MORE = r"(?:any\s+)?(?:other\s+|more\s+|further\s+)?(?:questions?|help)"
_COURTESY = re.compile(
    rf"""(?:
        (?:i\s+)?hope\s+(?:this|that|it)\s+helps
      | (?:if\s+you\s+have\s+{_MORE},?\s+)?(?:please\s+)?
        (?:let\s+(?:me|us)\s+know|feel\s+free\s+to\s+(?:ask|reach\s+out|get\s+in\s+touch|contact\s+us|let\s+(?:me|us)\s+know))
        (?:\s+if\s+you\s+(?:have|need)\s+{_MORE}|\s+if\s+there(?:'s|\s+is)\s+anything\s+else(?:\s+(?:i|we)\s+can\s+help\s+with)?)?
      | (?:is\s+there\s+)?anything\s+else\s+(?:i|we)\s+can\s+help\s+(?:you\s+)?with
      | happy\s+[a-z]+ing | happy\s+to\s+help | glad\s+(?:i|we)\s+could\s+help | you(?:'re|\s+are)\s+welcome
      | thanks\s+for\s+(?:asking|reaching\s+out|your\s+question)
    )[\s.!?]*(?:[\u2600-\u27bf\U0001f300-\U0001faff]\ufe0f?\s*)*""",
    re.IGNORECASE | re.VERBOSE,
)


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
    def grounded(self) -> float:
        """The chance that all the counted claims hold: UNSUPPORTED_CHANCE for each unsupported
        one, since a reply is wrong if any of its claims is, whatever the others say; 0.0 when
        none is supported."""
        counted = [s for s in self.sentences if s.counted]
        unsupported = sum(not s.supported for s in counted)
        return 0.0 if unsupported == len(counted) else UNSUPPORTED_CHANCE**unsupported

    @property
    def mean_score(self) -> float:
        counted = [s.score for s in self.sentences if s.counted]
        return float(np.mean(counted)) if counted else 0.0


def citations(text: str) -> list[int]:
    """The source numbers cited in `text`, as written: '[1]', '[2, 3]'."""
    return [int(n) for m in _CITATION.finditer(text) for n in m.group(1).split(",")]


def renumber_citations(text: str, order: tuple[int, ...]) -> str:
    """The reply's markers numbered as its sources are listed: `order` holds the 0-based prompt
    indexes of the cited sources, in first-cited order (`Grounding.cited`), so a reply that cites
    the prompt's [2] before its [1] reads "[1] … [2]" beside sources listed in that order. A marker
    of a source it does not list (one that does not exist) is dropped: it would point at nothing."""
    position = {index + 1: n for n, index in enumerate(order, start=1)}

    def renumber(m: re.Match[str]) -> str:
        kept = list(dict.fromkeys(position[int(n)] for n in m.group(2).split(",") if int(n) in position))
        return f"{m.group(1)}[{', '.join(map(str, kept))}]" if kept else ""  # dropped with the space before it

    return _SPACED_CITATION.sub(renumber, text)


def strip_citations(text: str) -> str:
    return re.sub(r"\s+([.!?,;:])", r"\1", _CITATION.sub("", text)).strip()


CLIPPED_CHARS = 120


def clipped(text: str) -> str:
    """The text on one line, without its citations, cut to CLIPPED_CHARS ("…" where cut)."""
    text = " ".join(strip_citations(text).split())
    return text if len(text) <= CLIPPED_CHARS else text[: CLIPPED_CHARS - 1] + "…"


def claims(text: str) -> list[str]:
    """The sentences and list items of a written reply, each step and each sentence apart.

    `split_units` keeps a list item whole, as a source's step is quoted whole; but a model may write
    "1. Go to … 2. Click … 3. …" on one line and a sentence of its own after the last step, and
    that sentence must be checked on its own. A step number cut from its step ("… [1]. 2. Click …"
    outside a list) goes back in front of it."""
    out: list[str] = []
    number = ""
    for unit in split_units(text):
        if _STEP_NUMBER.match(unit):
            number = unit + " "
            continue
        for part in _steps_and_sentences(unit) if _LIST_MARKER.match(unit) else [unit]:
            out.append(number + part)
            number = ""
    return out + ([number.strip()] if number else [])


def _steps_and_sentences(item: str) -> list[str]:
    parts: list[str] = []
    for step in _INLINE_STEP.split(item):
        marker = _LIST_MARKER.match(step)
        head = marker.group() if marker else ""
        sentences = split_units(step[len(head) :]) or [""]
        parts += [head + sentences[0], *sentences[1:]]
    return parts


def plain_claim(claim: str) -> str:
    """A claim as it is checked: without its citations and its list marker."""
    return _LIST_MARKER.sub("", strip_citations(claim))


def is_courtesy(sentence: str) -> bool:
    """A sign-off that says nothing about the product ("Hope this helps!")."""
    return _COURTESY.fullmatch(straight_quotes(sentence).strip()) is not None


def ground(text: str, sources: Sequence[SourceText], embedder: Embedder) -> Grounding:
    """Check each claim of `text` against the sources it cites; `sources[i]` is `[i + 1]`."""
    sentences = claims(_CITATIONS_AFTER_STOP.sub(lambda m: m.group(2) + m.group(1), text))
    cites = [citations(s) for s in sentences]
    cited = tuple(dict.fromkeys(n - 1 for ns in cites for n in ns if 1 <= n <= len(sources)))
    fallback = list(cited) or list(range(len(sources)))
    plain = [plain_claim(s) for s in sentences]
    inner = [_inner_sentences(s) for s in sources]
    flat = plain + [x for xs in inner for x in xs]
    vectors = embedder.embed(flat) if flat else np.zeros((0, 0), dtype=np.float32)
    vectors, sources = vectors[: len(plain)], _with_inner_sentences(sources, inner, vectors[len(plain) :])
    out = []
    for sentence, clean, numbers, vector in zip(sentences, plain, cites, vectors, strict=True):
        if not content_terms(clean) or is_courtesy(clean):  # neither for nor against the reply
            out.append(SentenceSupport(text=sentence, cites=tuple(numbers), score=0.0, supported=True, counted=False))
            continue
        chosen = [n - 1 for n in numbers if 1 <= n <= len(sources)] if numbers else fallback
        out.append(_support(sentence, clean, tuple(numbers), vector, [sources[i] for i in chosen]))
    if cited or not sources or not len(vectors):
        return Grounding(sentences=tuple(out), cited=cited)
    closeness = [float(np.max(vectors @ s.vectors.T)) if s.units else -1.0 for s in sources]
    return Grounding(sentences=tuple(out), cited=(int(np.argmax(closeness)),), uncited=True)


def _inner_sentences(source: SourceText) -> list[str]:
    """The sentences of the source's list items that hold more than one, split as a reply's are:
    "If you can't scan it, click Enter the key manually." scores 0.53 against the whole of its
    step 3, and 0.9 or more against itself."""
    out: list[str] = []
    for unit in source.units:
        parts = _steps_and_sentences(unit) if _LIST_MARKER.match(unit) else []
        out += [plain_claim(p) for p in parts] if len(parts) > 1 else []
    return out


def _with_inner_sentences(
    sources: Sequence[SourceText], inner: list[list[str]], vectors: np.ndarray
) -> list[SourceText]:
    out, at = [], 0
    for source, sentences in zip(sources, inner, strict=True):
        if sentences:
            extra, at = vectors[at : at + len(sentences)], at + len(sentences)
            source = SourceText(text=source.text, units=[*source.units, *sentences],
                                vectors=np.vstack([source.vectors, extra]))
        out.append(source)
    return out


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
