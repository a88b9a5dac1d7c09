"""A server started before an editor's ingest finds the ingested articles at its first search.

The embedded vector store, opened at start-up, does not see what another process writes later.
The first search took its view of the catalog as it was then (the new articles in it) without
reopening the store: the new articles were never found (the store failed to read their chunks),
until some later ingest changed the catalog again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from knowledge import KnowledgeBase

SWITCHBOARD = str(Path(sys.executable).parent / "switchboard")


def _article(folder: Path, name: str, body: str) -> None:
    (folder / f"{name}.md").write_text(f"---\ntitle: {name.title()}\nverified: true\n---\n\n{body}\n")


def _ingest(settings, folder: Path) -> None:
    env = {**os.environ, "SWITCHBOARD_DATA_DIR": str(settings.data_dir), "HF_HUB_OFFLINE": "1"}
    subprocess.run([SWITCHBOARD, "ingest", "--quiet", str(folder)], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_an_article_ingested_by_another_process_before_the_first_search_is_found(settings, embedder, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    _article(docs, "alpha", "Alpha plans cost twelve dollars a month for small teams.")
    _article(docs, "beta", "Beta exports run every night at midnight for every account.")
    _ingest(settings, docs)
    kb = KnowledgeBase(settings, embedder=embedder)  # the server starts
    try:
        assert kb.store.count() > 0  # its store is open
        _article(docs, "gamma", "Zebra unicorn refunds are paid within nine days of the request.")
        _ingest(settings, docs)  # an editor adds an article before any customer asks
        hits = kb.retriever.search("when are zebra unicorn refunds paid?", 2)
        assert hits and hits[0].chunk.doc_id == "gamma"
    finally:
        kb.close()
