"""Counts in a sliding window per client: too many and the client must wait (429, Retry-After).

Used for failed console sign-ins (per address), new conversations (per address) and customer
lines (per conversation). `FailureLimiter` counts in this process (the embedded default: one
worker). `RedisFailureLimiter` counts in Redis, so with many workers behind a load balancer a
client cannot multiply its attempts by the number of workers. Both are owned by the app's lifespan (in `Services`); the
clock is injectable so tests can move time on instead of sleeping.
"""

from __future__ import annotations

import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

MAX_CLIENTS = 10_000  # beyond this many clients with recent failures, the stalest are forgotten
LIMIT = 5
WINDOW_SECONDS = 60.0


class SignInLimiter(Protocol):
    async def retry_after(self, client: str) -> int | None: ...

    async def record_failure(self, client: str) -> None: ...


def _wait(oldest: float, window_seconds: float, now: float) -> int:
    return max(1, math.ceil(oldest + window_seconds - now))


@dataclass
class FailureLimiter:
    limit: int = LIMIT
    window_seconds: float = WINDOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict, repr=False)

    async def retry_after(self, client: str) -> int | None:
        """Seconds this client must wait before trying again, or None if it may try now."""
        recent = self._recent(client)
        if len(recent) < self.limit:
            return None
        return _wait(recent[0], self.window_seconds, self.clock())

    async def record_failure(self, client: str) -> None:
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


@dataclass
class RedisFailureLimiter:
    """The same window, shared by every worker: one sorted set of failure times per client, which
    expires with its window. If Redis is unreachable, sign-ins are not refused for it (the token
    check still stands) and this worker counts locally until Redis is back."""

    url: str
    limit: int = LIMIT
    window_seconds: float = WINDOW_SECONDS
    clock: Callable[[], float] = time.time  # shared between processes: wall-clock time
    prefix: str = "switchboard:sign-in-failures:"
    _local: FailureLimiter = field(init=False, repr=False)

    def __post_init__(self) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)
        self._local = FailureLimiter(self.limit, self.window_seconds, self.clock)

    async def retry_after(self, client: str) -> int | None:
        import redis

        key, now = self.prefix + client, self.clock()
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(key, "-inf", now - self.window_seconds)
                pipe.zrange(key, 0, 0, withscores=True)
                pipe.zcard(key)
                _, oldest, count = await pipe.execute()
        except redis.RedisError:
            return await self._local.retry_after(client)
        if count < self.limit or not oldest:
            return None
        return _wait(float(oldest[0][1]), self.window_seconds, now)

    async def record_failure(self, client: str) -> None:
        import redis

        key, now = self.prefix + client, self.clock()
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zadd(key, {f"{now}:{secrets.token_hex(4)}": now})
                pipe.expire(key, math.ceil(self.window_seconds) + 1)
                await pipe.execute()
        except redis.RedisError:
            await self._local.record_failure(client)

    async def close(self) -> None:
        await self._redis.aclose()


def make_sign_in_limiter(redis_url: str | None) -> FailureLimiter | RedisFailureLimiter:
    return RedisFailureLimiter(redis_url) if redis_url else FailureLimiter()


class Unlimited:
    """A limit of 0: nothing is counted, nobody waits."""

    async def retry_after(self, client: str) -> int | None:
        return None

    async def record_failure(self, client: str) -> None:
        return None


def make_limiter(redis_url: str | None, per_minute: int, name: str) -> SignInLimiter:
    """`per_minute` hits per client in any 60 s; 0 turns the limit off."""
    if per_minute <= 0:
        return Unlimited()
    if redis_url:
        return RedisFailureLimiter(redis_url, limit=per_minute, prefix=f"switchboard:{name}:")
    return FailureLimiter(limit=per_minute)
