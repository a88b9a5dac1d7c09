"""A running server serves what an editor's ingest (another process) wrote as soon as it is
committed, with the embedded Chroma store too. Embedded Chroma keeps its search index in memory as
the process opened it: the server used to drop every changed article until it restarted (the old
chunks were deleted, the new ones could not be found), so a customer asking about one was handed off."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from knowledge import KnowledgeBase, retrieval

from .conftest import make_settings

SWITCHBOARD = str(Path(sys.executable).parent / "switchboard")


def article(days: int) -> str:
    return f"---\ntitle: Returns\nverified: true\n---\n## Returning a widget\n\nYou can return a widget within {days} days of delivery.\n"


def ingest(settings, docs: Path, *options: str) -> None:
    env = {**os.environ, "SWITCHBOARD_DATA_DIR": str(settings.data_dir), "HF_HUB_OFFLINE": "1"}
    subprocess.run([SWITCHBOARD, "ingest", "--quiet", *options, str(docs)], env=env, check=True, capture_output=True)


def test_an_article_changed_by_another_process_is_answered_from_its_new_version_once_the_catalog_settles(
    tmp_path, embedder, monkeypatch
):
    monkeypatch.setattr(retrieval, "SETTLE_SECONDS", 0.5)
    settings = make_settings(tmp_path / "data")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "returns.md").write_text(article(30))
    (docs / "care.md").write_text("---\ntitle: Care\nverified: true\n---\nClean the widget with a dry cloth once a month.\n")
    ingest(settings, docs)

    serving = KnowledgeBase(settings, embedder=embedder)  # the server: opened once, kept open
    try:
        question = "how many days do I have to return a widget?"
        assert "30 days" in serving.retriever.search(question, 1)[0].chunk.text

        (docs / "returns.md").write_text(article(60))
        ingest(settings, docs)  # another process: the editor's

        # at once: the old chunks are gone, so the server opens the store afresh without waiting
        # for the catalog to settle (tests/test_ingest_switch_while_serving.py)
        top = serving.retriever.search(question, 1)[0]
        assert top.chunk.doc_id == "returns" and "60 days" in top.chunk.text

        (docs / "care.md").unlink()  # removed by another process: no longer found
        ingest(settings, docs, "--allow-mass-delete")  # 1 of 2 documents
        serving.retriever.search("clean the widget", 1)
        time.sleep(0.6)
        assert [h.chunk.doc_id for h in serving.retriever.search("clean the widget with a cloth", 2)] == ["returns"]
    finally:
        serving.close()


def test_a_server_that_ingested_at_start_still_sees_the_next_ingest_of_another_process(tmp_path, embedder, monkeypatch):
    """`switchboard demo` ingests the sample before it serves: that write of its own had been
    taken for the cause of the next change, another process's, which it then never reopened for."""
    from ingest import Chunker, sync

    monkeypatch.setattr(retrieval, "SETTLE_SECONDS", 0.5)
    settings = make_settings(tmp_path / "data")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "returns.md").write_text(article(30))
    serving = KnowledgeBase(settings, embedder=embedder)
    try:
        sync(serving, [docs], chunker=Chunker(), max_doc_bytes=100_000)  # the demo's own ingest at start
        question = "how many days do I have to return a widget?"
        assert "30 days" in serving.retriever.search(question, 1)[0].chunk.text

        (docs / "returns.md").write_text(article(60))
        ingest(settings, docs)  # the editor's, in another process
        serving.retriever.search(question, 1)
        time.sleep(0.6)
        assert "60 days" in serving.retriever.search(question, 1)[0].chunk.text
    finally:
        serving.close()


def test_the_first_question_after_an_ingest_that_ended_a_moment_ago_reads_what_it_wrote(tmp_path, embedder, monkeypatch):
    """The wait for the catalog to settle started when a question first noticed the change, not
    when the ingest wrote: the first question after every ingest read the old store, missed the
    changed article and went to a person."""
    monkeypatch.setattr(retrieval, "SETTLE_SECONDS", 0.5)
    settings = make_settings(tmp_path / "data")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "returns.md").write_text(article(30))
    ingest(settings, docs)
    serving = KnowledgeBase(settings, embedder=embedder)
    try:
        question = "how many days do I have to return a widget?"
        assert "30 days" in serving.retriever.search(question, 1)[0].chunk.text
        (docs / "returns.md").write_text(article(60))
        ingest(settings, docs)
        time.sleep(0.6)  # the ingest ended, and nobody asked meanwhile
        assert "60 days" in serving.retriever.search(question, 1)[0].chunk.text
    finally:
        serving.close()
