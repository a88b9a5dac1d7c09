"""Closing a knowledge base lets go of its embedded vector index, and only when no other open
knowledge base of the process reads the same store."""

from __future__ import annotations

import shutil
from pathlib import Path

from knowledge import KnowledgeBase

from .conftest import make_settings


def _systems() -> set[str]:
    from chromadb.api.shared_system_client import SharedSystemClient

    return set(SharedSystemClient._identifier_to_system)


def _copy(seeded_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(seeded_dir, target)
    return target


def test_a_closed_knowledge_base_leaves_no_index_in_the_process(seeded_dir, tmp_path, embedder):
    kb = KnowledgeBase(make_settings(_copy(seeded_dir, tmp_path)), embedder=embedder)
    assert kb.retriever.search("how do I cancel my plan", 3)
    assert str(kb.settings.chroma_path) in _systems()
    kb.close()
    assert str(kb.settings.chroma_path) not in _systems()
    kb.close()  # a second close does nothing


def test_a_second_knowledge_base_on_the_same_store_keeps_reading_after_the_first_closes(seeded_dir, tmp_path, embedder):
    settings = make_settings(_copy(seeded_dir, tmp_path))
    first, second = KnowledgeBase(settings, embedder=embedder), KnowledgeBase(settings, embedder=embedder)
    first.close()
    try:
        assert second.retriever.search("how do I reset my password", 3)
    finally:
        second.close()
    assert str(settings.chroma_path) not in _systems()


def test_a_closed_knowledge_base_used_again_opens_its_store_again(seeded_dir, tmp_path, embedder):
    """An app started twice on one KnowledgeBase (its shutdown closes it) answers the second time."""
    kb = KnowledgeBase(make_settings(_copy(seeded_dir, tmp_path)), embedder=embedder)
    kb.close()
    try:
        hits = kb.retriever.search("how do I turn on two-factor authentication", 3)
        assert "account/two-factor-authentication" in [h.chunk.doc_id for h in hits]
    finally:
        kb.close()
