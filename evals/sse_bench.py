"""Live events at scale, against a real `switchboard serve` process (one worker, embedded defaults).

    python -m evals.sse_bench --agents 1000 --handoffs 20
    python -m evals.sse_bench --agents 0 --customers 2000 --handoffs 0     # memory per idle stream
    python -m evals.sse_bench --hold 10000 [--clients 4] [--tracemalloc 1]   # capacity: idle customer streams

Opens AGENTS agent event streams (the console's `/v1/agent/events`) and CUSTOMERS customer
streams (a widget's `/v1/conversations/{id}/events`, one conversation each) from one asyncio
client, then
- memory: the server's resident memory before and after the streams opened, per stream;
- fan-out: HANDOFFS times, a customer asks for a person (`POST .../handoff`); the time from that
  request to the `handoff.requested` event arriving on each agent stream, p50/p99 over every
  (stream, handoff), with counts of events lost (never arrived) and duplicated.

`--hold N` is the capacity mode: N conversations, then N idle customer streams opened at once from
`--clients` processes over bare sockets (so the client is not the bottleneck), the server's resident
memory sampled as they open; held streams are then checked to be live (a handoff in a few of them
must arrive), closed, and the memory read again. `--tracemalloc FRAMES` traces the server (from
the baseline on) and prints the allocation sites that grew with the streams, per stream, and what was
still allocated once they closed; the snapshots stay in evals/reports/sse-tracemalloc/ (tracemalloc
slows the server and adds its own memory: use a smaller N for it).

Needs a file-descriptor limit above the stream count (`ulimit -n`; the benchmark raises its own
soft limit as far as the hard one allows).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from evals.latency import _free_port


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


HANDOFF = re.compile(rb'event: handoff\.requested\r?\ndata: \{"conversation_id": "([^"]+)"')


class Listener:
    """One SSE stream over a bare socket (an HTTP client library would cost more than the server
    being measured): when each handoff event, by conversation, arrived, and how often."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[float]] = {}
        self.opened = asyncio.Event()

    async def run(self, host: str, port: int, path: str, headers: dict[str, str]) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", "Accept": "text/event-stream", **headers}.items())
        writer.write(f"GET {path} HTTP/1.1\r\n{head}\r\n".encode())
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"{path}: {status!r}")
        self.opened.set()
        buffer = b""
        try:
            while chunk := await reader.read(65536):
                now = time.perf_counter()
                buffer += chunk
                last = 0
                for match in HANDOFF.finditer(buffer):
                    self.arrivals.setdefault(match.group(1).decode(), []).append(now)
                    last = match.end()
                buffer = buffer[last:][-300:]  # an event split across reads is found on the next one
        finally:
            writer.close()


async def bench(base: str, agent_token: str, pid: int, n_agents: int, n_customers: int, handoffs: int) -> dict:
    host, port = base.removeprefix("http://").split(":")
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await asyncio.sleep(1.0)
        idle_kib = rss_kib(pid)
        agents = [Listener() for _ in range(n_agents)]
        tasks = [asyncio.create_task(a.run(host, int(port), "/v1/agent/events", {"Authorization": f"Bearer {agent_token}"}))
                 for a in agents]
        customers = []
        for _ in range(n_customers):
            made = (await client.post("/v1/conversations")).json()
            client.cookies.clear()  # each sets a cookie: a jar of thousands slows every request
            listener = Listener()
            customers.append(listener)
            tasks.append(asyncio.create_task(listener.run(
                host, int(port), f"/v1/conversations/{made['id']}/events", {"Authorization": f"Bearer {made['token']}"})))
        for listener in agents + customers:
            await asyncio.wait_for(listener.opened.wait(), 120)
        await asyncio.sleep(3.0)  # let the server settle
        streams = n_agents + n_customers
        per_stream = (rss_kib(pid) - idle_kib) / streams if streams else 0.0

        sent: dict[str, float] = {}
        requests: list[float] = []  # the handoff request's own round trip
        # The client's own garbage collector would stop its loop and delay the arrival times it
        # reads (its full collections walk the 1,000 listeners): off while it measures.
        gc.collect()
        gc.disable()
        for _ in range(handoffs):
            made = (await client.post("/v1/conversations")).json()
            auth = {"Authorization": f"Bearer {made['token']}"}
            t0 = time.perf_counter()
            assert (await client.post(f"/v1/conversations/{made['id']}/handoff", headers=auth)).status_code == 200
            requests.append((time.perf_counter() - t0) * 1000)
            sent[made["id"]] = t0
            await asyncio.sleep(0.5)
        await asyncio.sleep(3.0)
        gc.enable()
        latencies, lost, duplicated = [], 0, 0
        firsts, lasts = [], []  # per handoff: when the first and the last agent stream had it
        for conversation, t0 in sent.items():
            arrived = []
            for listener in agents:
                got = listener.arrivals.get(conversation, [])
                lost += not got
                duplicated += max(0, len(got) - 1)
                arrived += [(got[0] - t0) * 1000] if got else []
            latencies += arrived
            if arrived:
                firsts.append(min(arrived))
                lasts.append(max(arrived))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    figures = {"agent_streams": n_agents, "customer_streams": n_customers, "handoffs": handoffs,
               "server_rss_idle_mib": round(idle_kib / 1024, 1), "kib_per_stream": round(per_stream, 1),
               "lost": lost, "duplicated": duplicated}
    if requests:
        figures["handoff_request_p50_ms"] = round(float(np.percentile(requests, 50)), 1)
    if latencies:
        figures |= {f"handoff_to_agent_{q}_ms": round(float(np.percentile(latencies, q)), 1) for q in (50, 90, 99)}
        figures |= {"first_agent_p50_ms": round(float(np.percentile(firsts, 50)), 1),
                    "last_agent_p50_ms": round(float(np.percentile(lasts, 50)), 1),
                    "last_agent_max_ms": round(max(lasts), 1)}
    return figures


# ----- capacity: --hold N ----------------------------------------------------------------------

# The server starts tracing at the first snapshot (the baseline): tracing its start-up (torch, the
# embedding model) would take minutes, and only what grows after the baseline is compared.
TRACED_SERVER = """
import asyncio, gc, json, signal, sys, tracemalloc
n = 0
def dump(*_):
    global n
    n += 1
    gc.collect()  # what is left is alive, not garbage waiting for the collector
    if not tracemalloc.is_tracing():
        tracemalloc.start(int(sys.argv[3]))
    tracemalloc.take_snapshot().dump(f"{sys.argv[2]}/snapshot-{n}")
    from api.event_hub import Subscription
    alive = {"subscriptions": sum(isinstance(o, Subscription) for o in gc.get_objects()),
             "tasks": len(asyncio.all_tasks(asyncio.get_running_loop()))}
    open(f"{sys.argv[2]}/snapshot-{n}.done", "w").write(json.dumps(alive))
signal.signal(signal.SIGUSR1, dump)
from api.cli import main
main(["serve", "--port", sys.argv[1]])
"""


def hold_client(port: int, streams: list[tuple[str, str]], concurrency: int, opened, stop, out) -> None:
    """One client process: opens its share of customer streams over bare sockets and holds them,
    reading what arrives, until `stop` is set."""
    out.put(asyncio.run(_hold(port, streams, concurrency, opened, stop)))


async def _hold(port: int, streams: list[tuple[str, str]], concurrency: int, opened, stop) -> dict:
    counts = {"failed": 0, "ended_early": 0, "handoffs_seen": 0}
    writers: list[asyncio.StreamWriter] = []
    readers: list[asyncio.Task] = []
    stopping = False
    todo = list(reversed(streams))

    async def read(reader: asyncio.StreamReader) -> None:
        try:
            while chunk := await reader.read(65536):
                counts["handoffs_seen"] += chunk.count(b"event: handoff.requested")
        except Exception:
            pass
        if not stopping:
            counts["ended_early"] += 1

    async def opener() -> None:  # `concurrency` of these open the streams, one after another
        while todo:
            conversation_id, token = todo.pop()
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 120)
                writer.write(f"GET /v1/conversations/{conversation_id}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                             f"Accept: text/event-stream\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
                status = await asyncio.wait_for(reader.readline(), 120)
                if b" 200 " not in status:
                    raise RuntimeError(status)
            except Exception:
                counts["failed"] += 1
                continue
            writers.append(writer)
            readers.append(asyncio.create_task(read(reader)))
            with opened.get_lock():
                opened.value += 1

    openers = [asyncio.create_task(opener()) for _ in range(concurrency)]
    while not stop.is_set():
        await asyncio.sleep(0.2)
    stopping = True
    for task in openers:
        task.cancel()
    for writer in writers:
        writer.close()
    await asyncio.gather(*openers, *readers, return_exceptions=True)
    return counts


def _snapshot(pid: int, folder: Path, n: int):
    import tracemalloc

    os.kill(pid, signal.SIGUSR1)
    for _ in range(1200):
        done = folder / f"snapshot-{n}.done"
        if done.exists() and done.read_text():
            print(f"  server, at snapshot {n}: {done.read_text()}", flush=True)
            return tracemalloc.Snapshot.load(str(folder / f"snapshot-{n}"))
        time.sleep(0.25)
    raise RuntimeError("the server wrote no tracemalloc snapshot")


def _top(after, before, key: str, per: int, limit: int = 25) -> list[str]:
    lines = []
    for stat in after.compare_to(before, key)[:limit]:
        if stat.size_diff <= 0:
            continue
        frame = stat.traceback[0] if key == "lineno" else None
        where = f"{frame.filename.split('site-packages/')[-1]}:{frame.lineno}" if frame else stat.traceback[0].filename.split("site-packages/")[-1]
        lines.append(f"  {stat.size_diff / per:8.0f} B/stream  {stat.count_diff / per:6.2f} blocks/stream  {where}")
    return lines


def hold(base: str, pid: int, n: int, clients: int, concurrency: int, trace: Path | None) -> dict:
    port = int(base.rsplit(":", 1)[1])

    async def create() -> list[tuple[str, str]]:
        made: list[tuple[str, str]] = []
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            async def worker() -> None:  # a few workers, not n tasks on a semaphore (3.11's is O(waiters))
                while len(made) < n:
                    body = (await client.post("/v1/conversations")).json()
                    client.cookies.clear()  # each sets a cookie: a jar of 10,000 slows every request
                    made.append((body["id"], body["token"]))
            await asyncio.gather(*(worker() for _ in range(20)))
        return made[:n]

    started = time.perf_counter()
    streams = asyncio.run(create())
    figures: dict = {"conversations_made_s": round(time.perf_counter() - started, 1)}
    time.sleep(2.0)
    before = _snapshot(pid, trace, 1) if trace else None
    idle_kib = rss_kib(pid)
    ctx = mp.get_context("spawn")
    opened, stop, out = ctx.Value("i", 0), ctx.Event(), ctx.Queue()
    shares = [streams[i::clients] for i in range(clients)]
    procs = [ctx.Process(target=hold_client, args=(port, share, concurrency, opened, stop, out)) for share in shares]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    samples: list[tuple[float, int, int]] = []
    last, still = -1, 0
    while time.perf_counter() - started < 900:  # until every stream is open, or no progress for 30 s
        time.sleep(2.0)
        count = opened.value
        samples.append((round(time.perf_counter() - started, 1), count, rss_kib(pid)))
        print(f"  {samples[-1][0]:6.1f} s  {count:6d} streams open  server RSS {samples[-1][2] / 1024:7.1f} MiB"
              f"  load {os.getloadavg()[0]:.2f}", flush=True)
        if count >= n:
            break
        still = still + 1 if count == last else 0
        last = count
        if still >= 15 or any(not p.is_alive() for p in procs):
            break
    open_s = samples[-1][0]
    time.sleep(5.0)  # settle
    held = opened.value
    held_kib = rss_kib(pid)
    after = _snapshot(pid, trace, 2) if trace else None
    # are the held streams live? a handoff in a few of them must arrive on each
    live = random.Random(0).sample(streams, min(10, n))

    async def handoffs() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            for conversation_id, token in live:
                r = await client.post(f"/v1/conversations/{conversation_id}/handoff", headers={"Authorization": f"Bearer {token}"})
                r.raise_for_status()

    asyncio.run(handoffs())
    time.sleep(3.0)
    stop.set()
    counts = [out.get() for _ in procs]
    for proc in procs:
        proc.join(60)
    time.sleep(5.0)
    closed = _snapshot(pid, trace, 3) if trace else None
    figures |= {
        "streams_asked": n, "streams_held": held, "open_s": open_s,
        "failed": sum(c["failed"] for c in counts), "ended_early": sum(c["ended_early"] for c in counts),
        "handoffs_sent_to_held": len(live), "handoffs_seen": sum(c["handoffs_seen"] for c in counts),
        "server_rss_idle_mib": round(idle_kib / 1024, 1), "server_rss_held_mib": round(held_kib / 1024, 1),
        "kib_per_stream": round((held_kib - idle_kib) / held, 1) if held else None,
        "server_rss_after_close_mib": round(rss_kib(pid) / 1024, 1), "load_1m": round(os.getloadavg()[0], 2),
    }
    if before is not None and after is not None and held:
        traced = sum(s.size_diff for s in after.compare_to(before, "filename"))
        figures["traced_python_kib_per_stream"] = round(traced / held / 1024, 1)
        left = sum(s.size_diff for s in closed.compare_to(before, "filename"))
        figures["traced_python_kib_per_stream_left_after_close"] = round(left / held / 1024, 1)
        figures["snapshots"] = str(trace)
        print("tracemalloc, grown with the streams, by line:")
        print("\n".join(_top(after, before, "lineno", held)))
        print("tracemalloc, by file:")
        print("\n".join(_top(after, before, "filename", held, 15)))
    return figures


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, max(hard, needed)))
    except (ValueError, OSError):
        if hard < needed:
            raise SystemExit(f"{needed} file descriptors needed, the hard limit is {hard}: `ulimit -n {needed}` first") from None
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=0)
    parser.add_argument("--handoffs", type=int, default=20)
    parser.add_argument("--kb", type=Path, default=Path("sample_kb"))
    parser.add_argument("--hold", type=int, metavar="N", help="capacity mode: hold N idle customer streams")
    parser.add_argument("--clients", type=int, default=4, help="--hold: client processes")
    parser.add_argument("--concurrency", type=int, default=50, help="--hold: streams each client opens at a time")
    parser.add_argument("--tracemalloc", type=int, metavar="FRAMES", help="--hold: trace the server's allocations")
    args = parser.parse_args()
    raise_fd_limit((args.hold or args.agents + args.customers) + 1024)

    exe = str(Path(sys.executable).parent / "switchboard")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SWITCHBOARD_DATA_DIR": tmp, "HF_HUB_OFFLINE": "1",
               "SWITCHBOARD_CONVERSATIONS_PER_MINUTE": "0", "SWITCHBOARD_LINES_PER_MINUTE": "0"}
        subprocess.run([exe, "ingest", "--quiet", str(args.kb)], env=env, check=True)
        token = subprocess.run([exe, "agent", "create", "bench"], env=env, check=True, capture_output=True, text=True)
        agent_token = token.stdout.strip().splitlines()[-1].split()[-1]
        port = _free_port()
        trace = Path("evals/reports/sse-tracemalloc") if args.hold and args.tracemalloc else None
        if trace:  # the snapshots stay there, for a closer look (tracemalloc.Snapshot.load)
            shutil.rmtree(trace, ignore_errors=True)
            trace.mkdir(parents=True)
            command = [sys.executable, "-c", TRACED_SERVER, str(port), str(trace), str(args.tracemalloc)]
        else:
            command = [exe, "serve", "--port", str(port)]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            if args.hold:
                figures = hold(base, server.pid, args.hold, args.clients, args.concurrency, trace)
            else:
                figures = asyncio.run(bench(base, agent_token, server.pid, args.agents, args.customers, args.handoffs))
        finally:
            server.terminate()
            server.wait(30)
    for key, value in figures.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
