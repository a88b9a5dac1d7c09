"""Server-sent event responses over the stored event log."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.event_hub import StreamDropped
from api.events import StoredEvent
from api.services import Services

PING_SECONDS = 15
RECHECK_SECONDS = 5.0  # a stream whose session expires ends this soon; a revocation or sign-out ends it at once
log = logging.getLogger(__name__)
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def _sse(event: StoredEvent) -> ServerSentEvent:
    return ServerSentEvent(id=str(event.id), event=event.type, data=json.dumps(event.data))


async def _events(services: Services, after: int, conversation_id: str | None) -> AsyncIterator[ServerSentEvent]:
    """The stream's events; a client that fell too far behind is let go (it reconnects and replays)."""
    try:
        async for event in services.events.subscribe(after, conversation_id):
            yield _sse(event)
    except StreamDropped as e:
        log.info("event stream ended: %s", e)


def event_response(
    services: Services,
    after: int,
    conversation_id: str | None = None,
    still_valid: Callable[[], Awaitable[bool]] | None = None,
) -> EventSourceResponse:
    """The events after `after`. With `still_valid`, the stream ends as soon as a re-check fails,
    so the client's reconnect meets the 401 it now deserves."""
    if still_valid is None:
        return EventSourceResponse(_events(services, after, conversation_id), ping=PING_SECONDS, headers=HEADERS)

    send, receive = anyio.create_memory_object_stream[ServerSentEvent](0)

    async def pump() -> None:
        # Runs in the response's task group; closing `send` ends `receive`, which ends the response.
        async with send, anyio.create_task_group() as group:

            async def watch() -> None:
                waiter = services.notifier.watch_credentials()
                try:
                    while True:
                        waiter.clear()
                        if not await still_valid():
                            break
                        with anyio.move_on_after(RECHECK_SECONDS):
                            await waiter.wait()
                finally:
                    services.notifier.unwatch_credentials(waiter)
                group.cancel_scope.cancel()

            group.start_soon(watch)
            async for event in _events(services, after, conversation_id):
                await send.send(event)

    return EventSourceResponse(receive, ping=PING_SECONDS, headers=HEADERS, data_sender_callable=pump)
