"""Work a request starts but does not wait for (the bot's reply to a line), owned by the app's
lifespan: drained at shutdown. And one lock per conversation, so this worker answers one
conversation's lines one reply at a time."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable

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
