"""Server-sent event responses over the stored event log."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from sse_starlette import EventSourceResponse, ServerSentEvent

from api.event_hub import StreamDropped
from api.events import StoredEvent
from api.services import Services

PING_SECONDS = 15
log = logging.getLogger(__name__)
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
# How a route declares in the OpenAPI schema that its 200 is an event stream: `schema` describes
# one event, as OpenAPI 3.2's `itemSchema` does (3.1 has no word for a stream).
SSE_EVENT_SCHEMA = {
    "type": "object",
    "properties": {"data": {"type": "string"}, "event": {"type": "string"}, "id": {"type": "string"}, "retry": {"type": "integer"}},
    "required": ["data"],
}
EVENT_STREAM = {"description": "Server-Sent Events", "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}}}


def _sse(event: StoredEvent) -> bytes:
    """The event as an SSE frame. The hub hands one event to every stream it concerns, so the
    frame is encoded once, by the first. (Newlines in `id` and `event` are dropped by the encoder;
    `data` is JSON, which has none.)"""
    if event.frame is None:
        event.frame = ServerSentEvent(id=str(event.id), event=event.type, data=json.dumps(event.data)).encode()
    return event.frame


async def _events(
    services: Services, after: int, conversation_id: str | None, guard: tuple[str, Callable[[], Awaitable[bool]]] | None
) -> AsyncIterator[bytes]:
    """The stream's events. It ends when its credential dies (`guard`: the credential and how to
    re-check it), and lets go of a client that fell too far behind (it reconnects and replays)."""
    subscription = services.events.open(conversation_id)
    guarded = services.stream_guard.add(guard[0], guard[1], subscription) if guard else None
    try:
        async for event in services.events.stream(subscription, after):
            yield _sse(event)
    except StreamDropped as e:
        log.info("event stream ended: %s", e)
    finally:
        if guarded:
            services.stream_guard.remove(guarded)


def event_response(
    services: Services,
    after: int,
    conversation_id: str | None = None,
    guard: tuple[str, Callable[[], Awaitable[bool]]] | None = None,
) -> EventSourceResponse:
    """The events after `after`. With `guard` (a credential and its re-check), the stream ends as
    soon as the credential dies, so the client's reconnect meets the 401 it now deserves."""
    return EventSourceResponse(_events(services, after, conversation_id, guard), ping=PING_SECONDS, headers=HEADERS)
