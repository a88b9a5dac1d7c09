"""Ends the event streams whose credential died: revoked, signed out, or expired.

One guard per worker instead of a watcher per stream. It re-checks each distinct credential once
(however many streams it holds open), at once when a credential changes anywhere (the notifier's
credentials channel) or a stream is added, and every RECHECK_SECONDS for sessions that simply
expire. A dead credential's streams end; their clients' reconnects meet the 401 they deserve.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from api.event_hub import Subscription
from api.events import LocalNotifier

log = logging.getLogger(__name__)

RECHECK_SECONDS = 5.0


@dataclass(eq=False)
class Guarded:
    credential: str  # streams on one credential are checked together
    still_valid: Callable[[], Awaitable[bool]]
    subscription: Subscription


class StreamGuard:
    def __init__(self, notifier: LocalNotifier, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self.notifier = notifier
        self.recheck_seconds = recheck_seconds
        self._guarded: dict[str, set[Guarded]] = {}
        self._waiter: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.checks = 0  # credentials checked, for the tests

    async def start(self) -> None:
        self._waiter = self.notifier.watch_credentials()
        self._task = asyncio.create_task(self._run(), name="stream-guard")

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._waiter:
            self.notifier.unwatch_credentials(self._waiter)

    def add(self, credential: str, still_valid: Callable[[], Awaitable[bool]], subscription: Subscription) -> Guarded:
        guarded = Guarded(credential, still_valid, subscription)
        self._guarded.setdefault(credential, set()).add(guarded)
        if self._waiter:
            self._waiter.set()  # check it now: it may have died between the request's check and here
        return guarded

    def remove(self, guarded: Guarded) -> None:
        group = self._guarded.get(guarded.credential)
        if group is not None:
            group.discard(guarded)
            if not group:
                del self._guarded[guarded.credential]

    async def check(self) -> None:
        for credential, group in list(self._guarded.items()):
            if not group:
                continue
            self.checks += 1
            try:
                alive = await next(iter(group)).still_valid()
            except Exception as e:  # the database is away: judge it at the next pass
                log.warning("stream guard: checking a credential failed: %s", e)
                continue
            if not alive:
                for guarded in list(self._guarded.get(credential, ())):
                    guarded.subscription.end()

    async def _run(self) -> None:
        assert self._waiter is not None
        while True:
            self._waiter.clear()
            await self.check()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
            # arrives as the wait ends, and close() then waits for this task forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.recheck_seconds):
                    await self._waiter.wait()
