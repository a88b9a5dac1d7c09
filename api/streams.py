"""Server-sent event responses over the stored event log."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.events import StoredEvent, subscribe
from api.services import Services

PING_SECONDS = 15
RECHECK_SECONDS = 5.0  # a stream whose session expires ends this soon; a revocation or sign-out ends it at once
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def _sse(event: StoredEvent) -> ServerSentEvent:
    return ServerSentEvent(id=str(event.id), event=event.type, data=json.dumps(event.data))


def event_response(
    services: Services,
    after: int,
    conversation_id: str | None = None,
    still_valid: Callable[[], Awaitable[bool]] | None = None,
) -> EventSourceResponse:
    """The events after `after`. With `still_valid`, the stream ends as soon as a re-check fails,
    so the client's reconnect meets the 401 it now deserves."""
    if still_valid is None:

        async def stream() -> AsyncIterator[ServerSentEvent]:
            async for event in subscribe(services.engine, services.notifier, after, conversation_id):
                yield _sse(event)

        return EventSourceResponse(stream(), ping=PING_SECONDS, headers=HEADERS)

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
            async for event in subscribe(services.engine, services.notifier, after, conversation_id):
                await send.send(_sse(event))

    return EventSourceResponse(receive, ping=PING_SECONDS, headers=HEADERS, data_sender_callable=pump)
