"""A load run: customers chatting and agents listening, against real `switchboard serve` workers.

    python -m evals.load_bench --customers 40 --agents 200 --seconds 30                  # one worker
    python -m evals.load_bench --customers 40 --agents 200 --seconds 30 --workers 2 \\
        --database-url postgresql://postgres@127.0.0.1:5432/test --redis-url redis://127.0.0.1:6379/0

Each customer opens a conversation on a worker (round robin) and asks a question, waits for the
reply, thinks for `--think` seconds, and asks again, for `--seconds`; one question in `--handoff-every`
is one the knowledge base cannot answer, so the conversation goes to the agent queue and the customer
starts a new one. Agents' event streams (`/v1/agent/events`, spread over the workers) record every
event id they receive. With two workers, both share PostgreSQL and Redis (each has its own copy of the
ingested knowledge base, as each would read a Chroma server).

Reports: customer lines answered per second; reply latency p50/p95/p99 (the POST, bot reply
included); handoff -> agent event latency p50/p99; and, over every agent stream, events lost
(an id the stream never got) and duplicated. The client shares the machine with the workers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from evals.latency import _free_port, questions_from_kb

OFF_TOPIC = "What is the capital of France?"
FRAME = re.compile(rb"id: (\d+)\r?\nevent: ([a-z._]+)\r?\ndata: \{\"conversation_id\": \"([^\"]+)\"")


class AgentStream:
    """One agent stream over a bare socket: the ids it got, and when each handoff arrived."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.handoffs: dict[str, float] = {}
        self.opened = asyncio.Event()

    async def run(self, host: str, port: int, token: str) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET /v1/agent/events HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
                     f"Authorization: Bearer {token}\r\n\r\n".encode())
        if b" 200 " not in await reader.readline():
            raise RuntimeError("agent stream refused")
        self.opened.set()
        buffer = b""
        try:
            while chunk := await reader.read(65536):
                now = time.perf_counter()
                buffer += chunk
                last = 0
                for match in FRAME.finditer(buffer):
                    self.ids.append(int(match.group(1)))
                    if match.group(2) == b"handoff.requested":
                        self.handoffs.setdefault(match.group(3).decode(), now)
                    last = match.end()
                buffer = buffer[last:][-400:]
        finally:
            writer.close()


async def customer(client: httpx.AsyncClient, workers: list[str], n: int, questions: list[str], args, until: float,
                   replies: list[float], handed: dict[str, float]) -> None:
    rng = random.Random(n)
    conversation = None
    asked = 0
    while time.perf_counter() < until:
        if conversation is None:
            base = workers[(n + asked) % len(workers)]
            made = (await client.post(f"{base}/v1/conversations")).json()
            conversation = (base, made["id"], {"Authorization": f"Bearer {made['token']}"})
        base, conversation_id, auth = conversation
        asked += 1
        off_topic = asked % args.handoff_every == 0
        text = OFF_TOPIC if off_topic else rng.choice(questions)
        sent = time.perf_counter()
        response = await client.post(f"{base}/v1/conversations/{conversation_id}/messages",
                                     json={"text": text, "wait_for_reply": True}, headers=auth)
        replies.append((time.perf_counter() - sent) * 1000)
        response.raise_for_status()
        reply = response.json().get("reply") or {}
        if reply.get("handoff"):
            handed[conversation_id] = sent
            conversation = None
        await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))


async def run(workers: list[str], token: str, questions: list[str], args) -> dict:
    streams = [AgentStream() for _ in range(args.agents)]
    tasks = []
    for i, stream in enumerate(streams):
        host, port = workers[i % len(workers)].removeprefix("http://").split(":")
        tasks.append(asyncio.create_task(stream.run(host, int(port), token)))
    for stream in streams:
        await asyncio.wait_for(stream.opened.wait(), 120)
    await asyncio.sleep(1.0)
    replies: list[float] = []
    handed: dict[str, float] = {}
    limits = httpx.Limits(max_connections=args.customers * 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        for base in workers:  # warm each worker up (its first reply loads what it loads lazily)
            made = (await client.post(f"{base}/v1/conversations")).json()
            await client.post(f"{base}/v1/conversations/{made['id']}/messages", json={"text": questions[0]},
                              headers={"Authorization": f"Bearer {made['token']}"})
        started = time.perf_counter()
        until = started + args.seconds
        await asyncio.gather(*(customer(client, workers, n, questions, args, until, replies, handed)
                               for n in range(args.customers)))
        elapsed = time.perf_counter() - started
    await asyncio.sleep(3.0)  # the last events arrive
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    everything = set().union(*(set(s.ids) for s in streams)) if streams else set()
    lost = sum(len(everything - set(s.ids)) for s in streams)
    duplicated = sum(len(s.ids) - len(set(s.ids)) for s in streams)
    handoff_ms = [(s.handoffs[c] - t) * 1000 for s in streams for c, t in handed.items() if c in s.handoffs]
    missing_handoffs = sum(1 for s in streams for c in handed if c not in s.handoffs)
    figures = {"workers": len(workers), "customers": args.customers, "agent_streams": args.agents,
               "seconds": round(elapsed, 1), "lines_answered": len(replies),
               "lines_per_second": round(len(replies) / elapsed, 1),
               "events": len(everything), "lost": lost, "duplicated": duplicated,
               "handoffs": len(handed), "handoff_events_missing": missing_handoffs}
    for q in (50, 95, 99):
        figures[f"reply_p{q}_ms"] = round(float(np.percentile(replies, q)), 1) if replies else None
    for q in (50, 99):
        figures[f"handoff_to_agent_p{q}_ms"] = round(float(np.percentile(handoff_ms, q)), 1) if handoff_ms else None
    return figures


def wait_healthy(url: str, proc: subprocess.Popen) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"worker at {url} exited")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"worker at {url} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", type=float, default=1.0, help="seconds a customer takes between lines (mean)")
    parser.add_argument("--handoff-every", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--kb", type=Path, default=Path("sample_kb"))
    args = parser.parse_args()
    if args.workers > 1 and not (args.database_url and args.redis_url):
        parser.error("more than one worker needs --database-url (PostgreSQL) and --redis-url")

    exe = str(Path(sys.executable).parent / "switchboard")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "SWITCHBOARD_CONVERSATIONS_PER_MINUTE": "0",
               "SWITCHBOARD_LINES_PER_MINUTE": "0", "SWITCHBOARD_DATA_DIR": f"{tmp}/w0"}
        schema = None
        if args.database_url:  # a schema of its own, dropped afterwards
            import psycopg

            schema = f"load_bench_{os.getpid()}"
            with psycopg.connect(args.database_url, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
            env["SWITCHBOARD_DATABASE_URL"] = f"{args.database_url}?options=-csearch_path%3D{schema}"
        if args.redis_url:
            env["SWITCHBOARD_REDIS_URL"] = args.redis_url
        subprocess.run([exe, "ingest", "--quiet", str(args.kb)], env=env, check=True)
        made = subprocess.run([exe, "agent", "create", "load-bench"], env=env, check=True, capture_output=True, text=True)
        token = made.stdout.strip().splitlines()[-1].split()[-1]
        procs, urls = [], []
        try:
            for w in range(args.workers):
                data = f"{tmp}/w{w}"
                if w:
                    shutil.copytree(f"{tmp}/w0", data)
                port = _free_port()
                procs.append(subprocess.Popen([exe, "serve", "--port", str(port)], env={**env, "SWITCHBOARD_DATA_DIR": data},
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                urls.append(f"http://127.0.0.1:{port}")
            for url, proc in zip(urls, procs, strict=True):
                wait_healthy(url, proc)
            figures = asyncio.run(run(urls, token, questions_from_kb(args.kb, 40), args))
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(30)
            if schema:
                with psycopg.connect(args.database_url, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")
    for key, value in figures.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
