"""A reply as an async stream: the draft's pieces while it is written, then the decided Reply.

`Assistant.reply` is synchronous (embedding and the provider's HTTP stream block), so it runs in
a worker thread; each piece crosses to the event loop through a queue, in order. The last item is
always the `Reply` — which may be a handoff whose text is not the draft that streamed: the caller
decides who sees the pieces before the confidence is known. When the provider failed after it had
written something (cut by the token limit, a stream cut or timed out halfway), the handoff keeps
what it had written as its `draft`, for the agent who takes over. A reply that waited for a free
thread longer than the model's timeout goes to a person at once (`_too_busy`): the timeout bounds
the customer's whole wait, not only the model's part of it.

    async for item in stream_reply(assistant, text, history, previous_confidence=p):
        if isinstance(item, Reply): ...  # final: confidence, sources, handoff
        else: ...                        # a piece of the draft, str
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace

from assistant.assistant import Assistant
from assistant.reply import HANDOFF_TEXT, Reply


@dataclass(frozen=True)
class _Done:
    reply: Reply | None = None
    error: BaseException | None = None


async def stream_reply(
    assistant: Assistant,
    question: str,
    history: Sequence[tuple[str, str]] = (),
    *,
    previous_confidence: float | None = None,
    executor: Executor | None = None,
) -> AsyncIterator[str | Reply]:
    """`executor`: the threads replies are made on (the loop's default pool if None, a handful of
    threads: a reply that waits seconds on an LLM endpoint holds one the whole time)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | _Done] = asyncio.Queue()
    written: list[str] = []  # on the worker thread only

    def on_delta(piece: str) -> None:
        written.append(piece)
        loop.call_soon_threadsafe(queue.put_nowait, piece)

    queued = time.monotonic()
    patience = getattr(assistant.provider, "timeout", None)

    def run() -> None:
        try:
            waited = time.monotonic() - queued
            if patience is not None and waited > patience:
                loop.call_soon_threadsafe(queue.put_nowait, _Done(reply=_too_busy(waited)))
                return
            reply = assistant.reply(question, history, previous_confidence=previous_confidence, on_delta=on_delta)
            loop.call_soon_threadsafe(queue.put_nowait, _Done(reply=_with_draft(reply, "".join(written).strip())))
        except BaseException as e:  # surfaced on the loop, in order after the pieces
            loop.call_soon_threadsafe(queue.put_nowait, _Done(error=e))

    worker = loop.run_in_executor(executor, run)
    try:
        while True:
            item = await queue.get()
            if isinstance(item, _Done):
                if item.error is not None:
                    raise item.error
                assert item.reply is not None
                yield item.reply
                return
            yield item
    finally:
        await asyncio.shield(worker)  # never leave the thread writing to a dead loop's queue


def _too_busy(waited: float) -> Reply:
    """A reply that waited longer for a free thread than the model may take to write it: every
    thread is held by a reply waiting on a slow endpoint. A person, now, beats a reply that would
    come only after the customer's wait and the model's own timeout both ran out."""
    return Reply(
        text=HANDOFF_TEXT["assistant_unavailable"], confidence=0.0, handoff=True, handoff_reason="assistant_unavailable",
        handoff_detail=f"busy: waited {waited:.1f}s for a free reply thread, longer than the model's timeout",
    )


def _with_draft(reply: Reply, written: str) -> Reply:
    """A handoff for a failed provider (which has no draft of its own) with what it had written."""
    if reply.handoff_reason == "assistant_unavailable" and reply.draft is None and written:
        return replace(reply, draft=written)
    return reply
