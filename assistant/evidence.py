"""Evidence: the retrieved chunks, cut into answer units, each unit scored against the question.

Unit texts and vectors were stored at ingest (`ingest.sync`), so reading them costs one lookup; a
chunk indexed before unit vectors existed has its units embedded here instead. In a knowledge base
with section headings, a passage is also scored by how like the question its section is ("Tally
plans and pricing > Prices" for "what does the Pro plan cost?"): headings are few and repeat, so
their vectors are embedded once and kept (`SectionVectors`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from knowledge import Chunk, Embedder, Hit, VectorStore
from knowledge.units import split_units

if TYPE_CHECKING:
    from assistant.reader import Reading
    from assistant.terms import QuestionTerms


@dataclass(frozen=True)
class Evidence:
    """What the assistant read for one question, best reading first."""

    question: str  # as the customer asked it
    query: str  # its standalone form, what the readings answer
    readings: list[Reading]
    terms: QuestionTerms
    follow_up: bool = False  # the query was completed from the conversation
    correction: bool = False  # "no, I meant Pro": the last question asked again, so the last reply may be said again
    # the section the best reading's passage leads into when it ends pointing at it ("then follow
    # the steps below"): quoted after it, since the pointer alone answers nothing
    continuation: Passage | None = None
    # the chunk before the best reading's passage when that passage opens partway through the list
    # holding its answer ("6. Restart the app." with steps 1-5 in the chunk before): the list's
    # start, with its introduction, is quoted first
    lead: Passage | None = None

    @property
    def hits(self) -> list[Hit]:
        return [r.passage.hit for r in self.readings]


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk as the assistant reads it."""

    hit: Hit
    rank: int  # in retrieval order, from 0
    units: list[str]
    vectors: np.ndarray  # one per unit
    similarity: np.ndarray  # cosine of each unit to the question
    section: float = 0.0  # cosine of the question to "Title > Heading" (`with_sections`)

    @property
    def best_unit(self) -> int:
        return int(np.argmax(self.similarity)) if len(self.similarity) else 0


def next_passage(
    passage: Passage, question_vector: np.ndarray, *, store: VectorStore, embedder: Embedder,
    only_if: Callable[[Chunk], bool] | None = None,
) -> Passage | None:
    """The chunk that follows `passage` in its document, read like a retrieved one (None at the end,
    or when `only_if` says the chunk is not wanted: it is then not read)."""
    return _read_chunk(passage.hit.chunk.next_id, question_vector, store=store, embedder=embedder, only_if=only_if)


def previous_passage(
    passage: Passage, question_vector: np.ndarray, *, store: VectorStore, embedder: Embedder,
    only_if: Callable[[Chunk], bool] | None = None,
) -> Passage | None:
    """The chunk before `passage` in its document, read like a retrieved one (None at the start, or
    when `only_if` says the chunk is not wanted)."""
    return _read_chunk(passage.hit.chunk.previous_id, question_vector, store=store, embedder=embedder, only_if=only_if)


def _read_chunk(
    chunk_id: str | None, question_vector: np.ndarray, *, store: VectorStore, embedder: Embedder,
    only_if: Callable[[Chunk], bool] | None = None,
) -> Passage | None:
    found = store.get([chunk_id]) if chunk_id else []
    if not found or (only_if is not None and not only_if(found[0])):
        return None
    return read_passages([Hit(chunk=found[0], score=0.0)], question_vector, store=store, embedder=embedder)[0]


def read_passages(
    hits: Sequence[Hit], question_vector: np.ndarray, *, store: VectorStore, embedder: Embedder
) -> list[Passage]:
    stored = store.units([h.chunk for h in hits])
    missing = [h for h in hits if h.chunk.chunk_id not in stored]
    if missing:
        texts = [split_units(h.chunk.text) for h in missing]
        vectors = embedder.embed([u for us in texts for u in us])
        start = 0
        for h, us in zip(missing, texts, strict=True):
            stored[h.chunk.chunk_id] = (us, vectors[start : start + len(us)])
            start += len(us)
    passages = []
    for rank, hit in enumerate(hits):
        units, vectors = stored[hit.chunk.chunk_id]
        similarity = vectors @ question_vector if len(units) else np.zeros(0, dtype=np.float32)
        passages.append(
            Passage(hit=hit, rank=rank, units=list(units), vectors=np.asarray(vectors), similarity=np.asarray(similarity))
        )
    return passages


class SectionVectors:
    """The vectors of section paths ("Title > Heading"), embedded on first use and kept (the most
    recently used `capacity` of them). Replies are read on several threads at once: one lock."""

    def __init__(self, embedder: Embedder, capacity: int = 4096) -> None:
        self._embedder = embedder
        self._capacity = capacity
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, paths: Sequence[str]) -> list[np.ndarray]:
        with self._lock:  # an embedding is needed only for a path not seen yet: rarely held long
            new = [p for p in dict.fromkeys(paths) if p not in self._kept]
            if new:
                for path, vector in zip(new, self._embedder.embed_queries(new), strict=True):
                    self._kept[path] = np.asarray(vector, dtype=np.float32)
            out = []
            for path in paths:
                self._kept.move_to_end(path)
                out.append(self._kept[path])
            while len(self._kept) > self._capacity:
                self._kept.popitem(last=False)
            return out


def section_path(hit: Hit) -> str:
    chunk = hit.chunk
    return " > ".join(p for p in (chunk.title, chunk.heading) if p)


def with_sections(passages: list[Passage], question_vector: np.ndarray, sections: SectionVectors) -> list[Passage]:
    """The passages scored by their section path's likeness to the question, when any of them is
    under a heading (a help centre's articles); an article's introduction, under none, by its title.
    Where no passage has a heading (an encyclopedia, scraped pages), 0 for all: there a title alone
    said less about which passage answers than retrieval did (see `assistant.selection.SECTION_WEIGHT`)."""
    if not any(p.hit.chunk.heading for p in passages):
        return passages
    vectors = sections([section_path(p.hit) for p in passages])
    return [replace(p, section=float(v @ question_vector)) for p, v in zip(passages, vectors, strict=True)]
