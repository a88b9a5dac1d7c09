"""Reply latency through HTTP against a real `switchboard serve` process.

    python -m evals.latency --kb sample_kb --n 50
    python -m evals.latency --kb ../shared/datasets/mtrag_govt_cloud/kb.jsonl \
        --questions ../shared/datasets/mtrag_govt_cloud/dev.jsonl --n 50

Ingests the knowledge base into a temporary data directory, or `--data-dir` (timing the first
ingest and a no-op re-ingest), starts the server, then sends each question as the first message of a new
conversation and measures the time to the reply. Prints and returns p50/p95/max.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np


def questions_from_kb(kb: Path, n: int) -> list[str]:
    """Questions an editor would expect the sample help centre to answer: its section headings."""
    out: list[str] = []
    for path in sorted(kb.rglob("*.md")):
        for heading in re.findall(r"^#{2,3}\s+(.+)$", path.read_text(encoding="utf-8"), re.M):
            out.append(heading.strip())
    step = max(1, len(out) // n)
    return out[::step][:n]


def questions_from_file(path: Path, n: int) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows[:n]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--questions", type=Path, help="a dev.jsonl; default: the KB's own headings")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--data-dir", type=Path,
                        help="serve this data directory (e.g. data/evals/<dataset> made by `switchboard eval`) "
                        "after a re-ingest that should change nothing; default: a fresh temporary one")
    args = parser.parse_args()

    exe = str(Path(sys.executable).parent / "switchboard")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = str(args.data_dir.resolve()) if args.data_dir else tmp
        env = {**os.environ, "SWITCHBOARD_DATA_DIR": data_dir, "HF_HUB_OFFLINE": "1",
               # one client sends every question: the per-address limit on new conversations is off
               "SWITCHBOARD_CONVERSATIONS_PER_MINUTE": "0", "SWITCHBOARD_LINES_PER_MINUTE": "0"}
        first = _timed([exe, "ingest", "--quiet", str(args.kb)], env)
        noop = _timed([exe, "ingest", "--quiet", str(args.kb)], env)
        print(f"ingest {args.kb}: first {first:.1f}s, no-op re-ingest {noop:.1f}s (whole command, model load included)")

        questions = questions_from_file(args.questions, args.n) if args.questions else questions_from_kb(args.kb, args.n)
        port = _free_port()
        server = subprocess.Popen(
            [exe, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=60) as http:
                deadline = time.monotonic() + 120
                while True:
                    try:
                        if http.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline:
                        raise SystemExit("server did not start")
                    time.sleep(0.2)
                # one warm-up question: the first reply loads the model into memory
                conv = http.post("/v1/conversations").json()
                http.post(f"/v1/conversations/{conv['id']}/messages", json={"text": "hello there, how do I start"},
                          headers={"Authorization": f"Bearer {conv['token']}"})
                latencies, handoffs = [], 0
                for q in questions:
                    conv = http.post("/v1/conversations").json()
                    auth = {"Authorization": f"Bearer {conv['token']}"}
                    started = time.perf_counter()
                    r = http.post(f"/v1/conversations/{conv['id']}/messages", json={"text": q}, headers=auth)
                    latencies.append((time.perf_counter() - started) * 1000)
                    r.raise_for_status()
                    handoffs += bool(r.json()["reply"]["handoff"])
        finally:
            server.terminate()
            server.wait(timeout=30)
    arr = np.array(latencies)
    print(
        f"reply latency over {len(arr)} questions through HTTP: p50 {np.percentile(arr, 50):.0f} ms, "
        f"p95 {np.percentile(arr, 95):.0f} ms, max {arr.max():.0f} ms; handed off {handoffs}/{len(arr)}"
    )


if __name__ == "__main__":
    main()
