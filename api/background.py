"""Work a request starts but does not wait for (the bot's reply to a line), owned by the app's
lifespan: drained at shutdown. And one lock per conversation, so this worker answers one
conversation's lines one reply at a time. And `Repeating`: a sweep the app runs every so often
while it lives (idle conversations closed, stranded lines answered)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def run(self, work: Awaitable[object], what: str) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:  # nothing is lost: the work's input is stored, and retried later
                log.exception("%s failed in the background", what)

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def drain(self, timeout: float) -> None:
        """Let running work finish (up to `timeout` seconds), then cancel the rest."""
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in late:
                task.cancel()


class Repeating:
    """`sweep()` every `every` seconds (the first after one wait, or at once with `now`) until
    closed. A sweep that fails is logged and the next one tries again: the database away for a
    moment loses nothing, the work it would have done is still there to find."""

    def __init__(self, sweep: Callable[[], Awaitable[object]], every: float, what: str, *, now: bool = False) -> None:
        self.sweep, self.every, self.what, self.now = sweep, every, what, now
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.what)

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        if not self.now:
            await asyncio.sleep(self.every)
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("%s failed", self.what)
            await asyncio.sleep(self.every)
