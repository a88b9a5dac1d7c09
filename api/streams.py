"""Server-sent event responses over the stored event log."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import time
from collections.abc import Awaitable, Callable

from sse_starlette import ServerSentEvent
from sse_starlette.sse import AppStatus
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from api.event_hub import StreamDropped, Subscription
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


PING = b": ping\r\n\r\n"  # a comment: keeps proxies from closing an idle stream, and finds a dead client


class EventStream(Response):
    """An event stream's response: the events after `after`, live ones as they come and a ping
    after PING_SECONDS without one, until the stream ends (its credential died, the client fell
    too far behind, the worker stops) or the client goes. With `guard` (a credential and its
    re-check), the stream ends as soon as the credential dies, so the client's reconnect meets the
    401 it now deserves.

    One extra task per stream, which waits for the client to go; the ping is a timer on the
    stream's wait, and one task per worker ends every stream when the server stops
    (`end_streams_on_exit`). sse-starlette's EventSourceResponse ran a task group of four per
    stream (events, ping, disconnect, server exit): with the hub's asyncio.Queue, an idle stream
    took 55.6 KiB of the worker's memory, 29.3 KiB without (evals/sse_bench.py --hold 10000)."""

    media_type = "text/event-stream"

    def __init__(
        self,
        services: Services,
        after: int,
        conversation_id: str | None = None,
        guard: tuple[str, Callable[[], Awaitable[bool]]] | None = None,
        alive: Callable[[], Awaitable[None]] | None = None,
        most: int | None = None,
    ) -> None:
        self.services = services
        self.after = after
        self.conversation_id = conversation_id
        self.guard = guard
        self.alive = alive  # called when the stream opens and then at most every PING_SECONDS while it is open
        self.most = most  # streams of this conversation one worker keeps open; one more gets 429
        self.status_code = 200
        self.background = None
        self.init_headers({**HEADERS, "Connection": "keep-alive"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hub, guard = self.services.events, self.guard
        # counted and opened with no await between: a burst of requests cannot all pass the count
        if self.conversation_id and self.most is not None and hub.streams_of(self.conversation_id) >= self.most:
            detail = f"this conversation already has {self.most} event streams open; close some of its tabs"
            await JSONResponse({"detail": detail}, 429, {"Retry-After": "30"})(scope, receive, send)
            return
        subscription = hub.open(self.conversation_id)
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        guarded = self.services.stream_guard.add(guard[0], guard[1], subscription) if guard else None
        gone = asyncio.create_task(_end_when_client_goes(receive, subscription))
        try:
            async with contextlib.aclosing(hub.stream(subscription, self.after, idle=PING_SECONDS)) as events:
                last_alive = await self._still_alive()
                async for event in events:
                    await send({"type": "http.response.body", "body": PING if event is None else _sse(event), "more_body": True})
                    if time.monotonic() - last_alive >= PING_SECONDS:
                        last_alive = await self._still_alive()
        except StreamDropped as e:
            log.info("event stream ended: %s", e)
        finally:
            gone.cancel()
            if guarded:
                self.services.stream_guard.remove(guarded)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _still_alive(self) -> float:
        """Tell `alive` the stream is still open (a failure is logged: the stream goes on); returns when."""
        if self.alive is not None:
            try:
                await self.alive()
            except Exception:
                log.warning("an open stream could not be noted as alive", exc_info=True)
        return time.monotonic()


async def _end_when_client_goes(receive: Receive, subscription: Subscription) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    subscription.end()


def _server_exiting() -> bool:
    """uvicorn is stopping (SIGTERM, SIGINT): sse-starlette's AppStatus, which its import hooks
    into uvicorn's signal handler, or else the server that handler belongs to (uvicorn bound its
    handler before sse-starlette was imported)."""
    if AppStatus.should_exit:
        return True
    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    return bool(getattr(server, "should_exit", False))


async def end_streams_on_exit(services: Services, every: float = 0.5) -> None:
    """End this worker's event streams once its server starts to stop (and any opened after):
    uvicorn waits for open responses before it finishes, and an event stream never finishes by
    itself."""
    while True:
        if _server_exiting():
            services.events.end_streams()
        await asyncio.sleep(every)
