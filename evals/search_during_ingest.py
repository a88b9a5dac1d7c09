"""Searches while an editor's ingest runs in another process: how long they take, and whether an
article being re-ingested ever vanishes from them.

    python -m evals.search_during_ingest [--kb ../shared/datasets/mtrag_govt_cloud/kb.jsonl]
        [--docs 300] [--threads 4] [--pause SECONDS] [--k 4] [--alone] [--reuse DIR] [--json PATH]

1. The first --docs records of --kb are ingested (in this process, the real model) into a fresh
   embedded data directory, and a serving ``KnowledgeBase`` is opened on it, as ``serve`` does.
   With --reuse DIR that directory is copied from DIR if an earlier run left it there (it takes
   minutes to embed), else left there for the next run.
2. Each document gets a question: a sentence of its own text. Every question is searched once
   with nothing changing (baseline v1).
3. Every document is edited (a sentence appended, so each has a new version with new chunks) and
   ``switchboard ingest`` re-ingests them in a process of its own, while --threads threads of this
   process search the questions round and round through the serving retriever (each waiting
   --pause seconds between two searches: by default none, so the searches take what CPU they can
   from the ingest, and its time tells how busy they kept the machine as much as anything).
4. Once the ingest is over and the serving view has caught up, every question is searched again
   (baseline v2).

Prints search latency p50/p90/p99/max (query embedding included) over the searches that began
while the catalog was changing (from the first change this process saw to the ingest's exit) and
over the whole ingest process; the ingest's wall time and the sync time it printed; and *missed*:
searches during the ingest whose document is in the top --k in both baselines but was found in
neither version. Also how many times a search found its view out of date and asked for a newer
one (and the time spent waiting for it), how often the serving store was reopened and a BM25 index
built afresh, and the time spent in each. --alone re-ingests a third version with no search running, for the ingest's
own time on the same machine. The load average is printed: other work on 2 cores skews everything.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SWITCHBOARD = Path(sys.executable).parent / "switchboard"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def log(msg: str) -> None:
    print(msg, flush=True)


def load() -> str:
    return "load avg " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs), p)) if xs else float("nan")


def question_of(text: str) -> str | None:
    """A sentence of the document's own text, 8-20 words of it: what a customer could ask about."""
    for sentence in _SENTENCE.split(" ".join(text.split())):
        words = sentence.split()
        if len(words) >= 8 and not any(w.startswith(("http", "[", "*")) for w in words[:3]):
            return " ".join(words[:20])
    return None


def write_version(records: list[dict], path: Path, version: int) -> None:
    """The records as a JSONL file; from version 2 on each text has a sentence more, so every
    document gets a new content hash, a new version and new chunks."""
    with path.open("w", encoding="utf-8") as out:
        for r in records:
            text = r["text"] if version == 1 else f"{r['text']}\n\nThis page was reviewed again (revision {version})."
            out.write(json.dumps({**r, "text": text}) + "\n")


@dataclass
class Search:
    began: float
    seconds: float
    n: int  # the question
    found: bool


class Counted:
    """Calls and seconds spent in one method, wrapped on a class or an instance."""

    def __init__(self, owner, name: str) -> None:
        self.calls, self.seconds = 0, 0.0
        inner = getattr(owner, name)
        lock = threading.Lock()

        def counted(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                with lock:
                    self.calls += 1
                    self.seconds += time.perf_counter() - t0

        setattr(owner, name, counted)


def ingest(data_dir: Path, kb_file: Path) -> tuple[float, float | None]:
    """`switchboard ingest` in a process of its own: its wall time, and the time it printed."""
    env = {**os.environ, "SWITCHBOARD_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    t0 = time.perf_counter()
    done = subprocess.run([str(SWITCHBOARD), "ingest", "--quiet", str(kb_file)], env=env,
                          capture_output=True, text=True, check=False)
    return time.perf_counter() - t0, _printed_seconds(done)


def _printed_seconds(done: subprocess.CompletedProcess) -> float | None:
    if done.returncode != 0:
        raise SystemExit(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
    m = re.search(r"embedded in ([0-9.]+)s", done.stdout)
    return float(m.group(1)) if m else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=DATASETS / "mtrag_govt_cloud" / "kb.jsonl")
    parser.add_argument("--docs", type=int, default=300, help="documents in the knowledge base, all re-ingested")
    parser.add_argument("--threads", type=int, default=4, help="threads searching throughout the ingest")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds each thread waits between two searches")
    parser.add_argument("--k", type=int, default=4, help="hits per search; an article is found if one of them is its")
    parser.add_argument("--alone", action="store_true", help="also time a re-ingest with no search running")
    parser.add_argument("--reuse", type=Path, help="keep the first ingest here, and start from it when it is there")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    args = parser.parse_args()

    from ingest import Chunker, sync
    from knowledge import Embedder, KnowledgeBase, Settings, lexical

    records = []
    with args.kb.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if question_of(r["text"]):
                records.append(r)
            if len(records) == args.docs:
                break
    questions = [question_of(r["text"]) or "" for r in records]
    doc_ids = [r["doc_id"] for r in records]

    with tempfile.TemporaryDirectory(prefix="search-during-ingest-") as tmp:
        data_dir = Path(tmp) / "data"
        # with --reuse, the file read is where the first ingest read it: its documents are at home there
        kb_file = args.reuse / f"{args.kb.stem}-{len(records)}.jsonl" if args.reuse else Path(tmp) / "kb.jsonl"
        kb_file.parent.mkdir(parents=True, exist_ok=True)
        settings = Settings(_env_file=None, data_dir=data_dir)
        embedder = Embedder(settings.embedding_model, onnx_queries=settings.onnx_queries)
        write_version(records, kb_file, 1)
        kept = args.reuse / f"{args.kb.stem}-{len(records)}" if args.reuse else None
        if kept and kept.is_dir():
            shutil.copytree(kept, data_dir)
            log(f"{len(records)} documents, ingested by an earlier run ({kept})")
        else:
            t0 = time.perf_counter()
            writer = KnowledgeBase(settings, embedder=embedder)
            report = sync(writer, [kb_file], chunker=Chunker(settings.chunk_size, settings.chunk_overlap),
                          max_doc_bytes=max(settings.max_doc_bytes, kb_file.stat().st_size))
            writer.close()
            log(f"{len(records)} documents, {report.chunks_written} chunks ingested in {time.perf_counter() - t0:.1f} s ({load()})")
            if kept:
                shutil.copytree(data_dir, kept)

        serving = KnowledgeBase(settings, embedder=embedder)  # the server: opened once, kept open
        reopens = Counted(serving.store, "reopen")
        stale = Counted(serving.retriever, "_newer")  # a search found its view out of date and asked for a newer one
        builds = Counted(lexical.LexicalIndex, "__init__")

        def ask(n: int) -> bool:
            return doc_ids[n] in {h.chunk.doc_id for h in serving.retriever.search(questions[n], args.k)}

        ask(0)  # the first search builds the view and loads the query model
        v1 = [ask(n) for n in range(len(questions))]
        log(f"baseline v1: {sum(v1)} of {len(v1)} questions find their document in the top {args.k}")

        write_version(records, kb_file, 2)
        searches: list[Search] = []
        first_change: list[float] = []
        stop = threading.Event()
        generation = serving.catalog.generation()

        def searching(offset: int) -> None:
            n = offset
            while not stop.is_set():
                n = (n + 7) % len(questions)
                began = time.perf_counter()
                found = ask(n)
                searches.append(Search(began, time.perf_counter() - began, n, found))
                stop.wait(args.pause)

        def watching() -> None:
            while not stop.is_set() and not first_change:
                if serving.catalog.generation() != generation:
                    first_change.append(time.perf_counter())
                stop.wait(0.05)

        for counted in (reopens, builds, stale):
            counted.calls, counted.seconds = 0, 0.0
        threads = [threading.Thread(target=searching, args=(i * 13,)) for i in range(args.threads)]
        threads.append(threading.Thread(target=watching))
        log(f"re-ingesting all {len(records)} documents in another process, {args.threads} threads searching ({load()})")
        for t in threads:
            t.start()
        started = time.perf_counter()
        try:
            wall, printed = ingest(data_dir, kb_file)
        finally:
            ended = time.perf_counter()
            stop.set()
            for t in threads:
                t.join()
        during = {"stale_looks": stale.calls, "stale_wait_s": round(stale.seconds, 2),
                  "reopens": reopens.calls, "reopen_s": round(reopens.seconds, 2),
                  "bm25_builds": builds.calls, "bm25_build_s": round(builds.seconds, 2)}
        load_after = load()

        time.sleep(3.0)  # past SETTLE_SECONDS: the serving view catches up with the ingest that ended
        ask(0)
        v2 = [ask(n) for n in range(len(questions))]
        log(f"baseline v2: {sum(v2)} of {len(v2)} questions find their document in the top {args.k}")
        alone = None
        if args.alone:
            write_version(records, kb_file, 3)
            alone = ingest(data_dir, kb_file)
        serving.close()

    changing_from = first_change[0] if first_change else started
    windows = {
        "while the catalog changed": [s for s in searches if changing_from <= s.began < ended],
        "during the ingest process": [s for s in searches if started <= s.began < ended],
    }
    out: dict = {"docs": len(records), "threads": args.threads, "pause": args.pause, "k": args.k, "ingest_wall_s": round(wall, 1),
                 "ingest_sync_s": printed, "changing_s": round(ended - changing_from, 1), "load_after": load_after,
                 **during, "windows": {}}
    log("")
    for name, window in windows.items():
        ms = [1000 * s.seconds for s in window]
        missed = [s for s in window if v1[s.n] and v2[s.n] and not s.found]
        figures = {"searches": len(window), "p50_ms": round(pct(ms, 50)), "p90_ms": round(pct(ms, 90)),
                   "p99_ms": round(pct(ms, 99)), "max_ms": round(max(ms, default=float("nan"))),
                   "missed": len(missed), "missed_questions": sorted({s.n for s in missed})[:20]}
        out["windows"][name] = figures
        log(f"{name}: {figures['searches']} searches, p50 {figures['p50_ms']} ms, p90 {figures['p90_ms']} ms, "
            f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms; missed their article: {figures['missed']}")
    log(f"ingest: {wall:.1f} s wall, sync {printed} s as it printed; the catalog changed for {out['changing_s']} s "
        f"({load_after})")
    log(f"searches that found their view out of date: {stale.calls} (waited {stale.seconds:.1f} s in all for a newer one); "
        f"serving store reopened {reopens.calls} times ({reopens.seconds:.1f} s), "
        f"BM25 index built afresh {builds.calls} times ({builds.seconds:.1f} s)")
    if alone:
        out["alone_wall_s"], out["alone_sync_s"] = round(alone[0], 1), alone[1]
        log(f"the same re-ingest with no search running: {alone[0]:.1f} s wall, sync {alone[1]} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
