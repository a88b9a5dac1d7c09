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


@dataclass(frozen=True)
class Taken:
    """One hit counted against a client's limit, or, with `wait`, refused and not counted."""

    wait: int | None = None  # seconds the client must wait: refused
    at: float | None = None  # when the hit was counted, so that it can be given back
    member: str | None = None


class SignInLimiter(Protocol):
    async def retry_after(self, client: str) -> int | None: ...

    async def record_failure(self, client: str) -> None: ...

    async def take(self, client: str) -> Taken:
        """Count one hit unless the client is at its limit, as one step: requests sent at the
        same moment cannot all pass a check made before any of them was counted."""
        ...

    async def give_back(self, client: str, taken: Taken) -> None:
        """Uncount a hit (a sign-in whose token was right is no failure)."""
        ...


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

    async def record_failure(self, client: str, at: float | None = None) -> None:
        recent = self._recent(client)
        recent.append(self.clock() if at is None else at)
        self._failures[client] = recent
        if len(self._failures) > MAX_CLIENTS:
            oldest = min(self._failures, key=lambda c: self._failures[c][-1])
            del self._failures[oldest]

    async def take(self, client: str) -> Taken:
        recent = self._recent(client)  # no await between the check and the count: one step
        if len(recent) >= self.limit:
            return Taken(wait=_wait(recent[0], self.window_seconds, self.clock()))
        now = self.clock()
        await self.record_failure(client, at=now)  # the very time given back if the sign-in was right
        return Taken(at=now)

    async def give_back(self, client: str, taken: Taken) -> None:
        recent = self._failures.get(client)
        if recent is not None and taken.at is not None and taken.at in recent:
            recent.remove(taken.at)

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

    async def take(self, client: str) -> Taken:
        import redis

        key, now, member = self.prefix + client, self.clock(), f"{self.clock()}:{secrets.token_hex(4)}"
        try:
            counted, oldest = await self._redis.eval(
                _TAKE, 1, key, now, self.window_seconds, self.limit, member, math.ceil(self.window_seconds) + 1
            )
        except redis.RedisError:
            local = await self._local.take(client)
            return local
        if int(counted):
            return Taken(at=now, member=member)
        return Taken(wait=_wait(float(oldest), self.window_seconds, now))

    async def give_back(self, client: str, taken: Taken) -> None:
        import redis

        if taken.member is None:
            await self._local.give_back(client, taken)
            return
        try:
            await self._redis.zrem(self.prefix + client, taken.member)
        except redis.RedisError:
            pass  # the hit stays counted until it leaves the window

    async def close(self) -> None:
        await self._redis.aclose()


# One Redis step: drop hits older than the window; at the limit, refuse with the oldest hit's
# time; else count this hit. (KEYS[1]: the client's set; ARGV: now, window, limit, member, ttl)
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, oldest[2]}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {1, '0'}
"""


def make_sign_in_limiter(redis_url: str | None) -> FailureLimiter | RedisFailureLimiter:
    return RedisFailureLimiter(redis_url) if redis_url else FailureLimiter()


class Unlimited:
    """A limit of 0: nothing is counted, nobody waits."""

    async def retry_after(self, client: str) -> int | None:
        return None

    async def record_failure(self, client: str) -> None:
        return None

    async def take(self, client: str) -> Taken:
        return Taken()

    async def give_back(self, client: str, taken: Taken) -> None:
        return None


def make_limiter(redis_url: str | None, per_minute: int, name: str) -> SignInLimiter:
    """`per_minute` hits per client in any 60 s; 0 turns the limit off."""
    if per_minute <= 0:
        return Unlimited()
    if redis_url:
        return RedisFailureLimiter(redis_url, limit=per_minute, prefix=f"switchboard:{name}:")
    return FailureLimiter(limit=per_minute)
