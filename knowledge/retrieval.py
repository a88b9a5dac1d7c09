"""Hybrid retrieval: dense (Chroma) and lexical (BM25) scores combined by a tuned weight.

    score = (1 - LEXICAL_WEIGHT) * cosine + LEXICAL_WEIGHT * bm25 / best bm25 of the query

over the union of both candidate lists, summed over the phrasings of a query. Measured on DEV
(answerable; recall@1 / recall@5): mtrag_govt_cloud — reciprocal rank fusion 0.608 / 0.855,
weighted 0.15: 0.636 / 0.855 (0.30: 0.622 / 0.838; 0.50: 0.614 / 0.821); clapnq — RRF
0.922 / 1.000, weighted 0.15: 0.956 / 1.000. Dense alone: mtrag 0.580 / 0.807.

Searches read a *view*: the catalog's current chunks at one moment, every one of which the vector
store, as this process sees it, holds, and their BM25 index. Chunks left behind by an interrupted
ingest are in no view, so they are never read. A view is kept until the catalog has changed (see
`Retriever.catch_up`), and left at once when a search finds it out of date, as when an editor's
ingest in another process switched an article to its new version and deleted the old chunks:
found in neither version, the article had vanished from answers until the catalog settled. So a
document answers from the version its view holds until its new one is visible to this process,
never from neither. Each hit keeps its cosine similarity to the query as `score` (what the
confidence signals use) and its combined score as `fused`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from knowledge.catalog import Catalog
from knowledge.documents import Hit
from knowledge.embeddings import Embedder, default_model_path
from knowledge.lexical import LexicalIndex
from knowledge.spelling import Speller, known_words
from knowledge.store import VectorStore

CANDIDATES = 30
LIVE_REBUILD_SECONDS = 1.0  # with a Chroma server: the BM25 index rebuilt at most this often
SETTLE_SECONDS = 2.0  # the catalog still this long after another process changed it: reopen the store
LEXICAL_WEIGHT = 0.15
LOOKS = 3  # a search that finds its view out of date takes a new one and searches again, this many times in all


@dataclass(eq=False)
class View:
    """What searches read: the catalog's current chunks as of one moment (`generation`), all held by
    the vector store as this process sees it, and their BM25 index, built at its first use.

    `mixed`: the catalog changed while an embedded store was being reopened, so `chunk_ids` holds
    those of the catalog before and after, and a document may have two versions in it (its
    newest found is read)."""

    generation: tuple
    chunk_ids: frozenset[str]
    mixed: bool
    taken_at: float
    lexical: LexicalIndex | None = None


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
        self._speller: tuple[LexicalIndex, Speller] | None = None  # built for that index
        self._settling: tuple | None = None  # a generation another process wrote, and since when it has held
        self._settling_since = 0.0
        self._lock = threading.Lock()
        # the catalog when the store was opened: what another process wrote after it, an embedded
        # store does not show until reopened
        self._opened_generation = catalog.generation()

    def catch_up(self) -> View:
        """The view searches read now. When the catalog has changed since the last one was taken,
        a new one is taken: at once after a write of this process; with a Chroma server, which
        shows every process's writes at once, at most every LIVE_REBUILD_SECONDS while an ingest
        writes (its BM25 index is rebuilt each time); and for an embedded store changed by another
        process (an editor's ingest), once the catalog has stayed still for SETTLE_SECONDS, so that
        the store is not reopened on every document of an ingest still running. Until then searches
        read the view they had, and a search that finds it out of date (a document of it changed,
        its chunks deleted) takes a new one at once (`search`)."""
        generation = self.catalog.generation()
        with self._lock:
            view = self._view
            if view is not None and generation == view.generation:
                return view
            # the first look (what this process wrote before is seen now), or a write of its own;
            # a first look after another process wrote (an editor's ingest since start-up) reopens
            # an embedded store: the ingested articles were never found, until a later ingest
            own = self.store.wrote_since_asked()
            if view is None and not own and not self.store.live and generation != self._opened_generation:
                return self._take(reopen=True)
            if view is None or own:
                return self._take(reopen=False)
            if self.store.live:
                if time.monotonic() - view.taken_at < LIVE_REBUILD_SECONDS:
                    return view
                return self._take(reopen=False)
            now = time.monotonic()
            if generation != self._settling:
                self._settling, self._settling_since = generation, now - self._still_for(generation, view)
            if now - self._settling_since < SETTLE_SECONDS:
                return view
            return self._take(reopen=True)

    def _take(self, *, reopen: bool) -> View:
        """A new view (holding the lock). An embedded store is reopened between two reads of the
        catalog: every chunk current at the moment it was opened is in one of them, written before
        the catalog switched to it and deleted only after it switched away."""
        self.store.wrote_since_asked()  # the view sees this process's writes so far
        generation = self.catalog.generation()
        before = self.catalog.all_chunk_ids()
        after = before
        if reopen:
            self.store.reopen()
            after = self.catalog.all_chunk_ids()
        self._view = View(generation, frozenset(before | after), before != after, time.monotonic())
        return self._view

    def _newer(self, seen: View) -> View | None:
        """After a search found `seen` out of date: a new view, or None if the catalog has not
        changed since `seen` was taken (what it misses then is no document's current version)."""
        generation = self.catalog.generation()
        with self._lock:
            if self._view is not seen:  # another search took one meanwhile
                return self._view
            if generation == seen.generation:
                return None
            return self._take(reopen=not self.store.live)

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
        return self._lexical(self.catch_up())

    def _lexical(self, view: View) -> LexicalIndex:
        with self._lock:
            if view.lexical is None:
                chunks = self.store.get(sorted(view.chunk_ids))
                view.lexical = LexicalIndex(
                    [c.chunk_id for c in chunks], [f"{c.title}\n{c.heading}\n{c.text}" for c in chunks]
                )
            return view.lexical

    def speller(self) -> Speller:
        """Corrects typos to the current chunks' words (`knowledge.spelling`)."""
        lexical = self.lexical_index()
        built = self._speller
        if built is not None and built[0] is lexical:
            return built[1]
        # built outside the lock, which every search takes: after an ingest, replies wait for the
        # BM25 index alone (two replies at once may both build it; either result is the same)
        known = known_words(getattr(self.embedder, "model_path", None) or default_model_path())
        speller = Speller.of(lexical.texts, known)
        with self._lock:
            self._speller = (lexical, speller)
        return speller

    def dense(self, vector: np.ndarray, n: int, view: View) -> tuple[list[Hit], bool]:
        """The n nearest chunks of the view, and whether the store showed the view out of date: a
        chunk of it deleted, or a document's current version that the view does not hold."""
        # Over-fetch: chunks of other versions may be among the nearest.
        hits, gone = self.store.nearest(vector, n + 10)
        outside = [h for h in hits if h.chunk.chunk_id not in view.chunk_ids]
        stale = gone > 0
        if outside and not stale:  # most are chunks left by an interrupted ingest, of no current version
            current = self.catalog.current_hashes(sorted({h.chunk.doc_id for h in outside}))
            stale = any(current.get(h.chunk.doc_id) == h.chunk.content_hash for h in outside)
        return [h for h in hits if h.chunk.chunk_id in view.chunk_ids][:n], stale

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
            newer = self._newer(view) if stale and looks < LOOKS else None
            if newer is None:
                return hits
            view = newer
        return hits

    def _search(
        self, view: View, queries: list[str], vectors: np.ndarray, n: int, k: int
    ) -> tuple[list[Hit], bool]:
        """`search` in one view, and whether the store showed the view out of date."""
        w = self.lexical_weight
        lexical = self._lexical(view) if w else None
        combined: dict[str, float] = {}
        lexical_share: dict[str, float] = {}
        by_id: dict[str, Hit] = {}
        stale = False
        for text, vector in zip(queries, vectors, strict=True):
            cosine = {}
            hits, outdated = self.dense(vector, n, view)
            stale = stale or outdated
            for hit in hits:
                cosine[hit.chunk.chunk_id] = hit.score
                by_id.setdefault(hit.chunk.chunk_id, hit)
            bm25 = dict(lexical.search(text, n)) if lexical is not None else {}
            wanted = [c for c in bm25 if c not in cosine]
            found = self.store.get_with_vectors(wanted)
            stale = stale or len(found) < len(wanted)  # chunks of the view deleted since
            for chunk, chunk_vector in found:
                cosine[chunk.chunk_id] = float(np.dot(vector, chunk_vector))
                by_id.setdefault(chunk.chunk_id, Hit(chunk, cosine[chunk.chunk_id]))
            best = max(bm25.values(), default=0.0) or 1.0
            for cid, cos in cosine.items():
                if cos > by_id[cid].score:
                    by_id[cid] = Hit(by_id[cid].chunk, cos)
                combined[cid] = combined.get(cid, 0.0) + (1 - w) * cos + w * bm25.get(cid, 0.0) / best
                lexical_share[cid] = max(lexical_share.get(cid, 0.0), bm25.get(cid, 0.0) / best)
        if view.mixed:  # one version of a document: its newest found
            newest: dict[str, int] = {}
            for cid in combined:
                chunk = by_id[cid].chunk
                newest[chunk.doc_id] = max(newest.get(chunk.doc_id, 0), chunk.version)
            combined = {c: s for c, s in combined.items() if by_id[c].chunk.version == newest[by_id[c].chunk.doc_id]}
        top = sorted(combined, key=combined.__getitem__, reverse=True)[:k]
        return [Hit(by_id[cid].chunk, by_id[cid].score, combined[cid], lexical_share[cid]) for cid in top], stale
