"""Hybrid retrieval: dense (Chroma) and lexical (BM25) scores combined by a tuned weight.

    score = (1 - LEXICAL_WEIGHT) * cosine + LEXICAL_WEIGHT * bm25 / best bm25 of the query

over the union of both candidate lists, summed over the phrasings of a query. Measured on DEV
(answerable; recall@1 / recall@5): mtrag_govt_cloud — reciprocal rank fusion 0.608 / 0.855,
weighted 0.15: 0.636 / 0.855 (0.30: 0.622 / 0.838; 0.50: 0.614 / 0.821); clapnq — RRF
0.922 / 1.000, weighted 0.15: 0.956 / 1.000. Dense alone: mtrag 0.580 / 0.807.

Only chunks of the catalog's current document versions are returned, so chunks left behind by an
interrupted ingest are never read. Each hit keeps its cosine similarity to the query as `score`
(what the confidence signals use) and its combined score as `fused`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
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
        self._lexical: LexicalIndex | None = None
        self._speller: tuple[LexicalIndex, Speller] | None = None  # built for that index
        self._generation: tuple | None = None
        self._settling: tuple | None = None  # a generation another process wrote, and since when it has held
        self._settling_since = 0.0
        self._built_at = 0.0  # when the catalog was last caught up with
        self._lock = threading.Lock()

    def catch_up(self) -> None:
        """When the catalog has changed since the last search, the BM25 index is rebuilt; when
        another process changed it (an editor's ingest), the store is first opened afresh
        (knowledge.store), once the catalog has stayed still for SETTLE_SECONDS: not on every
        document of an ingest still running, nor while it writes. Until then searches read the
        store as it was. A Chroma server needs no reopening: there the BM25 index is rebuilt at the
        first search after a change, at most every LIVE_REBUILD_SECONDS."""
        generation = self.catalog.generation()
        with self._lock:
            if generation == self._generation:
                return
            if self._generation is None:  # the first look: what this process wrote before is seen now
                self.store.wrote_since_asked()
            # a Chroma server shows another process's writes at once: the BM25 index follows them
            # (or searches would fuse new chunks' vectors with the old chunks' words), rebuilt at
            # most every LIVE_REBUILD_SECONDS while an ingest writes: not before every search
            elsewhere = self._generation is not None and not self.store.wrote_since_asked()
            if elsewhere and self.store.live:
                if time.monotonic() - self._built_at < LIVE_REBUILD_SECONDS:
                    return
            elif elsewhere:
                now = time.monotonic()
                if generation != self._settling:
                    self._settling, self._settling_since = generation, now - self._still_for(generation)
                if now - self._settling_since < SETTLE_SECONDS:
                    return
                self.store.reopen()
            self._lexical = None
            self._generation = generation
            self._built_at = time.monotonic()

    def _still_for(self, generation: tuple) -> float:
        """How long the catalog has been still, as far as it tells: since its last document was
        written, when the change includes a write (the first question after an ingest that ended
        seconds ago needs no wait: it had read the old store, and missed the changed article); 0
        for removals alone, which leave no time behind (then the wait starts now)."""
        if self._generation is None or generation[1] == self._generation[1]:
            return 0.0
        written = self.catalog.last_write()
        if written is None:
            return 0.0
        return max(0.0, (datetime.now(UTC) - written).total_seconds())

    def lexical_index(self) -> LexicalIndex:
        """The BM25 index of the current chunks, rebuilt whenever the catalog has changed."""
        self.catch_up()
        with self._lock:
            if self._lexical is None:
                chunks = self.store.get(sorted(self.catalog.all_chunk_ids()))
                self._lexical = LexicalIndex(
                    [c.chunk_id for c in chunks], [f"{c.title}\n{c.heading}\n{c.text}" for c in chunks]
                )
            return self._lexical

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

    def dense(self, vector: np.ndarray, n: int) -> list[Hit]:
        # Over-fetch: chunks of a superseded version may linger after an interrupted ingest.
        hits = self.store.query(vector, n + 10)
        current = self.catalog.current_hashes([h.chunk.doc_id for h in hits])
        return [h for h in hits if current.get(h.chunk.doc_id) == h.chunk.content_hash][:n]

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
        self.catch_up()
        w = self.lexical_weight
        lexical = self.lexical_index() if w else None
        combined: dict[str, float] = {}
        lexical_share: dict[str, float] = {}
        by_id: dict[str, Hit] = {}
        for text, vector in zip(queries, vectors, strict=True):
            cosine = {}
            for hit in self.dense(vector, n):
                cosine[hit.chunk.chunk_id] = hit.score
                by_id.setdefault(hit.chunk.chunk_id, hit)
            bm25 = dict(lexical.search(text, n)) if lexical is not None else {}
            for chunk, chunk_vector in self.store.get_with_vectors([c for c in bm25 if c not in cosine]):
                cosine[chunk.chunk_id] = float(np.dot(vector, chunk_vector))
                by_id.setdefault(chunk.chunk_id, Hit(chunk, cosine[chunk.chunk_id]))
            best = max(bm25.values(), default=0.0) or 1.0
            for cid, cos in cosine.items():
                if cos > by_id[cid].score:
                    by_id[cid] = Hit(by_id[cid].chunk, cos)
                combined[cid] = combined.get(cid, 0.0) + (1 - w) * cos + w * bm25.get(cid, 0.0) / best
                lexical_share[cid] = max(lexical_share.get(cid, 0.0), bm25.get(cid, 0.0) / best)
        top = sorted(combined, key=combined.__getitem__, reverse=True)[:k]
        return [Hit(by_id[cid].chunk, by_id[cid].score, combined[cid], lexical_share[cid]) for cid in top]
