"""The worker's garbage collector, kept out of the way of live events.

CPython's collector stops the event loop while it runs, and a full collection walks every tracked
object. Measured with 1,000 agent streams on one worker (evals/sse_bench.py):

- Once started, a worker holds some 240,000 tracked objects (the embedding model, the libraries,
  the app), and each open event stream ~150 more: a full collection took 95–206 ms, and a handoff
  that met one reached its agents that much later. What is alive when start-up is done stays alive
  until the worker stops, so it is frozen out of every later collection.
- A handoff's fan-out holds ~4,700 objects in flight at its peak (a wake-up, a frame and a
  send for each stream), all freed a moment later. With the default young generation of 700, some
  ten young collections ran inside every fan-out and promoted what was in flight, until a full
  collection came due (one in 40–60 handoffs). A young generation of 10,000 lets a fan-out to
  some 2,000 agent streams end before a collection looks at it: no collection at all ran in 60
  handoffs, and the slowest agent's delay went from 181–211 ms to 70–79 ms at p99/max.

The collector still finds cycles among everything made after start-up.
"""

from __future__ import annotations

import gc

YOUNG_GENERATION = 10_000  # objects allocated (net of those freed) before a young collection


def settle_worker_heap() -> int:
    """Collect what start-up left behind, freeze every object still alive into the collector's
    permanent generation, and widen the young generation. Returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, middle, old)
    return gc.get_freeze_count()
