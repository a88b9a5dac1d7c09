"""Live events at scale, against a real `switchboard serve` process (one worker, embedded defaults).

    python -m evals.sse_bench --agents 1000 --handoffs 20
    python -m evals.sse_bench --agents 0 --customers 2000 --handoffs 0     # memory per idle stream

Opens AGENTS agent event streams (the console's `/v1/agent/events`) and CUSTOMERS customer
streams (a widget's `/v1/conversations/{id}/events`, one conversation each) from one asyncio
client, then
- memory: the server's resident memory before and after the streams opened, per stream;
- fan-out: HANDOFFS times, a customer asks for a person (`POST .../handoff`); the time from that
  request to the `handoff.requested` event arriving on each agent stream, p50/p99 over every
  (stream, handoff), with counts of events lost (never arrived) and duplicated.

Needs a file-descriptor limit above the stream count (`ulimit -n`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
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
        for _ in range(handoffs):
            made = (await client.post("/v1/conversations")).json()
            auth = {"Authorization": f"Bearer {made['token']}"}
            t0 = time.perf_counter()
            assert (await client.post(f"/v1/conversations/{made['id']}/handoff", headers=auth)).status_code == 200
            requests.append((time.perf_counter() - t0) * 1000)
            sent[made["id"]] = t0
            await asyncio.sleep(0.5)
        await asyncio.sleep(3.0)
        latencies, lost, duplicated = [], 0, 0
        for listener in agents:
            for conversation, t0 in sent.items():
                got = listener.arrivals.get(conversation, [])
                lost += not got
                duplicated += max(0, len(got) - 1)
                latencies += [(got[0] - t0) * 1000] if got else []
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
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=0)
    parser.add_argument("--handoffs", type=int, default=20)
    parser.add_argument("--kb", type=Path, default=Path("sample_kb"))
    args = parser.parse_args()

    exe = str(Path(sys.executable).parent / "switchboard")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SWITCHBOARD_DATA_DIR": tmp, "HF_HUB_OFFLINE": "1",
               "SWITCHBOARD_CONVERSATIONS_PER_MINUTE": "0", "SWITCHBOARD_LINES_PER_MINUTE": "0"}
        subprocess.run([exe, "ingest", "--quiet", str(args.kb)], env=env, check=True)
        token = subprocess.run([exe, "agent", "create", "bench"], env=env, check=True, capture_output=True, text=True)
        agent_token = token.stdout.strip().splitlines()[-1].split()[-1]
        port = _free_port()
        server = subprocess.Popen([exe, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            figures = asyncio.run(bench(base, agent_token, server.pid, args.agents, args.customers, args.handoffs))
        finally:
            server.terminate()
            server.wait(30)
    for key, value in figures.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
