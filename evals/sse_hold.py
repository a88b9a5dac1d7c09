"""The capacity mode of `python -m evals.sse_bench --hold N`: how many idle customer streams one
worker holds, and the memory each takes (see evals/sse_bench.py for the whole benchmark).

N conversations are made, then their customer streams opened at once from client processes over
bare sockets (so the client is not the bottleneck) while the server's resident memory is sampled;
a few held streams must still carry a handoff, then all close and the memory is read again. With
tracemalloc, the server dumps snapshots on SIGUSR1 and the allocation sites that grew are printed.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import random
import signal
import time
from pathlib import Path

import httpx


def rss_kib(pid: int) -> int:
    """A process's resident memory, KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


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
