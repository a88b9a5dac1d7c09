"""Two ingests of one knowledge base at once take turns: the second plans against what the first
left, so nothing is added twice, no run dies on the catalog's keys, and no chunk is swept away
while another run is writing it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from ingest import Chunker, sync
from knowledge import Embedder, KnowledgeBase

from .conftest import SAMPLE_KB, make_settings


class GatedEmbedder:
    """The real embedder, held at its first call until the test opens the gate."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.entered = threading.Event()
        self.gate = threading.Event()

    def embed(self, texts, show_progress: bool = False) -> np.ndarray:
        self.entered.set()
        assert self.gate.wait(30), "the test never opened the gate"
        return self.inner.embed(texts)

    def embed_queries(self, texts) -> np.ndarray:
        return self.inner.embed_queries(texts)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    for name, body in (("refunds", "Annual plans are refunded within 30 days."), ("hours", "Support is open 9 to 5.")):
        (root / f"{name}.md").write_text(f"---\ntitle: {name.title()}\nverified: true\n---\n{body}\n")
    return root


def _sync(kb: KnowledgeBase, docs: Path, **kw):
    return sync(kb, [docs], chunker=Chunker(), max_doc_bytes=100_000, **kw)


def _two_runs_at_once(first: KnowledgeBase, second: KnowledgeBase, gated: GatedEmbedder, docs: Path) -> list:
    results: dict[str, object] = {}
    waited = threading.Event()

    def run(name: str, kb: KnowledgeBase, **kw) -> None:
        try:
            results[name] = _sync(kb, docs, **kw)
        except BaseException as e:  # noqa: BLE001 - the test reports it
            results[name] = e

    one = threading.Thread(target=run, args=("first", first))
    one.start()
    assert gated.entered.wait(30)  # the first run has planned and is writing
    two = threading.Thread(target=run, args=("second", second), kwargs={"on_wait": waited.set})
    two.start()
    assert waited.wait(30), "the second run did not wait for the first"
    assert two.is_alive()
    gated.gate.set()
    one.join(60)
    two.join(60)
    return [results["first"], results["second"]]


def _assert_one_consistent_index(kb: KnowledgeBase, first, second) -> None:
    assert not isinstance(first, BaseException) and not isinstance(second, BaseException), (first, second)
    assert sorted(first.added) == ["hours", "refunds"]
    assert second.added == [] and sorted(second.unchanged) == ["hours", "refunds"]
    assert [d.version for d in kb.catalog.all()] == [1, 1]
    assert kb.store.ids() == kb.catalog.all_chunk_ids()  # nothing swept, nothing orphaned
    assert kb.retriever.search("when is support open", 1)[0].chunk.doc_id == "hours"


def _second_waits_for_first(settings, docs: Path, embedder: Embedder) -> None:
    gated = GatedEmbedder(embedder)
    first = KnowledgeBase(settings, embedder=gated)  # type: ignore[arg-type]
    second = KnowledgeBase(settings, embedder=embedder)
    try:
        _assert_one_consistent_index(second, *_two_runs_at_once(first, second, gated, docs))
    finally:
        first.close()
        second.close()


def test_a_second_ingest_waits_for_the_first_and_finds_its_work_done(tmp_path, docs, embedder: Embedder):
    _second_waits_for_first(make_settings(tmp_path / "data"), docs, embedder)


def test_on_postgresql_a_second_ingest_waits_too(tmp_path, docs, embedder: Embedder, pg_url: str):
    _second_waits_for_first(make_settings(tmp_path / "data", database_url=pg_url), docs, embedder)


def test_a_dry_run_does_not_wait(tmp_path, docs, embedder: Embedder):
    settings = make_settings(tmp_path / "data")
    holder = KnowledgeBase(settings, embedder=embedder)
    try:
        with holder.catalog.exclusive():
            report = _sync(holder, docs, dry_run=True)
        assert report.dry_run and sorted(report.added) == ["hours", "refunds"]
    finally:
        holder.close()


def test_two_editors_ingesting_the_sample_knowledge_base_at_once_both_succeed(tmp_path):
    env = {**os.environ, "SWITCHBOARD_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-c", "from api.cli import main; main()", "ingest", "--quiet", str(SAMPLE_KB)]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    summaries = sorted(out.strip().splitlines()[-1] for out, _ in outputs)
    documents = len(list(SAMPLE_KB.rglob("*.md")))
    assert summaries[0].startswith(f"added 0, updated 0, unchanged {documents}"), summaries
    assert summaries[1].startswith(f"added {documents}, updated 0, unchanged 0"), summaries
