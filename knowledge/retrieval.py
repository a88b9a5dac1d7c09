"""Retrieval: the chunks that best match a query, restricted to the indexed document versions."""

from __future__ import annotations

from knowledge.catalog import Catalog
from knowledge.documents import Hit
from knowledge.embeddings import Embedder
from knowledge.store import VectorStore


class Retriever:
    def __init__(self, *, embedder: Embedder, store: VectorStore, catalog: Catalog) -> None:
        self.embedder = embedder
        self.store = store
        self.catalog = catalog

    def search(self, query: str, k: int = 4) -> list[Hit]:
        vector = self.embedder.embed_one(query)
        # Over-fetch: chunks of a superseded version may linger after an interrupted ingest.
        hits = self.store.query(vector, k * 3)
        current = self.catalog.current_hashes([h.chunk.doc_id for h in hits])
        live = [h for h in hits if current.get(h.chunk.doc_id) == h.chunk.content_hash]
        return live[:k]
