"""One guard per worker ends the event streams whose credential died: each distinct credential is
checked once however many streams it holds, at once when credentials change, and the streams of
other credentials go on."""

from __future__ import annotations

import asyncio
from pathlib import Path

from api.db import open_database
from api.event_hub import EventHub
from api.events import LocalNotifier
from api.stream_guard import StreamGuard


def test_a_dead_credential_ends_its_streams_at_once_and_no_other(tmp_path: Path):
    async def main() -> None:
        notifier = LocalNotifier()
        engine = await open_database(f"sqlite:///{tmp_path / 'guard.db'}")
        hub = EventHub(engine, notifier)
        await hub.start()
        guard = StreamGuard(notifier, recheck_seconds=3600)  # only a notification or a new stream wakes it
        await guard.start()
        alive = {"alice": True, "bob": True}
        asked: list[str] = []

        def checker(name: str):
            async def still_valid() -> bool:
                asked.append(name)
                return alive[name]
            return still_valid

        streams = {}
        for name, count in (("alice", 30), ("bob", 5)):
            for n in range(count):
                subscription = hub.open()
                guard.add(name, checker(name), subscription)
                streams[(name, n)] = subscription
        await asyncio.sleep(0.05)
        asked.clear()

        alive["alice"] = False  # revoked
        await notifier.credentials_changed()
        await asyncio.sleep(0.05)
        assert sorted(asked) == ["alice", "bob"]  # one check per credential, not per stream (35)
        assert all(s.ended for (name, _), s in streams.items() if name == "alice")
        assert not any(s.ended for (name, _), s in streams.items() if name == "bob")
        await guard.close()
        await hub.close()
        await engine.dispose()

    asyncio.run(main())
