"""The vector store: Chroma, embedded on disk by default or a `chroma run` server by URL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import numpy as np

from knowledge.chroma_client import chroma_client, forget_embedded_system, stop_system
from knowledge.chunk_records import chunk_from_record, chunk_metadata
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
# ids per get: embedded Chroma reads them in one SQLite statement, which takes at most 32,766 variables
GET_BATCH = 5000


def unit_id(chunk_id: str, n: int) -> str:
    return f"{chunk_id}~{n}"


class _Opened:
    """One opening of the store: its client and collections, and how many calls read through it.
    Retired by a reopen, its Chroma system is stopped when the last of them returns."""

    def __init__(self, client, chunks, units) -> None:
        self.client, self.chunks, self.units = client, chunks, units
        self.users = 0
        self.retired = None  # the system to stop once nobody reads through it


class VectorStore:
    """Chunks and their vectors in one Chroma collection, their answer units' in a second.

    Embedded, Chroma holds its search index in memory as the process first read it, and does not
    see what another process (an editor's `ingest`) writes later: the chunks an ingest adds cannot
    be found, and those it deletes are returned by a query with nothing to read (`nearest` gives
    them apart, with their similarity). `reopen` opens the store afresh; the Retriever calls it
    when the catalog changed in another process. A Chroma server needs none of this.

    Loading an embedded store's index while another process writes it crashed the loading process
    (a segmentation fault in Chroma, as it read files being rewritten). So every write to an
    embedded store, and every opening (which loads the index at once), holds an exclusive lock on
    a file beside the store: an opening waits for the write under way, and the next write for it.
    """

    def __init__(self, *, chroma_url: str | None, chroma_path: Path, collection: str) -> None:
        self._url, self._path, self._name = chroma_url, chroma_path, collection
        self._units_name = f"{collection}{UNITS_SUFFIX}"
        self._wrote = False  # this object wrote since `wrote_since_asked` was last called
        self._users = threading.Lock()  # guards `_Opened.users`
        with self._exclusive():
            self._opened = self._open()

    def _exclusive(self) -> AbstractContextManager[None]:
        """For an embedded store: its writes and openings one at a time, across processes."""
        return nullcontext() if self._url else file_lock(self._path.parent / f"{self._path.name}-open.lock")

    def _open(self) -> _Opened:
        """Open the store, holding `_exclusive` (two processes opening one new embedded store at
        once both created Chroma's tables, and one failed: "table collections already exists")."""
        client = chroma_client(self._url, self._path)
        # embedding_function=None: we embed ourselves; Chroma must never fetch its own model.
        chunks = client.get_or_create_collection(
            name=self._name, configuration={"hnsw": HNSW}, embedding_function=None
        )
        hnsw = (chunks.configuration or {}).get("hnsw") or {}
        if hnsw.get("ef_search") != HNSW["ef_search"]:  # a collection made before a change
            chunks.modify(configuration={"hnsw": {"ef_search": HNSW["ef_search"]}})
        # The vectors of each chunk's answer units (knowledge.units), read by chunk id, never searched.
        units = self._open_units(client)
        # Chroma loads an embedded index at its first read: read now, while no process writes, and
        # this opening sees the store as it is now, until the next one
        chunks.count()
        units.count()
        return _Opened(client, chunks, units)

    @contextmanager
    def _use(self) -> Iterator[_Opened]:
        """The store as last opened, not stopped by a reopen before this call returns."""
        with self._users:
            opened = self._opened
            opened.users += 1
        try:
            yield opened
        finally:
            with self._users:
                opened.users -= 1
                retired = opened.retired if opened.users == 0 else None
                opened.retired = None if retired else opened.retired
            stop_system(retired)

    # evals/ (hnsw.py, ingest_bench.py) reach the client and the chunks' collection by these names
    @property
    def _client(self):
        return self._opened.client

    @property
    def _collection(self):
        return self._opened.chunks

    @_collection.setter
    def _collection(self, collection) -> None:
        self._opened.chunks = collection

    @property
    def live(self) -> bool:
        """A Chroma server: every process reads what any wrote as soon as it is written."""
        return bool(self._url)

    def wrote_since_asked(self) -> bool:
        """Whether this object wrote since the last call: a catalog change is then its own."""
        wrote, self._wrote = self._wrote, False
        return wrote

    def reopen(self) -> None:
        """An embedded store opened afresh, to see what another process wrote: the searches that
        begin after this call read the store as it is now. The system of the previous opening is
        stopped once the calls reading through it return, so reopening does not grow the process."""
        if self._url:
            return
        with self._exclusive():
            retired = forget_embedded_system(self._path)
            opened = self._open()
        with self._users:
            previous, self._opened = self._opened, opened
            if previous.users:
                previous.retired, retired = retired, None
        stop_system(retired)
        log.info("the knowledge base changed in another process: vector store reopened")

    def _open_units(self, client):
        return client.get_or_create_collection(
            name=self._units_name, configuration={"hnsw": UNITS_HNSW}, embedding_function=None,
            metadata={"units_version": UNITS_VERSION, "complete": False},
        )

    def units_current(self) -> bool:
        """False when the stored units were cut by an older `split_units`: they must be rebuilt."""
        return (self._opened.units.metadata or {}).get("units_version") == UNITS_VERSION

    def units_complete(self) -> bool:
        """True once every indexed chunk has had its units stored (set by `ingest.sync`)."""
        return self.units_current() and bool((self._opened.units.metadata or {}).get("complete"))

    def mark_units_complete(self) -> None:
        self._wrote = True
        with self._use() as o, self._exclusive():
            o.units.modify(metadata={"units_version": UNITS_VERSION, "complete": True})

    def reset_units(self) -> None:
        self._wrote = True
        with self._use() as o, self._exclusive():
            o.client.delete_collection(self._units_name)
            o.units = self._open_units(o.client)

    def count(self) -> int:
        with self._use() as o:
            return o.chunks.count()

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        self._wrote = True
        with self._use() as o, self._exclusive():
            o.chunks.upsert(
                ids=[c.chunk_id for c in chunks],
                embeddings=vectors,
                documents=[c.text for c in chunks],
                metadatas=[chunk_metadata(c) for c in chunks],
            )

    def set_unit_counts(self, chunks: Sequence[Chunk], counts: Sequence[int]) -> None:
        """Record how many units each (already stored) chunk has, so they are read by id."""
        self._wrote = True
        if chunks:
            with self._use() as o, self._exclusive():
                o.chunks.update(
                    ids=[c.chunk_id for c in chunks],
                    metadatas=[chunk_metadata(c, units=n) for c, n in zip(chunks, counts, strict=True)],
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
        with self._use() as o:
            for start in range(0, len(ids), 5000):
                end = start + 5000
                with self._exclusive():
                    o.units.upsert(
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
            with self._use() as o:
                res = o.units.get(ids=[unit_id(c.chunk_id, n) for c in counted for n in range(c.units or 0)],
                                  include=include) if counted else {"documents": [], "metadatas": [], "embeddings": []}
                if uncounted:
                    more = o.units.get(where={"chunk_id": {"$in": uncounted}}, include=include)
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
        with self._use() as o:
            return o.units.count()

    def unit_chunk_ids(self) -> set[str]:
        with self._use() as o:
            return {uid.rsplit("~", 1)[0] for uid in o.units.get(include=[])["ids"]}

    def delete(self, chunk_ids: Sequence[str]) -> None:
        self._wrote = True
        ids = list(chunk_ids)
        with self._use() as o:
            for start in range(0, len(ids), 5000):
                with self._exclusive():
                    o.chunks.delete(ids=ids[start : start + 5000])
        self.delete_units(ids)

    def delete_units(self, chunk_ids: Sequence[str]) -> None:
        self._wrote = True
        ids = list(chunk_ids)
        with self._use() as o:
            for start in range(0, len(ids), 500):
                with self._exclusive():
                    o.units.delete(where={"chunk_id": {"$in": ids[start : start + 500]}})

    def _get(self, chunk_ids: list[str], include: list[str]) -> dict:
        """Chroma's get, GET_BATCH ids at a time, tolerating ids it cannot read.

        Embedded Chroma reads ids through SQLite, which takes at most 32,766 variables a
        statement: a longer get failed, and was read one id at a time (~24 s at 50,000 chunks).
        After a `kill -9` mid-write, embedded Chroma can fail a whole `get` with "Error finding id"
        for a record of the interrupted write (and an embedded store opened before another process
        wrote a record fails so to read its vector). Then that batch's ids are read one by one and
        the unreadable ones are left out (the next ingest re-indexes their documents).
        """
        with self._use() as o:
            if len(chunk_ids) <= GET_BATCH:
                return _get_batch(o.chunks, chunk_ids, include)
            merged: dict[str, list] = {key: [] for key in ["ids", *include]}
            for start in range(0, len(chunk_ids), GET_BATCH):
                part = _get_batch(o.chunks, chunk_ids[start : start + GET_BATCH], include)
                for key in merged:
                    merged[key].extend(part[key])
            return merged

    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        if not chunk_ids:
            return []
        res = self._get(list(chunk_ids), ["documents", "metadatas"])
        found = {
            cid: chunk_from_record(cid, text, meta)
            for cid, text, meta in zip(res["ids"], res["documents"], res["metadatas"], strict=True)
            if meta
        }
        return [found[c] for c in chunk_ids if c in found]

    def get_with_vectors(self, chunk_ids: Sequence[str]) -> list[tuple[Chunk, np.ndarray]]:
        if not chunk_ids:
            return []
        res = self._get(list(chunk_ids), ["documents", "metadatas", "embeddings"])
        return [
            (chunk_from_record(cid, text, meta), np.asarray(vec, dtype=np.float32))
            for cid, text, meta, vec in zip(res["ids"], res["documents"], res["metadatas"], res["embeddings"], strict=True)
            if meta
        ]

    def ids(self) -> set[str]:
        with self._use() as o:
            return set(o.chunks.get(include=[])["ids"])

    def query(self, vector: np.ndarray, k: int) -> list[Hit]:
        return self.nearest(vector, k)[0]

    def nearest(self, vector: np.ndarray, k: int) -> tuple[list[Hit], dict[str, float]]:
        """The k nearest chunks, and those of them the store no longer holds (id -> cosine
        similarity): chunks another process deleted after this one opened an embedded store."""
        with self._use() as o:
            n = o.chunks.count()
            if n == 0:
                return [], {}
            res = o.chunks.query(
                query_embeddings=[vector],
                n_results=min(k, n),
                include=["documents", "metadatas", "distances"],
            )
        hits, gone = [], {}
        for cid, text, meta, dist in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
        ):
            if not meta:
                gone[cid] = 1.0 - float(dist)
                continue
            hits.append(Hit(chunk=chunk_from_record(cid, text, meta), score=1.0 - float(dist)))
        return hits, gone


def _get_batch(collection, chunk_ids: list[str], include: list[str]) -> dict:
    """One get of at most GET_BATCH ids; if Chroma fails it, the ids one by one, leaving out those
    it cannot read."""
    try:
        return collection.get(ids=chunk_ids, include=include)
    except Exception as e:  # chromadb.errors.InternalError; the type moved between releases
        log.warning("vector store get failed (%s); reading ids one by one", e)
    merged: dict[str, list] = {key: [] for key in ["ids", *include]}
    for cid in chunk_ids:
        try:
            one = collection.get(ids=[cid], include=include)
        except Exception:
            continue
        for key in merged:
            merged[key].extend(one[key])
    return merged
