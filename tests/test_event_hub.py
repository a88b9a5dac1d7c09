"""One event reader per worker: the hub reads each new event from the database once and hands it
to the streams it concerns; a stream replays what it missed, then joins the live feed with no gap
and no duplicate; a client that stops reading is let go without holding up anyone else."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from api.db import open_database
from api.event_hub import EventHub, StreamDropped
from api.events import LocalNotifier, StoredEvent, append_event
from api.streams import _sse


async def hub_on(tmp_path: Path, queue_size: int = 1000) -> EventHub:
    engine = await open_database(f"sqlite:///{tmp_path / 'events.db'}")
    hub = EventHub(engine, LocalNotifier(), queue_size=queue_size)
    await hub.start()
    return hub


async def emit(hub: EventHub, conversation_id: str, type_: str = "message.created", **data) -> int:
    async with hub.engine.begin() as conn:
        event_id = await append_event(conn, conversation_id, type_, data)
    await hub.notifier.publish()
    return event_id


async def take(stream, n: int, timeout: float = 5.0) -> list[StoredEvent]:
    async def collect() -> list[StoredEvent]:
        return [await anext(stream) for _ in range(n)]

    return await asyncio.wait_for(collect(), timeout)


async def settle(hub: EventHub, subscribers: int) -> None:
    while hub.subscribers < subscribers:
        await asyncio.sleep(0.01)


def test_one_database_read_per_new_event_however_many_streams_listen(tmp_path):
    async def main() -> None:
        hub = await hub_on(tmp_path)
        agents = [hub.subscribe(0) for _ in range(50)]
        customers_a = [hub.subscribe(0, "conv-a") for _ in range(25)]
        customers_b = [hub.subscribe(0, "conv-b") for _ in range(25)]
        readers = [asyncio.ensure_future(take(s, 1)) for s in agents + customers_a]
        quiet_b = [asyncio.ensure_future(take(s, 1, timeout=0.5)) for s in customers_b]
        await settle(hub, 100)
        reads_before = hub.reads

        event_id = await emit(hub, "conv-a", text="hello")

        got = await asyncio.gather(*readers)
        assert {batch[0].id for batch in got} == {event_id}  # every agent, and conv-a's customers
        assert hub.reads - reads_before <= 2  # not one read per stream (100)
        for waiting in quiet_b:  # conv-b's customers hear nothing of conv-a
            try:
                await waiting
                raise AssertionError("a customer stream got another conversation's event")
            except TimeoutError:
                pass
        await hub.close()
        await hub.engine.dispose()

    asyncio.run(main())


def test_a_customer_stream_gets_its_conversations_customer_events_only(tmp_path):
    async def main() -> None:
        hub = await hub_on(tmp_path)
        customer = hub.subscribe(0, "conv-a")
        first = asyncio.ensure_future(take(customer, 2))
        await settle(hub, 1)
        await emit(hub, "conv-a", "message.delta", delta="a draft nobody decided on")  # agents only
        await emit(hub, "conv-b", "message.created", text="someone else")
        shown = await emit(hub, "conv-a", "message.created", text="the reply")
        closed = await emit(hub, "conv-a", "conversation.closed")
        assert [e.id for e in await first] == [shown, closed]
        await hub.close()
        await hub.engine.dispose()

    asyncio.run(main())


def test_a_stream_replays_what_it_missed_then_goes_live_with_no_gap_and_no_duplicate(tmp_path):
    async def main() -> None:
        hub = await hub_on(tmp_path)
        before = [await emit(hub, "conv-a", n=n) for n in range(30)]
        stream = hub.subscribe(before[9])  # the client saw the first ten (Last-Event-ID)

        async def keep_writing() -> list[int]:
            return [await emit(hub, "conv-a", n=n) for n in range(30, 60)]

        writer = asyncio.ensure_future(keep_writing())  # events land while the stream replays
        got = [e.id for e in await take(stream, 50)]
        after = await writer
        assert got == before[10:] + after
        await hub.close()
        await hub.engine.dispose()

    asyncio.run(main())


def test_a_client_that_stops_reading_is_let_go_and_nobody_else_waits_for_it(tmp_path):
    async def main() -> None:
        hub = await hub_on(tmp_path, queue_size=5)
        slow, fast = hub.subscribe(0), hub.subscribe(0)
        first = asyncio.ensure_future(anext(slow))
        fast_reader = asyncio.ensure_future(take(fast, 20))
        await settle(hub, 2)
        ids = [await emit(hub, "conv-a", n=0)]
        seen = (await first).id  # then it stops reading, while 19 more arrive
        ids += [await emit(hub, "conv-a", n=n) for n in range(1, 20)]

        assert [e.id for e in await fast_reader] == ids  # the fast one got all of them, in time
        try:
            await take(slow, 19)
            raise AssertionError("a stream 19 events behind a queue of 5 was kept")
        except StreamDropped:
            pass
        assert hub.subscribers == 1
        # Its client reconnects from the last id it saw, and the database fills in the rest.
        again = hub.subscribe(seen)
        assert [e.id for e in await take(again, 19)] == ids[1:]
        await hub.close()
        await hub.engine.dispose()

    asyncio.run(main())


def test_an_sse_frame_carries_one_event_whatever_the_message_text_holds(tmp_path):
    text = "hi\n\nid: 999\nevent: conversation.closed\ndata: {}\r\n\r\n"
    event = StoredEvent(7, "conv-a", "message.created", {"conversation_id": "conv-a", "message": {"text": text}})
    frame = _sse(event).decode()
    blocks = [b for b in frame.replace("\r\n", "\n").split("\n\n") if b.strip()]
    assert len(blocks) == 1
    fields = [line.split(":", 1)[0] for line in blocks[0].splitlines()]
    assert fields == ["id", "event", "data"]
    data = json.loads(blocks[0].splitlines()[2].removeprefix("data: "))
    assert data["message"]["text"] == text
