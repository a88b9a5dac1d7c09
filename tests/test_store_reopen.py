"""Reopening an embedded store (`VectorStore.reopen`, as a server does to see an editor's ingest)
is safe while another process writes it and while other threads read it.

Chroma loads an embedded store's index at its first read; loading it while another process wrote
it crashed the loading process (a segmentation fault, seen in 3 of 3 runs of a reader reopening in
a loop beside a writer). And a reopen stopped the Chroma system of the opening before the last,
whatever still read through it."""

from __future__ import annotations

import threading

import numpy as np

from knowledge import Chunk, VectorStore
from knowledge.writer_lock import file_lock


def store_at(tmp_path) -> VectorStore:
    store = VectorStore(chroma_url=None, chroma_path=tmp_path / "chroma", collection="reopen_test")
    chunk = Chunk(chunk_id="a#1-0", doc_id="a", title="A", url=None, text="alpha", content_hash="1", ordinal=0)
    store.upsert([chunk], np.eye(8, dtype=np.float32)[:1])
    return store


def test_a_reopen_waits_for_a_write_under_way_in_another_process(tmp_path):
    store = store_at(tmp_path)
    reopened = threading.Event()
    # the lock an ingest's write holds (an flock: another open file conflicts, as another process's would)
    with file_lock(tmp_path / "chroma-open.lock"):
        threading.Thread(target=lambda: (store.reopen(), reopened.set()), daemon=True).start()
        assert not reopened.wait(0.5), "the store was reopened while another process was writing it"
    assert reopened.wait(30)
    assert [h.chunk.chunk_id for h in store.query(np.eye(8, dtype=np.float32)[0], 1)] == ["a#1-0"]


def test_a_reopen_leaves_the_store_a_call_still_reads_through_running(tmp_path):
    store = store_at(tmp_path)
    with store._use() as reading:  # a search under way in another thread
        store.reopen()
        store.reopen()  # had stopped the system `reading` uses
        assert reading.chunks.count() == 1
        assert reading.retired is not None  # stopped when the call returns
    assert reading.retired is None
    assert store.count() == 1
