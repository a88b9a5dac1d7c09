"""A `kill -9` at any moment of an ingest leaves the previous index answering; the next run finishes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest import Chunker, sync
from knowledge import Embedder, KnowledgeBase

from .conftest import make_settings

ITEMS = 12
EXTRA = 12
BATCH_CHUNKS = 1
# `switchboard ingest`, its batches cut from 256 chunks to BATCH_CHUNKS: a small corpus then takes
# many batches (each written on its own), so a kill lands mid-run without embedding a large corpus.
INGEST = [
    sys.executable, "-c",
    f"import sys, ingest.sync; sys.modules['ingest.sync'].BATCH_CHUNKS = {BATCH_CHUNKS}; from api.cli import main; main()",
    "ingest",
]


def page(title: str, body: str) -> str:
    return f"---\ntitle: {title}\nverified: true\n---\n{body}\n"


def write_corpus(root: Path, code: str) -> None:
    root.mkdir(exist_ok=True)
    for n in range(ITEMS):
        (root / f"item-{n}.md").write_text(page(f"Item {n}", f"The access code for locker {n} is {code}-{n}."))


def add_bulk(root: Path) -> None:
    for n in range(EXTRA):
        filler = " ".join(f"Paragraph {p} of bulk page {n} talks about shipping, storage and returns." for p in range(3))
        (root / f"bulk-{n}.md").write_text(page(f"Bulk {n}", filler))


def versions_recorded(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("select count(*) from kb_document_versions").fetchone()[0]
    except sqlite3.Error:
        return 0


def assert_index_answers(kb: KnowledgeBase) -> None:
    """Every locker's code is found, from exactly the version the catalog says is indexed."""
    for n in range(ITEMS):
        hit = kb.retriever.search(f"access code for locker {n}", 1)[0]
        indexed = kb.catalog.get(f"item-{n}")
        assert hit.chunk.doc_id == f"item-{n}", n
        assert hit.chunk.content_hash == indexed.content_hash
        expected = kb.catalog.versions(f"item-{n}")[indexed.version - 1].text
        assert hit.chunk.text in expected


@pytest.mark.parametrize("moment", ["before anything is written", "after the first batch"])
def test_kill_9_mid_ingest_leaves_the_previous_index_answering(tmp_path, embedder: Embedder, moment):
    docs, data = tmp_path / "docs", tmp_path / "data"
    write_corpus(docs, "alpha")
    settings = make_settings(data)
    kb = KnowledgeBase(settings, embedder=embedder)
    sync(kb, [docs], chunker=Chunker(), max_doc_bytes=1_000_000)
    kb.close()
    baseline = versions_recorded(data / "switchboard.db")

    write_corpus(docs, "beta")
    add_bulk(docs)
    env = {**os.environ, "SWITCHBOARD_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([*INGEST, "--quiet", str(docs)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    if moment == "before anything is written":
        time.sleep(1.5)
        assert versions_recorded(data / "switchboard.db") == baseline
    else:
        wanted = baseline + 1
        while versions_recorded(data / "switchboard.db") < wanted:
            assert proc.poll() is None, "ingest finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL  # killed mid-run, not finished

    kb = KnowledgeBase(settings, embedder=embedder)
    try:
        assert_index_answers(kb)
        report = sync(kb, [docs], chunker=Chunker(), max_doc_bytes=1_000_000)
        assert report.ok and kb.catalog.count() == ITEMS + EXTRA
        assert kb.store.ids() == kb.catalog.all_chunk_ids()
        assert_index_answers(kb)
        assert all("beta" in kb.retriever.search(f"access code for locker {n}", 1)[0].chunk.text for n in range(ITEMS))
    finally:
        kb.close()
