"""The vector store: Chroma, embedded on disk by default or a `chroma run` server by URL."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

import logging

import numpy as np

from knowledge.documents import Chunk, Hit

log = logging.getLogger(__name__)

# HNSW parameters: Chroma's defaults lose recall as a collection grows. Measured against numpy
# brute force (evals/query_bench.py), recall@10 at 100k chunks: ef_search 10 0.80, 50 0.93,
# 100 0.98, 200 0.989, 400 0.9975 — all at p50 ~12 ms, p99 ~14 ms on 2 cores; at 10k, 0.999.
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 400, "max_neighbors": 32}


def _client(chroma_url: str | None, chroma_path: Path):  # -> chromadb.api.ClientAPI
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        u = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=u.hostname or "localhost",
            port=u.port or (443 if u.scheme == "https" else 8000),
            ssl=u.scheme == "https",
            settings=chroma_settings,
        )
    chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(chroma_path), settings=chroma_settings)


class VectorStore:
    def __init__(self, *, chroma_url: str | None, chroma_path: Path, collection: str) -> None:
        self._client = _client(chroma_url, chroma_path)
        # embedding_function=None: we embed ourselves; Chroma must never fetch its own model.
        self._collection = self._client.get_or_create_collection(
            name=collection, configuration={"hnsw": HNSW}, embedding_function=None
        )
        hnsw = (self._collection.configuration or {}).get("hnsw") or {}
        if hnsw.get("ef_search") != HNSW["ef_search"]:  # a collection made before a change
            self._collection.modify(configuration={"hnsw": {"ef_search": HNSW["ef_search"]}})

    def count(self) -> int:
        return self._collection.count()

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        self._collection.upsert(
            ids=[c.chunk_id for c in chunks],
            embeddings=vectors,
            documents=[c.text for c in chunks],
            metadatas=[
                {
                    "doc_id": c.doc_id,
                    "title": c.title,
                    "url": c.url or "",
                    "content_hash": c.content_hash,
                    "ordinal": c.ordinal,
                    "heading": c.heading,
                    "version": c.version,
                    **({"page": c.page} if c.page else {}),
                }
                for c in chunks
            ],
        )

    def delete(self, chunk_ids: Sequence[str]) -> None:
        ids = list(chunk_ids)
        for start in range(0, len(ids), 5000):
            self._collection.delete(ids=ids[start : start + 5000])

    def _get(self, chunk_ids: list[str], include: list[str]) -> dict:
        """Chroma's get, tolerating ids it cannot read.

        After a `kill -9` mid-write, embedded Chroma can fail a whole `get` with "Error finding id"
        for a record of the interrupted write. Then the ids are read one by one and the unreadable
        ones are left out (the next ingest re-indexes their documents).
        """
        try:
            return self._collection.get(ids=chunk_ids, include=include)
        except Exception as e:  # chromadb.errors.InternalError; the type moved between releases
            log.warning("vector store get failed (%s); reading ids one by one", e)
        merged: dict[str, list] = {key: [] for key in ["ids", *include]}
        for cid in chunk_ids:
            try:
                one = self._collection.get(ids=[cid], include=include)
            except Exception:
                continue
            for key in merged:
                merged[key].extend(one[key])
        return merged

    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        if not chunk_ids:
            return []
        res = self._get(list(chunk_ids), ["documents", "metadatas"])
        found = {
            cid: _chunk(cid, text, meta)
            for cid, text, meta in zip(res["ids"], res["documents"], res["metadatas"], strict=True)
            if meta
        }
        return [found[c] for c in chunk_ids if c in found]

    def get_with_vectors(self, chunk_ids: Sequence[str]) -> list[tuple[Chunk, np.ndarray]]:
        if not chunk_ids:
            return []
        res = self._get(list(chunk_ids), ["documents", "metadatas", "embeddings"])
        return [
            (_chunk(cid, text, meta), np.asarray(vec, dtype=np.float32))
            for cid, text, meta, vec in zip(res["ids"], res["documents"], res["metadatas"], res["embeddings"], strict=True)
            if meta
        ]

    def ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    def query(self, vector: np.ndarray, k: int) -> list[Hit]:
        n = self.count()
        if n == 0:
            return []
        res = self._collection.query(
            query_embeddings=[vector],
            n_results=min(k, n),
            include=["documents", "metadatas", "distances"],
        )
        hits = []
        for cid, text, meta, dist in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
        ):
            if not meta:  # a record another process is writing right now: not there yet
                continue
            hits.append(Hit(chunk=_chunk(cid, text, meta), score=1.0 - float(dist)))
        return hits


def _chunk(chunk_id: str, text: str | None, meta) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta["doc_id"]),
        title=str(meta.get("title") or ""),
        url=str(meta.get("url") or "") or None,
        text=text or "",
        content_hash=str(meta.get("content_hash") or ""),
        ordinal=int(meta.get("ordinal") or 0),
        heading=str(meta.get("heading") or ""),
        version=int(meta.get("version") or 0),
        page=int(meta["page"]) if meta.get("page") else None,
    )
