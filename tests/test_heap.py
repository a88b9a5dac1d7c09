"""A serving worker keeps the garbage collector out of the way of live events (api/heap.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.heap import YOUNG_GENERATION, settle_worker_heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def _tracked(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects())


def test_what_is_alive_after_start_up_is_left_out_of_later_collections(restored_collector) -> None:
    before = [object()]
    assert settle_worker_heap() > 0
    after = [object()]
    assert not _tracked(before)  # frozen: no collection walks it again
    assert _tracked(after)  # made later: collected as usual


def test_a_fan_out_to_a_thousand_streams_fits_in_the_young_generation(restored_collector) -> None:
    settle_worker_heap()
    collections: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.collect(0)
    gc.callbacks.append(seen)
    try:
        in_flight = [[object()] for _ in range(4_700)]  # a handoff's fan-out to 1,000 agent streams
    finally:
        gc.callbacks.remove(seen)
    assert len(in_flight) == 4_700 and collections == []  # no collection ran while they were alive
    assert gc.get_threshold()[0] == YOUNG_GENERATION


def test_a_serving_worker_settles_its_heap_once_started(settings, kb, restored_collector) -> None:
    with TestClient(create_app(settings, kb, freeze_heap=True)) as client:
        assert gc.get_freeze_count() > 0
        assert client.get("/healthz").status_code == 200


def test_an_app_inside_another_process_leaves_the_collector_alone(settings, kb) -> None:
    threshold = gc.get_threshold()
    with TestClient(create_app(settings, kb)):
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == threshold
