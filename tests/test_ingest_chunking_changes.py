"""A change of chunking re-indexes unchanged documents: a new SWITCHBOARD_CHUNK_SIZE had reached
only the documents edited after it, since a content hash covers the document, not how it is cut.

Each document is recorded with its recipe (`Chunker.recipe`: chunker version, size, overlap); one
indexed with another recipe is cut and embedded again, once, and the run says so. Killed mid-way,
a run leaves every document at the cut its catalog entry names, or at none (cut again next run).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner

from api.cli import main
from ingest import Chunker, sync
from ingest.sync import read_sources
from knowledge import Document, KnowledgeBase
from knowledge import catalog as kb_catalog
from knowledge.units import split_units

from .conftest import make_settings
from .test_ingest import counting, doc, fresh_kb  # noqa: F401 (fixtures)

SMALL = Chunker(300)  # SWITCHBOARD_CHUNK_SIZE=300
IDS = ["returns", "shipping", "warranty"]
FACTS = {
    "shipping": "Parcels to {place} take {n} working days, and tracking starts once the courier scans them.",
    "returns": "Items bought in {place} may be returned within {n} days if they are unused and in their box.",
    "warranty": "Devices sold in {place} carry a {n} month warranty that covers parts and the repair itself.",
}
PLACES = ["Iceland", "Norway", "Portugal", "Japan", "Chile", "Kenya", "Canada"]


def article(fact: str) -> str:
    """Seven paragraphs of about 180 characters: two chunks at the default size, seven at 300."""
    paragraphs = [f"{fact.format(place=p, n=3 + i)} " * 2 for i, p in enumerate(PLACES)]
    return "## Details\n\n" + "\n\n".join(p.strip() for p in paragraphs)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    for doc_id, fact in FACTS.items():
        (root / f"{doc_id}.md").write_text(doc(doc_id.title(), article(fact)))
    return root


def run(kb: KnowledgeBase, docs: Path, chunker: Chunker | None = None, **kw):
    return sync(kb, [docs], chunker=chunker or Chunker(), max_doc_bytes=100_000, **kw)


def documents_of(docs: Path) -> dict[str, Document]:
    sources = read_sources([docs], max_doc_bytes=100_000, include_unverified=False)
    return {d.doc_id: d for s in sources for d in s.documents}


def assert_index_is_the_cut_the_catalog_names(kb: KnowledgeBase, docs: Path) -> None:
    """Every indexed chunk is in the store; a document whose recipe is known holds exactly the
    chunks that recipe makes of it; every chunk's stored units are its own sentences, all of them."""
    chunkers = {c.recipe: c for c in (Chunker(), SMALL)}
    documents = documents_of(docs)
    for indexed in kb.catalog.all():
        chunks = kb.store.get(list(indexed.chunk_ids))
        assert [c.chunk_id for c in chunks] == list(indexed.chunk_ids), indexed.doc_id
        if indexed.recipe is not None:
            cut = chunkers[indexed.recipe].split(documents[indexed.doc_id])
            assert [c.text for c in chunks] == [c.text for c in cut], indexed.doc_id
    stored = kb.store.get(sorted(kb.store.ids()))
    # read by chunk id alone (not by the chunk's unit count): leftover units would show too
    for chunk_id, (texts, _) in kb.store.units([replace(c, units=None) for c in stored]).items():
        chunk = next(c for c in stored if c.chunk_id == chunk_id)
        assert texts == split_units(chunk.text), chunk_id


def test_a_new_chunk_size_re_indexes_every_unchanged_document_once(fresh_kb, docs, counting):
    run(fresh_kb, docs)
    before = {d.doc_id: d for d in fresh_kb.catalog.all()}
    generation = fresh_kb.catalog.generation()

    report = run(fresh_kb, docs, SMALL)
    assert sorted(report.reindexed) == IDS
    assert report.added == report.updated == report.unchanged == report.removed == []
    assert report.summary() == (
        "added 0, updated 0, unchanged 0, removed 0, refused 0; "
        "re-indexed 3 unchanged documents: chunking changed (chunk size 1000 → 300)"
    )
    for indexed in fresh_kb.catalog.all():
        old = before[indexed.doc_id]
        assert indexed.recipe == SMALL.recipe and len(indexed.chunk_ids) > len(old.chunk_ids)
        assert indexed.version == old.version  # the same content: no new version
        assert len(fresh_kb.catalog.versions(indexed.doc_id)) == 1
        new_texts = [c.text for c in fresh_kb.store.get(list(indexed.chunk_ids))]
        old_texts = [c.text for c in Chunker().split(documents_of(docs)[indexed.doc_id])]
        assert max(map(len, new_texts)) <= 300 < max(map(len, old_texts))
    assert_index_is_the_cut_the_catalog_names(fresh_kb, docs)
    assert fresh_kb.store.ids() == fresh_kb.catalog.all_chunk_ids()
    assert fresh_kb.catalog.generation() != generation  # a running server sees the change and reads the new chunks
    assert len(fresh_kb.retriever.search("how long do parcels to Japan take", 1)[0].chunk.text) <= 300

    embedded = counting.texts
    again = run(fresh_kb, docs, SMALL)
    assert sorted(again.unchanged) == IDS and again.reindexed == [] and counting.texts == embedded
    assert "re-indexed" not in again.summary()


def test_a_dry_run_says_which_documents_a_new_chunk_size_would_re_index_and_writes_nothing(fresh_kb, docs, counting):
    run(fresh_kb, docs)
    before = (fresh_kb.catalog.all(), fresh_kb.store.ids(), counting.texts)
    report = run(fresh_kb, docs, SMALL, dry_run=True)
    assert sorted(report.reindexed) == IDS and report.unchanged == []
    assert report.summary() == (
        "dry run, nothing written: would have added 0, updated 0, unchanged 0, removed 0, refused 0; "
        "would re-index 3 unchanged documents: chunking changed (chunk size 1000 → 300)"
    )
    assert report.chunks_written == 21 and report.chunks_removed == 6
    assert (fresh_kb.catalog.all(), fresh_kb.store.ids(), counting.texts) == before


def test_the_cli_names_the_documents_a_changed_chunk_size_re_indexes(tmp_path, docs):
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path / "cli-data")}
    small = {**env, "SWITCHBOARD_CHUNK_SIZE": "300"}
    cli = CliRunner()
    assert cli.invoke(main, ["ingest", "--quiet", str(docs)], env=env).exit_code == 0
    why = "3 unchanged documents: chunking changed (chunk size 1000 → 300)"

    dry = cli.invoke(main, ["ingest", "--dry-run", str(docs)], env=small)
    assert dry.exit_code == 0 and "would re-index: shipping" in dry.stdout and f"would re-index {why}" in dry.stdout

    real = cli.invoke(main, ["ingest", str(docs)], env=small)
    assert real.exit_code == 0
    assert "re-indexed: returns, shipping, warranty\n" in real.stdout
    assert f"; re-indexed {why} (21 chunks embedded in" in real.stdout

    again = cli.invoke(main, ["ingest", "--quiet", str(docs)], env=small)
    assert "unchanged 3" in again.stdout and "re-index" not in again.stdout


def back_to_revision(kb: KnowledgeBase, revision: str) -> None:
    """The catalog as the release before this revision left it (Alembic's own downgrade)."""
    with kb.catalog.engine.begin() as conn:
        command.downgrade(kb_catalog.SCHEMA.config(conn), revision)


def test_a_catalog_from_the_previous_revision_re_indexes_nothing_at_the_default_settings(tmp_path, docs, counting):
    """Rows from before the recipe was recorded are taken as cut at the default settings (what the
    chunker made then and makes now; revision 0003 says why), not as unknown: an upgrade
    re-embeds nothing. (When CHUNKING_VERSION is bumped, every document is re-indexed once.)"""
    settings = make_settings(tmp_path / "data")
    kb = KnowledgeBase(settings, embedder=counting)  # type: ignore[arg-type]
    run(kb, docs)
    back_to_revision(kb, "0002")
    kb.close()
    engine = sa.create_engine(kb_catalog.sync_url(settings.resolved_database_url))
    assert "chunk_recipe" not in {c["name"] for c in sa.inspect(engine).get_columns("kb_documents")}
    engine.dispose()

    kb = KnowledgeBase(settings, embedder=counting)  # type: ignore[arg-type]  # upgraded as it opens
    try:
        assert {d.recipe for d in kb.catalog.all()} == {Chunker().recipe}
        embedded = counting.texts
        report = run(kb, docs)
        assert sorted(report.unchanged) == IDS and report.reindexed == [] and counting.texts == embedded
        # an editor who runs other settings gets every document cut at them, once
        assert sorted(run(kb, docs, SMALL).reindexed) == IDS
        assert_index_is_the_cut_the_catalog_names(kb, docs)
    finally:
        kb.close()


@pytest.mark.parametrize("moment", ["before its chunks are written", "after its chunks are written"])
def test_a_re_index_stopped_mid_way_leaves_every_document_at_the_cut_its_catalog_names(
    fresh_kb, docs, moment, monkeypatch
):
    """Killed between writing a re-cut document's chunks (over its old ones, at the same ids) and
    recording it: the catalog no longer claims the old cut, its units describe its text, and a
    next run at either size, even the old one again, leaves each document whole."""
    monkeypatch.setattr(sys.modules["ingest.sync"], "BATCH_CHUNKS", 1)  # one document per batch
    run(fresh_kb, docs)
    upsert = fresh_kb.store.upsert
    calls = []

    def stopping(chunks, vectors):
        calls.append(len(chunks))
        if len(calls) == 2 and moment == "before its chunks are written":
            raise RuntimeError("stopped mid-run")
        upsert(chunks, vectors)
        if len(calls) == 2:
            raise RuntimeError("stopped mid-run")

    monkeypatch.setattr(fresh_kb.store, "upsert", stopping)
    with pytest.raises(RuntimeError, match="stopped mid-run"):
        run(fresh_kb, docs, SMALL)
    monkeypatch.setattr(fresh_kb.store, "upsert", upsert)
    recipes = sorted(str(d.recipe) for d in fresh_kb.catalog.all())
    assert recipes == sorted([SMALL.recipe, "None", Chunker().recipe])  # done, being re-cut, not reached
    assert_index_is_the_cut_the_catalog_names(fresh_kb, docs)

    not_at_the_old_size = sorted(d.doc_id for d in fresh_kb.catalog.all() if d.recipe != Chunker().recipe)
    back = run(fresh_kb, docs)  # the editor goes back to the old size
    assert sorted(back.reindexed) == not_at_the_old_size and len(back.unchanged) == 1
    assert back.summary().endswith(
        "re-indexed 2 unchanged documents: chunking changed (chunk size 300 → 1000); "
        "chunking not recorded (as a run interrupted while re-indexing leaves it)"
    )
    assert_index_is_the_cut_the_catalog_names(fresh_kb, docs)
    assert {d.recipe for d in fresh_kb.catalog.all()} == {Chunker().recipe}
    assert fresh_kb.store.ids() == fresh_kb.catalog.all_chunk_ids()
    assert sorted(run(fresh_kb, docs, SMALL).reindexed) == IDS
    assert_index_is_the_cut_the_catalog_names(fresh_kb, docs)
    assert fresh_kb.store.ids() == fresh_kb.catalog.all_chunk_ids()
    assert sorted(run(fresh_kb, docs, SMALL).unchanged) == IDS
