"""Hybrid retrieval: dense (Chroma) and lexical (BM25) scores combined by a tuned weight.

    score = (1 - LEXICAL_WEIGHT) * cosine + LEXICAL_WEIGHT * bm25 / best bm25 of the query

over the union of both candidate lists, summed over the phrasings of a query. Measured on DEV
(answerable; recall@1 / recall@5): mtrag_govt_cloud — reciprocal rank fusion 0.608 / 0.855,
weighted 0.15: 0.636 / 0.855 (0.30: 0.622 / 0.838; 0.50: 0.614 / 0.821); clapnq — RRF
0.922 / 1.000, weighted 0.15: 0.956 / 1.000. Dense alone: mtrag 0.580 / 0.807.

Searches read a *view*: the catalog's current chunks at one moment, every one of which the vector
store, as this process sees it, holds, and their BM25 index. Chunks left behind by an interrupted
ingest are in no view, so they are never read. A view is kept until the catalog has changed (see
`Retriever.catch_up`), and left at once when a search finds it out of date for its question, as
when an editor's ingest in another process switched an article to its new version and deleted the
old chunks, and those could have been among the best: found in neither version, the article had
vanished from answers until the catalog settled. So a document answers from the version its view
holds until its new one is visible to this process, never from neither. Each hit keeps its cosine
similarity to the query as `score` (what the confidence signals use) and its combined score as
`fused`.

A new view is taken by one thread at a time, outside the lock searches take, and swapped in when
it is whole (an embedded store reopened, ~0.6 s at 300 documents): meanwhile other searches read
the view they have, and only a search that found its own out of date for its question waits, for
a view begun after it found so. Its BM25 index is the last view's, updated with the chunks that
changed (`LexicalIndex.updated`), not built anew. While an ingest runs, views follow one another
every second or so: every search had found its view out of date (any chunk it lost, among ~70
candidates) and queued behind every reopen and BM25 build (`python -m evals.search_during_ingest`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from knowledge.catalog import Catalog
from knowledge.documents import Chunk, Hit
from knowledge.embeddings import Embedder, default_model_path
from knowledge.lexical import LexicalIndex
from knowledge.spelling import Speller, known_words
from knowledge.store import VectorStore

CANDIDATES = 30
LIVE_REBUILD_SECONDS = 1.0  # with a Chroma server: a new view taken at most this often while an ingest writes
SETTLE_SECONDS = 2.0  # the catalog still this long after another process changed it: reopen the store
LEXICAL_WEIGHT = 0.15
LOOKS = 3  # a search that finds its view out of date gets a newer one and searches again, this many times in all


@dataclass(eq=False)
class View:
    """What searches read: the catalog's current chunks as of one moment (`generation`), all held by
    the vector store as this process sees it, and their BM25 index.

    `mixed`: the catalog changed while an embedded store was being reopened, so `chunk_ids` holds
    those of the catalog before and after, and a document may have two versions in it (its
    newest found is read). `taken_at`: when it was begun (monotonic), before its first read of the
    catalog; `reopened`: an embedded store was opened afresh for it. `cuts`: each chunk's document
    as the catalog listed it (when it was written, how it was cut), so that the next view reads
    again only the chunks whose text may have changed."""

    generation: tuple
    chunk_ids: frozenset[str]
    mixed: bool
    taken_at: float
    lexical: LexicalIndex
    cuts: dict[str, tuple] = field(default_factory=dict, repr=False)
    reopened: bool = False


@dataclass(frozen=True)
class Dense:
    """One phrasing's nearest chunks in a view (`Retriever.dense`)."""

    hits: list[Hit]  # the view's, nearest first
    gone: dict[str, float]  # the view's chunks among the nearest the store no longer holds -> cosine
    behind: dict[str, float]  # chunks among the nearest of a document's current version the view lacks -> cosine
    floor: float  # no chunk left out of the nearest is nearer than this


def _words(chunk: Chunk) -> str:
    """What BM25 reads of a chunk."""
    return f"{chunk.title}\n{chunk.heading}\n{chunk.text}"


class Retriever:
    def __init__(
        self,
        *,
        embedder: Embedder,
        store: VectorStore,
        catalog: Catalog,
        lexical_weight: float = LEXICAL_WEIGHT,
    ) -> None:
        self.embedder = embedder
        self.store = store
        self.catalog = catalog
        self.lexical_weight = lexical_weight
        self._view: View | None = None
        self._taking = False  # a thread is taking a new view
        self._speller: tuple[LexicalIndex, Speller] | None = None  # built for that index
        self._settling: tuple | None = None  # a generation another process wrote, and since when it has held
        self._settling_since = 0.0
        # guards _view and _taking, held for no read of the catalog or the store; notified when a take ends
        self._lock = threading.Condition()
        # the catalog when the store was opened: what another process wrote after it, an embedded
        # store does not show until reopened
        self._opened_generation = catalog.generation()

    def catch_up(self) -> View:
        """The view searches read now. When the catalog has changed since the last one was taken,
        a new one is taken: at once after a write of this process; with a Chroma server, which
        shows every process's writes at once, at most every LIVE_REBUILD_SECONDS while an ingest
        writes; and for an embedded store changed by another process (an editor's ingest), once
        the catalog has stayed still for SETTLE_SECONDS, so that the store is not reopened on
        every document of an ingest still running. Until then searches read the view they had,
        and a search that finds it out of date for its question (a document of it changed, its
        chunks deleted) waits for a newer one (`search`). While another thread takes a view, that
        one is not waited for here unless a write of this process must be seen."""
        generation = self.catalog.generation()
        view = self._view
        if view is not None and generation == view.generation:
            return view
        asked = time.monotonic()
        own = self.store.wrote_since_asked()
        if view is None:
            # the first look: what this process wrote before is seen now; a first look after another
            # process wrote (an editor's ingest since start-up) reopens an embedded store: the
            # ingested articles were never found, until a later ingest
            elsewhere = not own and not self.store.live and generation != self._opened_generation
            return self._taken_since(None, reopen=elsewhere)
        if own:  # a write of its own
            return self._taken_since(asked, reopen=False)
        if self.store.live:
            if asked - view.taken_at < LIVE_REBUILD_SECONDS:
                return view
            return self._refreshed(reopen=False)
        if generation != self._settling:
            still = self._still_for(generation, view)
            with self._lock:
                if generation != self._settling:
                    self._settling, self._settling_since = generation, asked - still
        if asked - self._settling_since < SETTLE_SECONDS:
            return view
        return self._refreshed(reopen=True)

    def _refreshed(self, *, reopen: bool) -> View:
        """A new view taken by this thread; while another thread takes one, the view there is."""
        with self._lock:
            if self._taking:
                return self._view
            self._taking = True
        return self._take_and_swap(reopen=reopen)

    def _taken_since(self, since: float | None, *, reopen: bool) -> View:
        """A view begun after `since` (monotonic; None: any view), reading a store reopened for it
        if `reopen`: the one searches read if it is such, else the next one taken, by this thread
        if no other is taking one. Only the searches that need such a view wait for it."""
        with self._lock:
            while True:
                view = self._view
                if view is not None and (since is None or (view.taken_at >= since and (view.reopened or not reopen))):
                    return view
                if not self._taking:
                    self._taking = True
                    break
                self._lock.wait()
        return self._take_and_swap(reopen=reopen)

    def _take_and_swap(self, *, reopen: bool) -> View:
        """Take a view (this thread alone: `_taking` is set), then make it the one searches read."""
        view = None
        try:
            view = self._take(self._view, reopen=reopen)
            return view
        finally:
            with self._lock:
                if view is not None:
                    self._view = view
                self._taking = False
                self._lock.notify_all()

    def _take(self, previous: View | None, *, reopen: bool) -> View:
        """A new view, taken without the lock. An embedded store is reopened between two reads of
        the catalog: every chunk current at the moment it was opened is in one of them, written
        before the catalog switched to it and deleted only after it switched away. Its BM25 index
        is the previous view's, less the chunks gone and with those new (or cut anew) read."""
        taken_at = time.monotonic()
        self.store.wrote_since_asked()  # the view sees this process's writes so far
        generation = self.catalog.generation()
        before = self._cuts()
        after = before
        if reopen:
            self.store.reopen()
            after = self._cuts()
        cuts = {**before, **after}
        lexical = self._lexical(previous, cuts)
        return View(generation, frozenset(cuts), before.keys() != after.keys(), taken_at, lexical, cuts, reopen)

    def _cuts(self) -> dict[str, tuple]:
        """Each current chunk -> its document's (time written, cut): a chunk id cut anew keeps its id."""
        return {cid: (doc.updated_at, doc.recipe) for doc in self.catalog.all() for cid in doc.chunk_ids}

    def _lexical(self, previous: View | None, cuts: dict[str, tuple]) -> LexicalIndex:
        """The BM25 index of these chunks: the previous view's, with the chunks it lacks (or whose
        document was cut anew) read from the store, and those no longer current left out."""
        if previous is None:
            chunks = self.store.get(sorted(cuts))
            return LexicalIndex([c.chunk_id for c in chunks], [_words(c) for c in chunks])
        kept = [cid for cid, cut in cuts.items() if previous.cuts.get(cid) == cut and cid in previous.lexical]
        chunks = self.store.get(sorted(cuts.keys() - set(kept)))
        return previous.lexical.updated(kept, [c.chunk_id for c in chunks], [_words(c) for c in chunks])

    def _newer(self, seen: View, found_at: float) -> View | None:
        """After a search found `seen` out of date at `found_at` (monotonic, once the store had
        answered): a view begun after that, or None if the catalog has not changed since `seen` was
        taken (what it misses then is no document's current version)."""
        if self.catalog.generation() == seen.generation:
            return None
        return self._taken_since(found_at, reopen=not self.store.live)

    def _still_for(self, generation: tuple, view: View) -> float:
        """How long the catalog has been still, as far as it tells: since its last document was
        written, when the change includes a write (the first question after an ingest that ended
        seconds ago needs no wait); 0 for removals alone, which leave no time behind (then the wait
        starts now)."""
        if generation[1] == view.generation[1]:
            return 0.0
        written = self.catalog.last_write()
        if written is None:
            return 0.0
        return max(0.0, (datetime.now(UTC) - written).total_seconds())

    def lexical_index(self) -> LexicalIndex:
        """The BM25 index of the current view's chunks."""
        return self.catch_up().lexical

    def speller(self) -> Speller:
        """Corrects typos to the current chunks' words (`knowledge.spelling`)."""
        lexical = self.lexical_index()
        built = self._speller
        if built is not None and built[0] is lexical:
            return built[1]
        # built outside the lock (two replies at once may both build it; either result is the same)
        known = known_words(getattr(self.embedder, "model_path", None) or default_model_path())
        speller = Speller.of(lexical.texts, known)
        self._speller = (lexical, speller)
        return speller

    def dense(self, vector: np.ndarray, n: int, view: View) -> Dense:
        """The n nearest chunks of the view, those of its chunks among them that the store no longer
        holds, and those the store holds of a document's current version that the view lacks."""
        # Over-fetch: chunks of other versions may be among the nearest.
        hits, gone = self.store.nearest(vector, n + 10)
        outside = [h for h in hits if h.chunk.chunk_id not in view.chunk_ids]
        behind = {}
        if outside:  # most are chunks left by an interrupted ingest, of no current version
            current = self.catalog.current_hashes(sorted({h.chunk.doc_id for h in outside}))
            behind = {h.chunk.chunk_id: h.score for h in outside if current.get(h.chunk.doc_id) == h.chunk.content_hash}
        found = [h.score for h in hits] + list(gone.values())
        # a chunk not among the nearest is no nearer than the last of them (if the store had more)
        floor = min(found) if len(found) == n + 10 else 1.0
        return Dense([h for h in hits if h.chunk.chunk_id in view.chunk_ids][:n],
                     {c: cos for c, cos in gone.items() if c in view.chunk_ids}, behind, floor)

    def search(self, query: str | Sequence[str], k: int = 4, vectors: np.ndarray | None = None) -> list[Hit]:
        """The k best chunks for one query, or for several phrasings of it combined.

        Several phrasings are how a follow-up is searched: its own words and the words it gains
        from the conversation, each scored densely and lexically, the scores summed. `vectors`, if
        given, are the phrasings' embeddings (one row each, in order), so a caller that needs them
        too embeds once.
        """
        queries = [query] if isinstance(query, str) else list(dict.fromkeys(query))
        if vectors is None or len(vectors) != len(queries):
            vectors = self.embedder.embed_queries(queries)
        n = max(CANDIDATES, k)  # a fixed depth: the ranking is the same whatever k the caller asks
        view = self.catch_up()
        for looks in range(1, LOOKS + 1):
            hits, stale = self._search(view, queries, vectors, n, k)
            newer = self._newer(view, time.monotonic()) if stale and looks < LOOKS else None
            if newer is None:
                return hits
            view = newer
        return hits

    def _search(
        self, view: View, queries: list[str], vectors: np.ndarray, n: int, k: int
    ) -> tuple[list[Hit], bool]:
        """`search` in one view, and whether the view is out of date for this question: a chunk it
        lacks could have been among the k best. Such a chunk is one of the view's the store no
        longer holds (another process deleted it), or one of a document's current version that the
        store holds and the view does not. Each is given the most it could have scored (its cosine,
        or no more than the last of the nearest; its BM25 score if the view's index has it, else
        the best) and the view stands if that is below the k-th best found: what it lacks then
        changes nothing of this answer."""
        w = self.lexical_weight
        lexical = view.lexical if w else None
        combined: dict[str, float] = {}
        lexical_share: dict[str, float] = {}
        by_id: dict[str, Hit] = {}
        lacking: dict[str, float] = {}  # chunk -> the most it could have scored, had the view held it
        behind: list[tuple[float, dict[str, float]]] = []  # each phrasing's (floor, chunks the view lacks)
        for text, vector in zip(queries, vectors, strict=True):
            cosine = {}
            dense = self.dense(vector, n, view)
            behind.append((dense.floor, dense.behind))
            for hit in dense.hits:
                cosine[hit.chunk.chunk_id] = hit.score
                by_id.setdefault(hit.chunk.chunk_id, hit)
            bm25 = dict(lexical.search(text, n)) if lexical is not None else {}
            wanted = [c for c in bm25 if c not in cosine]
            found = self.store.get_with_vectors(wanted)
            for chunk, chunk_vector in found:
                cosine[chunk.chunk_id] = float(np.dot(vector, chunk_vector))
                by_id.setdefault(chunk.chunk_id, Hit(chunk, cosine[chunk.chunk_id]))
            best = max(bm25.values(), default=0.0) or 1.0
            for cid in dense.gone.keys() | (set(wanted) - cosine.keys()):  # deleted since the view was taken
                cos = dense.gone.get(cid, dense.floor)
                lacking[cid] = lacking.get(cid, 0.0) + (1 - w) * cos + w * bm25.get(cid, 0.0) / best
            for cid, cos in cosine.items():
                if cos > by_id[cid].score:
                    by_id[cid] = Hit(by_id[cid].chunk, cos)
                combined[cid] = combined.get(cid, 0.0) + (1 - w) * cos + w * bm25.get(cid, 0.0) / best
                lexical_share[cid] = max(lexical_share.get(cid, 0.0), bm25.get(cid, 0.0) / best)
        for cid in {c for _, chunks in behind for c in chunks}:  # its words unknown: as many as the best's
            lacking[cid] = sum((1 - w) * chunks.get(cid, floor) + w for floor, chunks in behind)
        if view.mixed:  # one version of a document: its newest found
            newest: dict[str, int] = {}
            for cid in combined:
                chunk = by_id[cid].chunk
                newest[chunk.doc_id] = max(newest.get(chunk.doc_id, 0), chunk.version)
            combined = {c: s for c, s in combined.items() if by_id[c].chunk.version == newest[by_id[c].chunk.doc_id]}
        top = sorted(combined, key=combined.__getitem__, reverse=True)[:k]
        kth = combined[top[-1]] if len(top) == k else -math.inf
        stale = bool(lacking) and max(lacking.values()) >= kth - 1e-9
        return [Hit(by_id[cid].chunk, by_id[cid].score, combined[cid], lexical_share[cid]) for cid in top], stale
