"""The vector store: Chroma, embedded on disk by default or a `chroma run` server by URL."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import urlparse

import logging

import numpy as np

from knowledge.documents import Chunk, Hit
from knowledge.units import UNITS_VERSION
from knowledge.writer_lock import file_lock

log = logging.getLogger(__name__)

# HNSW parameters: Chroma's defaults lose recall as a collection grows. Measured against numpy
# brute force (evals/query_bench.py), recall@10 at 100k chunks: ef_search 10 0.80, 50 0.93,
# 100 0.98, 200 0.989, 400 0.9975 — all at p50 ~12 ms, p99 ~14 ms on 2 cores; at 10k, 0.999.
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 400, "max_neighbors": 32}
UNITS_SUFFIX = "-units"
# Unit vectors are read by chunk id, never searched: the cheapest index Chroma allows.
UNITS_HNSW = {"space": "cosine", "ef_construction": 16, "max_neighbors": 4}


def unit_id(chunk_id: str, n: int) -> str:
    return f"{chunk_id}~{n}"


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


def _forget_embedded_system(chroma_path: Path):  # -> chromadb.config.System | None
    """Chroma keeps one embedded system per path per process, index in memory: forgotten, the next
    client opens the store afresh from disk. Returns the old system, for its owner to stop once
    nothing reads through it any more."""
    from chromadb.api.shared_system_client import SharedSystemClient

    return SharedSystemClient._identifier_to_system.pop(str(chroma_path), None)


class VectorStore:
    """Chunks and their vectors in one Chroma collection, their answer units' in a second.

    Embedded, Chroma holds its search index in memory as the process opened it, and does not see
    what another process (an editor's `ingest`) writes later: the chunks an ingest deleted were
    gone, and the ones it added could not be found, so a running server dropped every changed
    article. `reopen` opens the store afresh; the Retriever calls it once the catalog has changed
    without this object writing (`wrote_since_asked`) and has then stayed still for a moment. A
    Chroma server needs none of this.
    """

    def __init__(self, *, chroma_url: str | None, chroma_path: Path, collection: str) -> None:
        self._url, self._path, self._name = chroma_url, chroma_path, collection
        self._wrote = False  # this object wrote since `wrote_since_asked` was last called
        self._retired = None  # the system before the last reopen: stopped at the next one
        self._open()

    def _open(self) -> None:
        chroma_url, chroma_path, collection = self._url, self._path, self._name
        # Two processes opening one new embedded store at once both create Chroma's own tables, and
        # one fails ("table collections already exists"): they take turns for the opening.
        with nullcontext() if chroma_url else file_lock(chroma_path.parent / f"{chroma_path.name}-open.lock"):
            self._client = _client(chroma_url, chroma_path)
            # embedding_function=None: we embed ourselves; Chroma must never fetch its own model.
            self._collection = self._client.get_or_create_collection(
                name=collection, configuration={"hnsw": HNSW}, embedding_function=None
            )
            hnsw = (self._collection.configuration or {}).get("hnsw") or {}
            if hnsw.get("ef_search") != HNSW["ef_search"]:  # a collection made before a change
                self._collection.modify(configuration={"hnsw": {"ef_search": HNSW["ef_search"]}})
            # The vectors of each chunk's answer units (knowledge.units), read by chunk id, never searched.
            self._units_name = f"{collection}{UNITS_SUFFIX}"
            self._units = self._open_units()

    @property
    def live(self) -> bool:
        """A Chroma server: every process reads what any wrote as soon as it is written."""
        return bool(self._url)

    def wrote_since_asked(self) -> bool:
        """Whether this object wrote since the last call: a catalog change is then its own."""
        wrote, self._wrote = self._wrote, False
        return wrote

    def reopen(self) -> None:
        """An embedded store opened afresh, to see what another process wrote. The system before
        the previous reopen is stopped now (seconds later: nothing reads through it any more), so
        reopening does not grow the process; the one just retired may still serve a query."""
        if self._url:
            return
        if self._retired is not None:
            with contextlib.suppress(Exception):
                self._retired.stop()
        self._retired = _forget_embedded_system(self._path)
        self._open()
        log.info("the knowledge base changed in another process: vector store reopened")

    def _open_units(self):
        return self._client.get_or_create_collection(
            name=self._units_name, configuration={"hnsw": UNITS_HNSW}, embedding_function=None,
            metadata={"units_version": UNITS_VERSION, "complete": False},
        )

    def units_current(self) -> bool:
        """False when the stored units were cut by an older `split_units`: they must be rebuilt."""
        return (self._units.metadata or {}).get("units_version") == UNITS_VERSION

    def units_complete(self) -> bool:
        """True once every indexed chunk has had its units stored (set by `ingest.sync`)."""
        return self.units_current() and bool((self._units.metadata or {}).get("complete"))

    def mark_units_complete(self) -> None:
        self._wrote = True
        self._units.modify(metadata={"units_version": UNITS_VERSION, "complete": True})

    def reset_units(self) -> None:
        self._wrote = True
        self._client.delete_collection(self._units_name)
        self._units = self._open_units()

    def count(self) -> int:
        return self._collection.count()

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        self._wrote = True
        self._collection.upsert(
            ids=[c.chunk_id for c in chunks],
            embeddings=vectors,
            documents=[c.text for c in chunks],
            metadatas=[_metadata(c) for c in chunks],
        )

    def set_unit_counts(self, chunks: Sequence[Chunk], counts: Sequence[int]) -> None:
        """Record how many units each (already stored) chunk has, so they are read by id."""
        self._wrote = True
        if chunks:
            self._collection.update(
                ids=[c.chunk_id for c in chunks],
                metadatas=[_metadata(c, units=n) for c, n in zip(chunks, counts, strict=True)],
            )

    def upsert_units(self, chunk_ids: Sequence[str], units: Sequence[Sequence[str]], vectors: Sequence[np.ndarray]) -> None:
        """Store each chunk's unit texts and vectors (written before the chunk, so a visible chunk has them)."""
        self._wrote = True
        ids, texts, metas, rows = [], [], [], []
        for cid, chunk_units, chunk_vectors in zip(chunk_ids, units, vectors, strict=True):
            for n, (text, vector) in enumerate(zip(chunk_units, chunk_vectors, strict=True)):
                ids.append(unit_id(cid, n))
                texts.append(text)
                metas.append({"chunk_id": cid, "n": n})
                rows.append(vector)
        for start in range(0, len(ids), 5000):
            end = start + 5000
            self._units.upsert(
                ids=ids[start:end], embeddings=np.asarray(rows[start:end], dtype=np.float32),
                documents=texts[start:end], metadatas=metas[start:end],
            )

    def units(self, chunks: Sequence[Chunk]) -> dict[str, tuple[list[str], np.ndarray]]:
        """The stored (unit texts, unit vectors) of these chunks; chunks with none stored are absent.

        Read by id where the chunk records its unit count (a few ms), else by a metadata filter.
        """
        if not chunks or not self.units_current():
            return {}
        counted = [c for c in chunks if c.units is not None]
        uncounted = [c.chunk_id for c in chunks if c.units is None]
        include = ["documents", "metadatas", "embeddings"]
        try:
            res = self._units.get(ids=[unit_id(c.chunk_id, n) for c in counted for n in range(c.units or 0)],
                                  include=include) if counted else {"documents": [], "metadatas": [], "embeddings": []}
            if uncounted:
                more = self._units.get(where={"chunk_id": {"$in": uncounted}}, include=include)
                res = {k: list(res[k]) + list(more[k]) for k in ("documents", "metadatas", "embeddings")}
        except Exception as e:  # an unreadable record after an interrupted write: the caller embeds
            log.warning("reading unit vectors failed (%s)", e)
            return {}
        grouped: dict[str, list[tuple[int, str, np.ndarray]]] = {}
        for text, meta, vec in zip(res["documents"], res["metadatas"], res["embeddings"], strict=True):
            if meta:
                grouped.setdefault(str(meta["chunk_id"]), []).append((int(meta["n"]), text or "", vec))
        out = {}
        for cid, rows in grouped.items():
            rows.sort(key=lambda r: r[0])
            if [r[0] for r in rows] != list(range(len(rows))):
                continue  # a partial write: treat as missing
            out[cid] = ([r[1] for r in rows], np.asarray([r[2] for r in rows], dtype=np.float32))
        return out

    def units_count(self) -> int:
        return self._units.count()

    def unit_chunk_ids(self) -> set[str]:
        return {uid.rsplit("~", 1)[0] for uid in self._units.get(include=[])["ids"]}

    def delete(self, chunk_ids: Sequence[str]) -> None:
        self._wrote = True
        ids = list(chunk_ids)
        for start in range(0, len(ids), 5000):
            self._collection.delete(ids=ids[start : start + 5000])
        self.delete_units(ids)

    def delete_units(self, chunk_ids: Sequence[str]) -> None:
        self._wrote = True
        ids = list(chunk_ids)
        for start in range(0, len(ids), 500):
            self._units.delete(where={"chunk_id": {"$in": ids[start : start + 500]}})

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


def _metadata(c: Chunk, units: int | None = None) -> dict:
    n = units if units is not None else c.units
    return {
        "doc_id": c.doc_id,
        "title": c.title,
        "url": c.url or "",
        "content_hash": c.content_hash,
        "ordinal": c.ordinal,
        "heading": c.heading,
        "version": c.version,
        **({"page": c.page} if c.page else {}),
        **({"units": n} if n is not None else {}),
    }


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
        units=int(meta["units"]) if meta.get("units") is not None else None,
    )
