"""Server-sent event responses over the stored event log."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from sse_starlette import EventSourceResponse, ServerSentEvent

from api.events import subscribe
from api.services import Services

PING_SECONDS = 15


def event_response(services: Services, after: int, conversation_id: str | None = None) -> EventSourceResponse:
    async def stream() -> AsyncIterator[ServerSentEvent]:
        async for event in subscribe(services.engine, services.notifier, after, conversation_id):
            yield ServerSentEvent(id=str(event.id), event=event.type, data=json.dumps(event.data))

    return EventSourceResponse(
        stream(), ping=PING_SECONDS, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
