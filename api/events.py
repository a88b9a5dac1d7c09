"""Events: stored first, in the same transaction as the change they describe, then announced.

Every event gets an increasing id. No event payload travels through the notifier; a notification
only says "there is something new", and each worker's event hub (`api/event_hub.py`) reads the
events after the last id it saw from the database. So a reconnecting client that sends
Last-Event-ID gets every event it missed, in order, exactly once — and so does a live one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api.db import events

log = logging.getLogger(__name__)

CUSTOMER_EVENT_TYPES = (
    "message.created",
    "message.corrected",
    "message.masked",  # a line of theirs, masked once a card typed across lines was complete
    "handoff.requested",
    "conversation.claimed",
    "conversation.released",
    "conversation.closed",
    "payment.requested",
    "payment.received",
    "agent.typing",
    "bot.typing",  # but never message.delta: a draft is not an answer until its confidence is known
)
POLL_SECONDS = 15.0  # a safety net: subscribers re-read even if a notification was lost
SUBSCRIBE_RETRY_SECONDS = 2.0  # Redis away at start-up: how often to try subscribing again
ANSWER_SECONDS = 2.0  # a readiness check waits this long for Redis to answer a PING
PAGE = 500


@dataclass
class StoredEvent:
    id: int
    conversation_id: str
    type: str
    data: dict
    frame: bytes | None = field(default=None, compare=False, repr=False)  # its SSE encoding, made once


async def append_event(conn: AsyncConnection, conversation_id: str, type_: str, data: dict) -> int:
    if conn.dialect.name == "postgresql":
        # Serialise event writers so ids become visible in increasing order (no gaps to skip).
        await conn.execute(sa.text("SELECT pg_advisory_xact_lock(727274)"))
    result = await conn.execute(
        events.insert().values(
            conversation_id=conversation_id,
            type=type_,
            data={"conversation_id": conversation_id, **data},
            created_at=datetime.now(UTC),
        )
    )
    return int(result.inserted_primary_key[0])


async def last_event_id(engine: AsyncEngine, conversation_id: str | None = None) -> int:
    """The newest event's id; of one conversation, the newest its customer may see (as
    `events_after` counts them), so the number tells them of no agent-only event."""
    query = sa.select(sa.func.max(events.c.id))
    if conversation_id:
        query = query.where(events.c.conversation_id == conversation_id, events.c.type.in_(CUSTOMER_EVENT_TYPES))
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one() or 0)


async def events_after(
    engine: AsyncEngine, after: int, conversation_id: str | None = None, limit: int = PAGE
) -> list[StoredEvent]:
    query = sa.select(events).where(events.c.id > after).order_by(events.c.id).limit(limit)
    if conversation_id:
        query = query.where(
            events.c.conversation_id == conversation_id, events.c.type.in_(CUSTOMER_EVENT_TYPES)
        )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [StoredEvent(r.id, r.conversation_id, r.type, r.data) for r in rows]


class LocalNotifier:
    """Wakes the subscribers of this process: event streams on a new event, and the streams'
    credential watchers when an agent is revoked or a session ends (so those streams end at once)."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Event] = set()
        self._credential_waiters: set[asyncio.Event] = set()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self.wake_all()

    def subscribe(self) -> asyncio.Event:
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        return waiter

    def unsubscribe(self, waiter: asyncio.Event) -> None:
        self._waiters.discard(waiter)

    def wake_all(self) -> None:
        for waiter in self._waiters:
            waiter.set()

    async def publish(self) -> None:
        self.wake_all()

    async def answers(self) -> bool:
        """What the notifier relies on answers now (a readiness check): nothing, in one process."""
        return True

    def watch_credentials(self) -> asyncio.Event:
        waiter = asyncio.Event()
        self._credential_waiters.add(waiter)
        return waiter

    def unwatch_credentials(self, waiter: asyncio.Event) -> None:
        self._credential_waiters.discard(waiter)

    def wake_credential_watchers(self) -> None:
        for waiter in self._credential_waiters:
            waiter.set()

    async def credentials_changed(self) -> None:
        """An agent was revoked or a session ended: every stream re-checks its credential now."""
        self.wake_credential_watchers()


class RedisNotifier(LocalNotifier):
    """Wakes the subscribers of every worker: a publish goes through a Redis channel."""

    CHANNEL = "switchboard:events"
    CREDENTIALS_CHANNEL = "switchboard:credentials"

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listens from now on. Redis away at start-up does not stop the worker: it serves as one
        alone would (subscribers poll the stored events) and subscribes once Redis answers."""
        self._listener = asyncio.create_task(self._subscribe_and_listen())

    async def _subscribe_and_listen(self) -> None:
        pubsub = self._redis.pubsub()
        warned = False
        while True:
            try:
                await pubsub.subscribe(self.CHANNEL, self.CREDENTIALS_CHANNEL)
                break
            except asyncio.CancelledError:
                raise
            except Exception as e:
                if not warned:
                    log.warning("redis unreachable (%s); serving without it, subscribing when it answers", e)
                    warned = True
                await asyncio.sleep(SUBSCRIBE_RETRY_SECONDS)
        if warned:
            log.info("redis reachable again: subscribed")
            self.wake_all()  # whatever was published meanwhile, subscribers read now
        await self._listen(pubsub)

    async def _listen(self, pubsub) -> None:
        while True:
            try:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_SECONDS)
                if not message:
                    continue
                channel = message["channel"]
                if (channel.decode() if isinstance(channel, bytes) else channel) == self.CREDENTIALS_CHANNEL:
                    self.wake_credential_watchers()
                else:
                    self.wake_all()
            except asyncio.CancelledError:
                raise
            except Exception as e:  # keep listening; subscribers still poll
                log.warning("redis listener: %s", e)
                await asyncio.sleep(1)

    async def answers(self) -> bool:
        """Redis answers a PING within ANSWER_SECONDS."""
        try:
            return bool(await asyncio.wait_for(self._redis.ping(), ANSWER_SECONDS))
        except Exception:  # refused, timed out, or an error reply
            return False

    async def publish(self) -> None:
        try:
            await self._redis.publish(self.CHANNEL, "1")
        except Exception as e:  # the event is stored; subscribers will poll it
            log.warning("redis publish failed: %s", e)
            self.wake_all()

    async def credentials_changed(self) -> None:
        try:
            await self._redis.publish(self.CREDENTIALS_CHANNEL, "1")
        except Exception as e:  # this worker's streams still re-check now; others within RECHECK_SECONDS
            log.warning("redis publish failed: %s", e)
            self.wake_credential_watchers()

    async def close(self) -> None:
        if self._listener:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()
        await super().close()


def make_notifier(redis_url: str | None) -> LocalNotifier:
    return RedisNotifier(redis_url) if redis_url else LocalNotifier()
