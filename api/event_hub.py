"""One event reader per worker, fanning out in memory.

Each stream used to run its own database query on every wake-up, so one new message meant one
query per open stream (11,000 with 1,000 agents and 10,000 customer widgets). The hub reads the new
events once per wake-up and hands each to the streams it concerns: every agent stream, and the
customer streams of its one conversation.

The database stays the source of truth. A stream registers with the hub first, then replays what
it missed from the database (`Last-Event-ID`), then takes the hub's live events, skipping any it
already replayed: no gap, no duplicate. A stream whose client stops reading fills its bounded
queue and is dropped, without holding up anyone else; the client reconnects with `Last-Event-ID`
and replays from the database, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from api.events import CUSTOMER_EVENT_TYPES, PAGE, POLL_SECONDS, LocalNotifier, StoredEvent, events_after, last_event_id

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000  # events a stream may fall behind before it is dropped (its client then replays)


class StreamDropped(Exception):
    """The client read too slowly and its queue overflowed; it reconnects and replays."""


@dataclass(eq=False)
class Subscription:
    """A stream's place in the hub: the live events it has not taken yet.

    Its queue is a deque made when an event arrives and let go once drained, and a future only while
    the stream waits: an idle stream holds neither (an asyncio.Queue is four deques and an Event,
    ~3 KB, for each of 10,000 idle widgets)."""

    conversation_id: str | None  # None: every event (an agent stream)
    limit: int = QUEUE_SIZE
    dropped: bool = False
    ended: bool = False
    _pending: deque[StoredEvent] | None = field(default=None, repr=False)
    _waiter: asyncio.Future[None] | None = field(default=None, repr=False)

    def offer(self, event: StoredEvent) -> None:
        if self.dropped or self.ended:
            return
        if self._pending is None:
            self._pending = deque()
        elif len(self._pending) >= self.limit:
            self.dropped = True
            self._pending = None  # free the memory now; the reader sees the end
            self._wake()
            return
        self._pending.append(event)
        self._wake()

    def end(self) -> None:
        """End the stream (its credential died, its client went, or the worker is stopping)."""
        if self.dropped or self.ended:
            return
        self.ended = True
        self._pending = None
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next(self, idle: float | None = None) -> StoredEvent | None:
        """The next live event, or None once the stream is dropped or ended. Raises TimeoutError
        after `idle` seconds without one."""
        if not self._pending and not (self.dropped or self.ended):
            loop = asyncio.get_running_loop()
            self._waiter = loop.create_future()
            timer = loop.call_later(idle, self._wake) if idle is not None else None
            try:
                await self._waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
        if self._pending:
            event = self._pending.popleft()
            if not self._pending:
                self._pending = None
            return event
        if self.dropped or self.ended:
            return None
        raise TimeoutError


class EventHub:
    def __init__(self, engine: AsyncEngine, notifier: LocalNotifier, queue_size: int = QUEUE_SIZE) -> None:
        self.engine = engine
        self.notifier = notifier
        self.queue_size = queue_size
        self._all: set[Subscription] = set()
        self._by_conversation: dict[str, set[Subscription]] = {}
        self._cursor = 0
        self._waiter: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.reads = 0  # database reads made, for the benchmarks and tests

    @property
    def subscribers(self) -> int:
        return len(self._all) + sum(len(s) for s in self._by_conversation.values())

    async def start(self) -> None:
        self._cursor = await last_event_id(self.engine)
        self._waiter = self.notifier.subscribe()
        self._task = asyncio.create_task(self._run(), name="event-hub")

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._waiter:
            self.notifier.unsubscribe(self._waiter)
        self.end_streams()

    def end_streams(self) -> None:
        """End every stream (the worker is stopping); their clients reconnect elsewhere."""
        for subscription in [*self._all, *(s for group in self._by_conversation.values() for s in group)]:
            subscription.end()

    async def _run(self) -> None:
        assert self._waiter is not None
        while True:
            self._waiter.clear()
            try:
                batch = await events_after(self.engine, self._cursor)
                self.reads += 1
            except Exception as e:  # the database is away: keep the cursor, try again shortly
                log.warning("event hub: reading events failed: %s", e)
                await asyncio.sleep(1.0)
                continue
            for event in batch:
                self._dispatch(event)
                self._cursor = event.id
            if len(batch) == PAGE:
                continue
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
            # arrives as the wait ends, and close() then waits for this task forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await self._waiter.wait()

    def _dispatch(self, event: StoredEvent) -> None:
        for subscription in self._all:
            subscription.offer(event)
        if event.type in CUSTOMER_EVENT_TYPES:
            for subscription in self._by_conversation.get(event.conversation_id, ()):
                subscription.offer(event)

    def streams_of(self, conversation_id: str) -> int:
        """How many of this worker's streams follow the conversation now."""
        return len(self._by_conversation.get(conversation_id, ()))

    def open(self, conversation_id: str | None = None) -> Subscription:
        """Start queueing live events for a stream (all events, or one conversation's customer
        events); `stream` then replays what came before and goes on live."""
        subscription = Subscription(conversation_id, self.queue_size)
        if conversation_id is None:
            self._all.add(subscription)
        else:
            self._by_conversation.setdefault(conversation_id, set()).add(subscription)
        return subscription

    def _unregister(self, subscription: Subscription) -> None:
        if subscription.conversation_id is None:
            self._all.discard(subscription)
            return
        group = self._by_conversation.get(subscription.conversation_id)
        if group is not None:
            group.discard(subscription)
            if not group:
                del self._by_conversation[subscription.conversation_id]

    def subscribe(self, after: int, conversation_id: str | None = None) -> AsyncIterator[StoredEvent]:
        return self.stream(self.open(conversation_id), after)

    async def stream(
        self, subscription: Subscription, after: int, idle: float | None = None
    ) -> AsyncIterator[StoredEvent | None]:
        """Every event after `after` (for one conversation, the customer's kinds), then live ones,
        until the consumer stops or the subscription ends. Raises StreamDropped if the consumer
        fell too far behind. `subscription` was opened first, so nothing falls between the two.
        With `idle`, None comes after every `idle` seconds without an event (time for a ping)."""
        conversation_id = subscription.conversation_id
        try:
            while True:  # replay from the database what happened before
                batch = await events_after(self.engine, after, conversation_id)
                for event in batch:
                    yield event
                    after = event.id
                if len(batch) < PAGE:
                    break
            while True:
                try:
                    event = await subscription.next(idle)
                except TimeoutError:
                    yield None
                    continue
                if event is None:
                    if subscription.dropped:
                        raise StreamDropped(f"stream fell {self.queue_size} events behind")
                    return  # ended: its credential died, or the worker is stopping
                if event.id > after:  # already replayed otherwise
                    yield event
                    after = event.id
        finally:
            self._unregister(subscription)
