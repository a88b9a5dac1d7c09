"""HNSW against brute force: build a Chroma index over given vectors and measure recall and latency.

Used by `evals.query_bench`. `python -m evals.hnsw PATH COLLECTION QUERIES.npy EXACT.npy` measures an
existing index in a fresh process (Chroma applies a changed ef_search only when it next loads).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

UPSERT_BATCH = 5000


def pct(xs, p) -> float:
    return float(np.percentile(np.asarray(xs), p)) if len(xs) else float("nan")


def exact_top_k(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    sims = queries @ vectors.T
    idx = np.argpartition(-sims, k, axis=1)[:, :k]
    order = np.take_along_axis(sims, idx, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(idx, order, axis=1)


def overlap_at_k(a: np.ndarray, b: np.ndarray) -> float:
    k = a.shape[1]
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(a.tolist(), b.tolist(), strict=True)]))


def build_store(path: Path, vectors: np.ndarray, hnsw: dict | None = None, collection: str = "bench"):
    """A VectorStore (ours) over these vectors; with `hnsw`, a collection with those settings instead."""
    from knowledge import Chunk
    from knowledge.store import VectorStore

    store = VectorStore(chroma_url=None, chroma_path=path, collection=collection)
    if hnsw is not None:  # same client, same code path for upsert/query, other index settings
        store._client.delete_collection(collection)
        store._collection = store._client.create_collection(
            name=collection, configuration={"hnsw": hnsw}, embedding_function=None
        )
    for start in range(0, len(vectors), UPSERT_BATCH):
        end = min(start + UPSERT_BATCH, len(vectors))
        chunks = [
            Chunk(chunk_id=str(i), doc_id=f"doc-{i}", title="", url=None, text=f"chunk {i}",
                  content_hash="bench", ordinal=0)
            for i in range(start, end)
        ]
        store.upsert(chunks, vectors[start:end])
    return store


def measure_store(store, queries: np.ndarray, exact: np.ndarray, k: int = 10) -> dict:
    store.query(queries[0], k)  # warm-up: loads the index
    lat, got = [], []
    for q in queries:
        t0 = time.perf_counter()
        hits = store.query(q, k)
        lat.append((time.perf_counter() - t0) * 1000)
        ids = [int(h.chunk.chunk_id) for h in hits] + [-1] * (k - len(hits))
        got.append(ids[:k])
    return {"recall@10": overlap_at_k(np.asarray(got), exact), "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99)}


def set_ef_search(store, ef: int) -> None:
    """Persist a new ef_search. Chroma applies it only when the index is next loaded (measured: a
    process that has queried the collection keeps the old value), so measure it in a new process."""
    store._collection.modify(configuration={"hnsw": {"ef_search": ef}})


def measure_in_new_process(path: Path, collection: str, queries_file: Path, exact_file: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "evals.hnsw", str(path), collection, str(queries_file), str(exact_file)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _measure_main(path: str, collection: str, queries_file: str, exact_file: str) -> None:
    from knowledge.store import VectorStore

    store = VectorStore(chroma_url=None, chroma_path=Path(path), collection=collection)
    m = measure_store(store, np.load(queries_file), np.load(exact_file))
    m["ef_search"] = store._collection.configuration_json["hnsw"]["ef_search"]
    print(json.dumps(m))


if __name__ == "__main__":
    _measure_main(*sys.argv[1:5])
