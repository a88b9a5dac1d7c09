"""Failed sign-ins, counted per client in a sliding window: too many and the client must wait.

One limiter per process, owned by the app's lifespan (in `Services`). The clock is injectable so
tests can move time on instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_CLIENTS = 10_000  # beyond this many clients with recent failures, the stalest are forgotten


@dataclass
class FailureLimiter:
    limit: int = 5
    window_seconds: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict, repr=False)

    def retry_after(self, client: str) -> int | None:
        """Seconds this client must wait before trying again, or None if it may try now."""
        recent = self._recent(client)
        if len(recent) < self.limit:
            return None
        return max(1, math.ceil(recent[0] + self.window_seconds - self.clock()))

    def record_failure(self, client: str) -> None:
        recent = self._recent(client)
        recent.append(self.clock())
        self._failures[client] = recent
        if len(self._failures) > MAX_CLIENTS:
            oldest = min(self._failures, key=lambda c: self._failures[c][-1])
            del self._failures[oldest]

    def _recent(self, client: str) -> deque[float]:
        recent = self._failures.get(client, deque())
        cutoff = self.clock() - self.window_seconds
        while recent and recent[0] <= cutoff:
            recent.popleft()
        if not recent:
            self._failures.pop(client, None)
        return recent
