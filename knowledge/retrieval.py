"""Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank.

Only chunks of the catalog's current document versions are returned, so chunks left behind by an
interrupted ingest are never read. Each hit keeps its cosine similarity to the query as `score`
(what the confidence signals use) and its fused rank score as `fused`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from knowledge.catalog import Catalog
from knowledge.documents import Hit
from knowledge.embeddings import Embedder
from knowledge.lexical import LexicalIndex, reciprocal_rank_fusion
from knowledge.store import VectorStore

CANDIDATES = 30
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.0


class Retriever:
    def __init__(
        self,
        *,
        embedder: Embedder,
        store: VectorStore,
        catalog: Catalog,
        dense_weight: float = DENSE_WEIGHT,
        lexical_weight: float = LEXICAL_WEIGHT,
    ) -> None:
        self.embedder = embedder
        self.store = store
        self.catalog = catalog
        self.weights = (dense_weight, lexical_weight)
        self._lexical: LexicalIndex | None = None
        self._generation: tuple | None = None
        self._lock = threading.Lock()

    def lexical_index(self) -> LexicalIndex:
        """The BM25 index of the current chunks, rebuilt whenever the catalog has changed."""
        generation = self.catalog.generation()
        with self._lock:
            if self._lexical is None or generation != self._generation:
                chunks = self.store.get(sorted(self.catalog.all_chunk_ids()))
                self._lexical = LexicalIndex(
                    [c.chunk_id for c in chunks], [f"{c.title}\n{c.heading}\n{c.text}" for c in chunks]
                )
                self._generation = generation
            return self._lexical

    def dense(self, vector: np.ndarray, n: int) -> list[Hit]:
        # Over-fetch: chunks of a superseded version may linger after an interrupted ingest.
        hits = self.store.query(vector, n + 10)
        current = self.catalog.current_hashes([h.chunk.doc_id for h in hits])
        return [h for h in hits if current.get(h.chunk.doc_id) == h.chunk.content_hash][:n]

    def search(self, query: str | Sequence[str], k: int = 4) -> list[Hit]:
        """The k best chunks for one query, or for several phrasings of it fused together.

        Several phrasings are how a follow-up is searched: its own words and the words it gains
        from the conversation, each ranked densely and lexically, all four rankings fused.
        """
        queries = [query] if isinstance(query, str) else list(dict.fromkeys(query))
        vectors = self.embedder.embed_queries(queries)
        n = max(CANDIDATES, k)  # a fixed depth: fusion ranks the same whatever k the caller asks
        rankings: list[list[str]] = []
        weights: list[float] = []
        by_id: dict[str, Hit] = {}
        lexical = self.lexical_index() if self.weights[1] else None
        for text, vector in zip(queries, vectors, strict=True):
            dense = self.dense(vector, n)
            rankings.append([h.chunk.chunk_id for h in dense])
            weights.append(self.weights[0])
            for h in dense:
                if h.chunk.chunk_id not in by_id or h.score > by_id[h.chunk.chunk_id].score:
                    by_id[h.chunk.chunk_id] = h
            if lexical is not None:
                rankings.append([cid for cid, _ in lexical.search(text, n)])
                weights.append(self.weights[1])
        fused = reciprocal_rank_fusion(rankings, weights)
        top = sorted(fused, key=fused.__getitem__, reverse=True)[:k]
        missing = [cid for cid in top if cid not in by_id]
        for chunk, chunk_vector in self.store.get_with_vectors(missing):
            by_id[chunk.chunk_id] = Hit(chunk, float(np.max(vectors @ chunk_vector)))
        return [Hit(by_id[cid].chunk, by_id[cid].score, fused[cid]) for cid in top if cid in by_id]
