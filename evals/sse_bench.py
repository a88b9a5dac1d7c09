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

`--hold N` is the capacity mode (evals/sse_hold.py): N conversations, then N idle customer streams opened at once from
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
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from evals.latency import _free_port
from evals.sse_hold import TRACED_SERVER, hold, rss_kib


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
