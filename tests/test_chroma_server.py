"""With SWITCHBOARD_CHROMA_URL set, the knowledge base lives in a real `chroma run` server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import build_assistant
from ingest import Chunker, sync
from knowledge import Embedder, KnowledgeBase, Settings

from knowledge.retrieval import LIVE_REBUILD_SECONDS

from .chroma_server import CHROMA, chroma_server
from .conftest import SAMPLE_KB, make_settings
from .test_assistant import ANSWERABLE, OFF_TOPIC


@pytest.fixture(scope="module")
def server_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    if not CHROMA.exists():
        pytest.fail(f"{CHROMA} is missing: chromadb ships the `chroma` command")
    root = tmp_path_factory.mktemp("chroma-server")
    with chroma_server(root / "chroma") as url:
        yield make_settings(root / "data", chroma_url=url)


@pytest.fixture(scope="module")
def server_kb(server_settings: Settings, embedder: Embedder) -> Iterator[KnowledgeBase]:
    kb = KnowledgeBase(server_settings, embedder=embedder)
    report = sync(kb, [SAMPLE_KB], chunker=Chunker(), max_doc_bytes=5_000_000)
    assert report.ok and len(report.added) >= 25
    yield kb
    kb.close()


def test_the_index_lives_in_the_server_not_on_local_disk(server_settings, server_kb):
    assert server_kb.store.count() == len(server_kb.catalog.all_chunk_ids()) > 0
    assert not server_settings.chroma_path.exists()


@pytest.mark.parametrize(("question", "doc_id"), ANSWERABLE)
def test_retrieval_through_the_server_finds_the_document_that_answers(server_kb, question, doc_id):
    assert doc_id in [h.chunk.doc_id for h in server_kb.retriever.search(question, 3)]


def test_assistant_answers_and_hands_off_through_the_server(server_settings, server_kb):
    assistant = build_assistant(server_settings, server_kb)
    assert not assistant.reply(ANSWERABLE[0][0]).handoff
    assert assistant.reply(OFF_TOPIC[0]).handoff


def test_resync_against_the_server_is_a_no_op(server_kb, tmp_path: Path):
    report = sync(server_kb, [SAMPLE_KB], chunker=Chunker(), max_doc_bytes=5_000_000)
    assert report.added == report.updated == report.removed == [] and len(report.unchanged) >= 25


def test_serve_finds_the_chroma_server_it_is_pointed_at(server_settings: Settings) -> None:
    from api.preflight import setup_problems

    assert setup_problems(server_settings) == []


def test_a_worker_searches_an_article_changed_by_an_ingest_elsewhere_with_its_new_words_at_once(
    server_settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    """A worker's BM25 index follows a Chroma server at the first search after a change (at most
    every LIVE_REBUILD_SECONDS while an ingest writes, not before every search): it had
    waited for the catalog to settle, as an embedded store must, fusing the new chunks' vectors
    with the old chunks' words (lexical 0.0), and handed off answerable questions meanwhile."""
    settings = make_settings(tmp_path / "data", chroma_url=server_settings.chroma_url, collection="changed_elsewhere")
    docs = tmp_path / "docs"
    docs.mkdir()
    article = docs / "locker.md"
    article.write_text("---\ntitle: Lockers\nverified: true\n---\n\nThe gym lockers open with a blue key.\n")
    editor, worker = KnowledgeBase(settings, embedder=embedder), KnowledgeBase(settings, embedder=embedder)
    try:
        assert sync(editor, [docs], chunker=Chunker(), max_doc_bytes=5_000_000).ok
        assert worker.retriever.search("lockers blue key", 1)[0].lexical > 0  # the worker has its index
        article.write_text("---\ntitle: Lockers\nverified: true\n---\n\nThe gym lockers open with a zorbic token.\n")
        assert sync(editor, [docs], chunker=Chunker(), max_doc_bytes=5_000_000).updated == ["locker"]
        time.sleep(LIVE_REBUILD_SECONDS)  # rebuilt at most this often while an ingest writes
        hit = worker.retriever.search("zorbic token", 1)[0]
        assert "zorbic" in hit.chunk.text and hit.lexical > 0  # its words, not only its vector
    finally:
        editor.close()
        worker.close()
