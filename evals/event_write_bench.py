"""Event writes on PostgreSQL: what the advisory lock in `append_event` costs, and what it buys.

    python -m evals.event_write_bench --database-url postgresql://postgres@127.0.0.1:5432/test \\
        [--writers 1 4 16 64] [--seconds 10] [--variants lock nolock gapwait] [--rounds 1]

`append_event` takes `pg_advisory_xact_lock(727274)` before inserting an event, so event ids
become visible in increasing order: each worker's event hub reads `id > last_seen` and remembers
the highest id, and an id committed after a higher one would be skipped forever. The price is that
event-writing transactions take turns from the event insert to the end of their commit.

In a scratch schema (made with the app's migrations, dropped afterwards) N writers, spread over
`--processes` processes with a pool each as the app has, run what a customer's line does: touch the
conversation (UPDATE ... RETURNING state), look the line up by its client id, insert the message,
append its event, commit. One in `--rollback-every` transactions rolls back after appending its
event (a 409 after the write, a crash): its id is a gap that never fills. Variants:

- lock: the app's own `append_event`;
- nolock: the same insert without the lock (a bench-local copy);
- gapwait: no lock; the writer makes sure its transaction has an id (`SELECT pg_current_xact_id()`,
  the same one round trip as the lock) and the reader waits at a gap instead of passing it. On
  seeing a gap the reader takes a transaction id X of its own (after that read); the gap is settled
  once a later snapshot's xmin is > X. The transaction holding the missing id had its xid before it
  took the id, so before the read, so below X: by then it has committed (its row is visible to that
  later read) or rolled back (the id never will be). A snapshot's xmax is no such bound: it is the
  latest *completed* xid + 1, and a running transaction's xid may be above it.

With `--pgbench` the same transactions also run through PostgreSQL's own `pgbench` client (C,
prepared statements, no reader): the database's ceiling, without the Python client in the way.

Meanwhile one reader (its own process) does what the hub does, every `--poll-ms`: read the events
after its cursor, page by page. Per run it reports committed events/s, the transaction's latency
(begin to commit returned) p50/p99, events the reader skipped (committed ids it never got: the
correctness cost), deliveries out of id order, and the lag from the writer sending COMMIT to the
reader getting the event, p50/p99. The machine's load average is printed with each run; runs alternate
variants so a shared machine's noise hits each alike.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from api.db import async_url, conversations, events, messages, open_database
from api.events import append_event

CONVERSATIONS = 1000


class Rollback(Exception):
    pass


async def append_nolock(conn: AsyncConnection, conversation_id: str, type_: str, data: dict) -> int:
    """`append_event` without the lock."""
    result = await conn.execute(
        events.insert().values(conversation_id=conversation_id, type=type_,
                               data={"conversation_id": conversation_id, **data}, created_at=datetime.now(UTC))
    )
    return int(result.inserted_primary_key[0])


async def append_gapwait(conn: AsyncConnection, conversation_id: str, type_: str, data: dict) -> int:
    """No lock: the transaction gets its id before it takes an event id (what the reader's rule needs)."""
    await conn.execute(sa.text("SELECT pg_current_xact_id()"))
    return await append_nolock(conn, conversation_id, type_, data)


APPEND = {"lock": append_event, "nolock": append_nolock, "gapwait": append_gapwait}


# ----- writers --------------------------------------------------------------------------------

async def _customer_line(conn: AsyncConnection, append, conversation_id: str, n: int) -> int:
    now = datetime.now(UTC)
    await conn.execute(conversations.update().where(conversations.c.id == conversation_id)
                       .values(updated_at=now).returning(conversations.c.state))
    client_id = uuid.uuid4().hex
    await conn.execute(sa.select(messages).where(messages.c.conversation_id == conversation_id,
                                                 messages.c.client_id == client_id))
    text = f"line {n}: where is my order? it was due on Tuesday"
    result = await conn.execute(messages.insert().values(
        conversation_id=conversation_id, role="customer", text=text, sources=[], handoff=False,
        client_id=client_id, created_at=now))
    message = {"id": int(result.inserted_primary_key[0]), "conversation_id": conversation_id, "role": "customer",
               "text": text, "confidence": None, "sources": [], "handoff": False, "handoff_reason": None,
               "author": None, "corrects": None, "created_at": now.isoformat(), "client_id": client_id}
    return await append(conn, conversation_id, "message.created", {"message": message})


async def _writers(url: str, variant: str, n: int, start_at: float, until: float, rollback_every: int,
                   seed: int) -> tuple[list[float], list[tuple[int, float]], int]:
    # as the app's engine: pre-ping on checkout; a pool as large as the writers
    engine = create_async_engine(async_url(url), pool_pre_ping=True, pool_size=n, max_overflow=0)
    append = APPEND[variant]
    latencies: list[float] = []
    committed: list[tuple[int, float]] = []  # (event id, wall-clock time its COMMIT was sent)
    rolled_back = 0
    ids = [f"c{i:05d}" for i in range(CONVERSATIONS)]

    async def writer(w: int) -> None:
        nonlocal rolled_back
        rng = random.Random(seed * 1000 + w)
        k = 0
        while time.time() < until:
            k += 1
            t0 = time.perf_counter()
            try:
                async with engine.begin() as conn:
                    event_id = await _customer_line(conn, append, rng.choice(ids), k)
                    if rollback_every and rng.randrange(rollback_every) == 0:
                        raise Rollback
                    committing = time.time()
            except Rollback:
                rolled_back += 1
                continue
            latencies.append((time.perf_counter() - t0) * 1000)
            committed.append((event_id, committing))

    async with engine.connect() as conn:  # fill the pool before the start
        await conn.execute(sa.text("SELECT 1"))
    warm = [await engine.connect() for _ in range(n)]
    for conn in warm:
        await conn.execute(sa.text("SELECT 1"))
    for conn in warm:
        await conn.close()
    await asyncio.sleep(max(0.0, start_at - time.time()))
    await asyncio.gather(*(writer(w) for w in range(n)))
    await engine.dispose()
    return latencies, committed, rolled_back


def writer_process(url: str, variant: str, n: int, start_at: float, until: float, rollback_every: int, seed: int, out) -> None:
    out.put(asyncio.run(_writers(url, variant, n, start_at, until, rollback_every, seed)))


# ----- the reader -----------------------------------------------------------------------------

class HubReader:
    """What the event hub does: read after the cursor, move the cursor to the highest id read."""

    def __init__(self) -> None:
        self.cursor = 0
        self.delivered: list[tuple[int, float]] = []
        self.out_of_order = 0
        self.given_up = 0

    def query(self) -> str:
        return "SELECT 0, ARRAY(SELECT id FROM events WHERE id > %s ORDER BY id LIMIT 500)"

    def take(self, ids: list[int], xmin: int) -> None:
        now = time.time()
        for event_id in ids:
            self.out_of_order += event_id < self.cursor
            self.delivered.append((event_id, now))
            self.cursor = event_id

    def settled(self) -> bool:
        return True


class GapWaitReader(HubReader):
    """Delivers in id order and waits at a gap until it is settled: filled, or known never to fill
    (a later snapshot's xmin is past an xid the reader took after it saw the gap)."""

    def __init__(self) -> None:
        super().__init__()
        self.gap: tuple[int, int] | None = None  # (an xid taken after the read, ids below this were missing)
        self.conn = None  # the reader's connection (autocommit), to take an xid on

    def take_xid(self) -> int:
        return self.conn.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]

    def query(self) -> str:
        return ("SELECT pg_snapshot_xmin(s)::text::bigint, "
                "ARRAY(SELECT id FROM events WHERE id > %s ORDER BY id LIMIT 500) FROM pg_current_snapshot() s")

    def take(self, ids: list[int], xmin: int) -> None:
        now = time.time()
        dead_below = 0
        if self.gap and self.cursor >= self.gap[1]:  # filled meanwhile
            self.gap = None
        if self.gap and xmin > self.gap[0]:  # every transaction that could fill it has ended
            dead_below, self.gap = self.gap[1], None
        for event_id in ids:
            while self.cursor + 1 < event_id and self.cursor + 1 < dead_below:
                self.cursor += 1  # a rolled-back id
                self.given_up += 1
            if event_id != self.cursor + 1:
                if self.gap is None:
                    self.gap = (self.take_xid(), ids[-1])
                return
            self.delivered.append((event_id, now))
            self.cursor = event_id

    def settled(self) -> bool:
        return self.gap is None


def reader_process(url: str, variant: str, poll_ms: float, start_at: float, stop_at: float, out) -> None:
    import psycopg

    reader = GapWaitReader() if variant == "gapwait" else HubReader()
    reads = 0
    with psycopg.connect(url, autocommit=True) as conn:
        reader.conn = conn
        while time.time() < start_at:
            time.sleep(0.01)
        while True:
            xmin, ids = conn.execute(reader.query(), (reader.cursor,)).fetchone()
            reads += 1
            reader.take(ids, xmin)
            if time.time() > stop_at and len(ids) < 500 and (reader.settled() or time.time() > stop_at + 30):
                break
            if len(ids) < 500:
                time.sleep(poll_ms / 1000)
    out.put((reader.delivered, reader.out_of_order, reader.given_up, reads))


# ----- one run --------------------------------------------------------------------------------

def run_once(url: str, variant: str, writers: int, seconds: float, processes: int, rollback_every: int,
             poll_ms: float, seed: int) -> dict:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE events, messages RESTART IDENTITY CASCADE")
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    reader_out = ctx.Queue()
    start_at = time.time() + 3.0 + processes  # the processes import and connect first
    until = start_at + seconds
    shares = [writers // processes + (i < writers % processes) for i in range(min(processes, writers))]
    procs = [ctx.Process(target=writer_process, args=(url, variant, n, start_at, until, rollback_every, seed * 10 + i, out))
             for i, n in enumerate(shares)]
    reader = ctx.Process(target=reader_process, args=(url, variant, poll_ms, start_at, until + 1.0, reader_out))
    for p in [reader, *procs]:
        p.start()
    results = [out.get() for _ in procs]
    load = os.getloadavg()[0]  # the last minute: about this run
    delivered, out_of_order, given_up, reads = reader_out.get()
    for p in [reader, *procs]:
        p.join()
    latencies = [x for r in results for x in r[0]]
    committed = dict(x for r in results for x in r[1])
    rolled_back = sum(r[2] for r in results)
    with psycopg.connect(url, autocommit=True) as conn:
        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    assert stored == len(committed), (stored, len(committed))
    got = {}
    for event_id, at in delivered:
        got.setdefault(event_id, at)
    lag = [(got[i] - t) * 1000 for i, t in committed.items() if i in got]
    return {
        "variant": variant, "writers": writers, "events_per_s": round(len(committed) / seconds, 1),
        "txn_p50_ms": round(float(np.percentile(latencies, 50)), 2) if latencies else None,
        "txn_p99_ms": round(float(np.percentile(latencies, 99)), 2) if latencies else None,
        "committed": len(committed), "rolled_back": rolled_back,
        "skipped": len(set(committed) - set(got)), "out_of_order": out_of_order, "gaps_given_up": given_up,
        "lag_p50_ms": round(float(np.percentile(lag, 50)), 1) if lag else None,
        "lag_p99_ms": round(float(np.percentile(lag, 99)), 1) if lag else None,
        "reads": reads, "load_1m": round(load, 2),
    }


PGBENCH_EXTRA = {"lock": "SELECT pg_advisory_xact_lock(727274);", "nolock": "", "gapwait": "SELECT pg_current_xact_id();"}
PGBENCH_SCRIPT = """\\set c random(0, {last})
BEGIN;
UPDATE conversations SET updated_at = now() WHERE id = 'c' || lpad(:c::text, 5, '0') RETURNING state;
SELECT * FROM messages WHERE conversation_id = 'c' || lpad(:c::text, 5, '0') AND client_id = md5(random()::text);
INSERT INTO messages (conversation_id, role, text, sources, handoff, client_id, created_at)
  VALUES ('c' || lpad(:c::text, 5, '0'), 'customer', 'where is my order? it was due on Tuesday', '[]', false,
          md5(random()::text), now()) RETURNING id;
{extra}
INSERT INTO events (conversation_id, type, data, created_at) VALUES ('c' || lpad(:c::text, 5, '0'), 'message.created',
  '{{"message": {{"role": "customer", "text": "where is my order? it was due on Tuesday", "sources": [], "handoff": false}}}}',
  now()) RETURNING id;
COMMIT;
"""


def run_pgbench(pgbench: str, base_url: str, schema: str, url: str, variant: str, writers: int, seconds: float) -> dict:
    """The same transaction through pgbench (no rollbacks, no reader): committed/s and mean latency."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE events, messages RESTART IDENTITY CASCADE")
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(PGBENCH_SCRIPT.format(last=CONVERSATIONS - 1, extra=PGBENCH_EXTRA[variant]))
        script.flush()
        env = {**os.environ, "PGOPTIONS": f"-csearch_path={schema}"}
        done = subprocess.run([pgbench, "-n", "-M", "prepared", "-f", script.name, "-c", str(writers), "-j", "2",
                               "-T", str(int(seconds)), base_url], env=env, capture_output=True, text=True, check=True)
    tps = re.search(r"tps = ([0-9.]+)", done.stdout)
    latency = re.search(r"latency average = ([0-9.]+)", done.stdout)
    return {"variant": variant, "writers": writers, "events_per_s": round(float(tps.group(1)), 1) if tps else None,
            "txn_mean_ms": float(latency.group(1)) if latency else None, "load_1m": round(os.getloadavg()[0], 2)}


async def prepare(url: str) -> None:
    engine = await open_database(url)  # the app's migrations, in the scratch schema
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(conversations.insert(), [
            {"id": f"c{i:05d}", "token_hash": f"{i:064d}", "state": "agent", "created_at": now, "updated_at": now}
            for i in range(CONVERSATIONS)])
    await engine.dispose()


COLUMNS = ["variant", "writers", "events_per_s", "txn_p50_ms", "txn_p99_ms", "committed", "rolled_back",
           "skipped", "out_of_order", "gaps_given_up", "lag_p50_ms", "lag_p99_ms", "load_1m"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database; a scratch schema is made and dropped")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--variants", nargs="+", choices=list(APPEND), default=list(APPEND))
    parser.add_argument("--rounds", type=int, default=1, help="repeat the whole set; variant order alternates")
    parser.add_argument("--processes", type=int, default=2, help="writer processes (each with its own pool)")
    parser.add_argument("--rollback-every", type=int, default=100, help="about one in N transactions rolls back (0: none)")
    parser.add_argument("--poll-ms", type=float, default=1.0, help="the reader's pause between reads")
    parser.add_argument("--pgbench", nargs="?", const="pgbench", metavar="PATH",
                        help="also run the transactions through pgbench (PATH, default: on the PATH)")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be PostgreSQL")
    pgbench = shutil.which(args.pgbench) if args.pgbench else None
    if args.pgbench and not pgbench:
        parser.error(f"no pgbench at {args.pgbench!r} (Debian: /usr/lib/postgresql/<version>/bin/pgbench)")

    import psycopg

    schema = f"event_write_bench_{os.getpid()}"
    sep = "&" if "?" in args.database_url else "?"
    url = f"{args.database_url}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        asyncio.run(prepare(url))
        print(" | ".join(COLUMNS), flush=True)
        k = 0
        for r in range(args.rounds):
            for writers in args.writers:
                order = args.variants if k % 2 == 0 else args.variants[::-1]
                k += 1
                for variant in order:
                    row = run_once(url, variant, writers, args.seconds, args.processes, args.rollback_every,
                                   args.poll_ms, seed=r * 100 + writers)
                    print(" | ".join(str(row[c]) for c in COLUMNS), flush=True)
        if pgbench:
            print("\npgbench: variant | writers | events_per_s | txn_mean_ms | load_1m", flush=True)
            k = 0
            for r in range(args.rounds):
                for writers in args.writers:
                    order = args.variants if k % 2 == 0 else args.variants[::-1]
                    k += 1
                    for variant in order:
                        row = run_pgbench(pgbench, args.database_url, schema, url, variant, writers, args.seconds)
                        print("pgbench: " + " | ".join(str(v) for v in row.values()), flush=True)
    finally:
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
