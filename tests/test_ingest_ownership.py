"""Which documents a run speaks for, and what each file is named: found by a QA pass as an editor.

A new export folder never removed the articles deleted from it (their old folder was gone, and no
run owned them any more: they answered customers for ever). A `kb/current` link switched to a new
release had every document refused ("is the indexed article from …/r1/refunds.md, which still
exists"), so an edit went live only once the old release was deleted, and a document deleted in
the new release was never removed. And a file's id depended on how it was first ingested:
`ingest hc/billing/faq.md` made it `faq` for good, which then refused `hc/shipping/faq.md`, and
`ingest hc/` after that held `faq` beside `shipping/faq`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from ingest import MassDeleteRefused
from knowledge import Catalog, KnowledgeBase
from knowledge import catalog as kb_catalog
from knowledge.schema import upgrade

from .test_ingest import counting, doc, fresh_kb, run  # noqa: F401 (fixtures)

ARTICLES = {
    "refunds": "Annual plans are refunded within 30 days of purchase.",
    "customs": "Customs duties on parcels abroad are paid by the customer.",
    "shipping": "Parcels leave the warehouse within two working days.",
    "invoices": "Invoices are under Settings, then Billing.",
    "passwords": "Click 'Forgot password' on the sign-in page.",
}


def write_folder(root: Path, articles: dict[str, str] = ARTICLES) -> Path:
    root.mkdir(parents=True)
    for name, text in articles.items():
        (root / f"{name}.md").write_text(doc(name.title(), text))
    return root


# ----- 1a. a new export folder is the truth for what the old one held ----------------------


def test_a_new_export_folder_removes_the_articles_deleted_from_it(fresh_kb, tmp_path):
    old = write_folder(tmp_path / "exp" / "export-2026-12-01")
    run(fresh_kb, old)
    customs = fresh_kb.catalog.get("customs")
    new = tmp_path / "exp" / "export-2026-12-02"
    shutil.copytree(old, new)
    (new / "customs.md").unlink()
    shutil.rmtree(old)

    report = run(fresh_kb, new)
    assert report.ok and report.removed == ["customs"] and report.added == report.updated == []
    assert sorted(report.unchanged) == ["invoices", "passwords", "refunds", "shipping"]
    assert fresh_kb.catalog.get("customs") is None and not set(customs.chunk_ids) & fresh_kb.store.ids()
    assert fresh_kb.catalog.get("refunds").path == str((new / "refunds.md").resolve())
    assert "its file is gone" in fresh_kb.catalog.removal("customs").why
    assert run(fresh_kb, new).removed == []


def test_documents_whose_files_are_gone_are_removed_by_any_run_within_the_mass_delete_guard(fresh_kb, tmp_path):
    docs = write_folder(tmp_path / "docs")
    run(fresh_kb, docs)
    for name in ("customs", "shipping"):
        (docs / f"{name}.md").unlink()
    other = write_folder(tmp_path / "other", {"hours": "The office opens at nine."})
    with pytest.raises(MassDeleteRefused, match="remove 2 of the 5"):
        run(fresh_kb, other)
    assert fresh_kb.catalog.count() == 5  # nothing changed
    report = run(fresh_kb, other, allow_mass_delete=True)
    assert report.added == ["hours"] and sorted(report.removed) == ["customs", "shipping"]


def test_an_export_folder_beside_the_old_one_still_there_is_refused_the_old_ones_ids(fresh_kb, tmp_path):
    """Two live files claiming one id: the refusal that protects the indexed article stays."""
    old = write_folder(tmp_path / "exp" / "export-2026-12-01")
    run(fresh_kb, old)
    new = tmp_path / "exp" / "export-2026-12-02"
    shutil.copytree(old, new)
    report = run(fresh_kb, new)
    assert len(report.refused) == 5 and all("which still exists" in r.reason for r in report.refused)
    assert report.removed == [] and fresh_kb.catalog.get("refunds").path == str((old / "refunds.md").resolve())


# ----- 1b. a link switched to a new release -----------------------------------------------------


@pytest.fixture
def releases(tmp_path: Path) -> Path:
    """rel/r1, and rel/r2: the same articles, refunds edited, customs deleted; rel/current -> r1."""
    rel = tmp_path / "rel"
    write_folder(rel / "r1")
    write_folder(rel / "r2", {**ARTICLES, "refunds": "Annual plans are refunded within 14 days."})
    (rel / "r2" / "customs.md").unlink()
    (rel / "current").symlink_to("r1", target_is_directory=True)
    return rel


def switch(link: Path, release: str) -> None:
    link.unlink()
    link.symlink_to(release, target_is_directory=True)


def test_a_link_switched_to_a_new_release_updates_and_removes_and_the_old_release_stays_for_rollback(fresh_kb, releases):
    current = releases / "current"
    run(fresh_kb, current)
    switch(current, "r2")

    report = run(fresh_kb, current)
    assert report.ok, report.refused
    assert report.updated == ["refunds"] and report.removed == ["customs"]
    assert "14 days" in fresh_kb.catalog.versions("refunds")[-1].text
    assert {Path(d.path).parent.name for d in fresh_kb.catalog.all()} == {"r2"}
    assert "no longer in" in fresh_kb.catalog.removal("customs").why

    switch(current, "r1")  # roll back: r1 was kept for that
    report = run(fresh_kb, current)
    assert report.ok and report.updated == ["refunds"] and report.added == ["customs"]
    assert "30 days" in fresh_kb.catalog.versions("refunds")[-1].text
    assert fresh_kb.catalog.get("refunds").version == 3 and fresh_kb.catalog.removal("customs") is None


def test_a_release_ingested_by_its_own_path_cannot_take_over_the_one_the_link_serves(fresh_kb, releases):
    """Through the link the run speaks for the release it points to; another path to another live
    release is two files claiming one id."""
    run(fresh_kb, releases / "current")
    report = run(fresh_kb, releases / "r2")
    assert {r.doc_id for r in report.refused} == {"refunds", "shipping", "invoices", "passwords"}
    assert all(f"(indexed through {releases / 'current'})" in r.reason for r in report.refused)
    assert report.removed == [] and fresh_kb.catalog.get("refunds").version == 1


def test_a_file_of_the_same_folder_cannot_take_over_an_id_whose_file_that_folder_still_holds(fresh_kb, tmp_path):
    docs = write_folder(tmp_path / "docs")
    run(fresh_kb, docs)
    (docs / "clash.md").write_text(doc("Mars", "Refunds take 900 days.", id="refunds"))
    report = run(fresh_kb, docs / "clash.md")
    [refusal] = report.refused
    assert "which still exists" in refusal.reason and fresh_kb.catalog.get("refunds").version == 1


# ----- 2. one file, one id, whichever way it is reached ----------------------------------------


@pytest.fixture
def hc(tmp_path: Path) -> Path:
    root = tmp_path / "hc"
    write_folder(root / "billing", {"faq": "Invoices are sent on the first of the month."})
    write_folder(root / "shipping", {"faq": "Parcels to Iceland take nine days."})
    return root


def test_a_file_is_named_by_its_path_below_the_folder_ingested_however_it_is_reached(fresh_kb, hc):
    assert sorted(run(fresh_kb, hc).added) == ["billing/faq", "shipping/faq"]
    (hc / "billing" / "faq.md").write_text(doc("Faq", "Invoices are sent on the second of the month."))
    report = run(fresh_kb, hc / "billing" / "faq.md")
    assert report.ok and report.updated == ["billing/faq"] and report.added == report.removed == []
    assert run(fresh_kb, hc / "shipping").unchanged == ["shipping/faq"]
    assert [d.doc_id for d in fresh_kb.catalog.all()] == ["billing/faq", "shipping/faq"]


def test_a_file_given_alone_in_no_folder_ingested_is_refused_with_what_to_do(fresh_kb, hc):
    report = run(fresh_kb, hc / "billing" / "faq.md")
    [refusal] = report.refused
    assert report.added == [] and fresh_kb.catalog.count() == 0
    assert "Ingest the folder it belongs to" in refusal.reason and "'id'" in refusal.reason

    report = run(fresh_kb, hc)  # then each is named by its path below it, as any later run names it
    assert report.ok and sorted(report.added) == ["billing/faq", "shipping/faq"]

    (hc.parent / "note.md").write_text(doc("Note", "A note with an id of its own.", id="notes/one"))
    assert run(fresh_kb, hc.parent / "note.md").added == ["notes/one"]


def test_an_article_indexed_under_its_file_name_alone_is_renamed_by_its_folder(fresh_kb, hc):
    """A knowledge base from before: `faq` was made by `ingest hc/billing/faq.md`. Given alone again,
    it keeps that id; its folder ingested names it by its path, and `kb show faq` says where it went."""
    (hc / "billing" / "faq.md").write_text(doc("Faq", "Invoices are sent on the first of the month.", id="faq"))
    run(fresh_kb, hc / "billing" / "faq.md")
    (hc / "billing" / "faq.md").write_text(doc("Faq", "Invoices are sent on the first of the month."))
    with fresh_kb.catalog.engine.begin() as conn:  # as it was indexed before sources were recorded
        conn.execute(kb_catalog.documents.update().values(source=None))

    assert run(fresh_kb, hc / "billing" / "faq.md").unchanged == ["faq"]
    report = run(fresh_kb, hc, allow_mass_delete=True)
    assert sorted(report.added) == ["billing/faq", "shipping/faq"] and report.removed == ["faq"]
    assert fresh_kb.catalog.removal("faq").why == "its file is indexed as 'billing/faq' now"


def test_a_catalog_from_before_gets_the_folder_each_file_named_by_its_path_was_read_from(tmp_path):
    """Inferred, and marked so: a JSONL record belongs to its file, even one named as the record."""
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        upgrade(conn, kb_catalog.SCHEMA, target="0003")
        now = sa.func.current_timestamp()
        rows = [
            ("billing/refunds", "/kb/billing/refunds.md"), ("own-id", "/kb/x.md"), ("faq/1", "/e/kb.jsonl"),
            ("faq", "/e/faq.jsonl"),
        ]
        for doc_id, path in rows:
            conn.execute(sa.text(
                "INSERT INTO kb_documents (doc_id, path, title, content_hash, version, chunk_ids, updated_at) "
                "VALUES (:d, :p, 't', 'h', 1, '[]', :now)"
            ), {"d": doc_id, "p": path, "now": conn.execute(sa.select(now)).scalar_one()})
    engine.dispose()
    catalog = Catalog(url)
    try:
        assert {d.doc_id: (d.source, d.source_inferred) for d in catalog.all()} == {
            "billing/refunds": ("/kb", True), "own-id": (None, False), "faq/1": ("/e/kb.jsonl", True),
            "faq": ("/e/faq.jsonl", True),
        }
        assert catalog.sources() == {"/kb", "/e/kb.jsonl", "/e/faq.jsonl"}
        assert not any(d.source_recorded for d in catalog.all())
    finally:
        catalog.close()


def test_a_catalog_that_revision_0004_inferred_gives_a_jsonl_record_named_as_its_file_that_file(tmp_path):
    """0004 inferred sources itself at first, unmarked: a record `faq` of /e/faq.jsonl got /e."""
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        upgrade(conn, kb_catalog.SCHEMA, target="0004")
        for doc_id, path, source in [("faq", "/e/faq.jsonl", "/e"), ("billing/refunds", "/kb/billing/refunds.md", "/kb")]:
            conn.execute(sa.text(
                "INSERT INTO kb_documents (doc_id, path, title, content_hash, version, chunk_ids, updated_at, source) "
                "VALUES (:d, :p, 't', 'h', 1, '[]', CURRENT_TIMESTAMP, :s)"
            ), {"d": doc_id, "p": path, "s": source})
    engine.dispose()
    catalog = Catalog(url)
    try:
        assert {d.doc_id: (d.source, d.source_inferred) for d in catalog.all()} == {
            "faq": ("/e/faq.jsonl", True), "billing/refunds": ("/kb", False),
        }
    finally:
        catalog.close()


# ----- 3. a knowledge base indexed before sources were recorded, upgraded -------------------------


@pytest.fixture
def indexed_before_sources(fresh_kb) -> Iterator[Callable[..., KnowledgeBase]]:
    """Ingest paths as the release before catalog revision 0004 did (no source recorded), then open
    the knowledge base with this release, which upgrades its catalog as an editor's is."""
    opened: list[KnowledgeBase] = []

    def ingest_then_upgrade(*paths: Path) -> KnowledgeBase:
        for path in paths:
            assert run(fresh_kb, path).ok
        settings, embedder = fresh_kb.settings, fresh_kb.embedder
        fresh_kb.close()
        engine = sa.create_engine(settings.resolved_database_url)
        with engine.begin() as conn:
            command.downgrade(kb_catalog.SCHEMA.config(conn), "0003")
        engine.dispose()
        opened.append(KnowledgeBase(settings, embedder=embedder))
        return opened[-1]

    yield ingest_then_upgrade
    for kb in opened:
        kb.close()


def test_a_link_switched_after_upgrading_and_before_any_ingest_updates_and_removes(indexed_before_sources, releases):
    """The catalog's upgrade took r1 for the folder its articles were read from; the editor had
    given rel/current. Switched to r2 before the first run of this release, every article was
    refused as 'the indexed article from …/r1, which still exists' (an ingest with the link still
    at r1 had mended it)."""
    current = releases / "current"
    kb = indexed_before_sources(current)
    switch(current, "r2")

    report = run(kb, current)
    assert report.ok, report.refused
    assert report.updated == ["refunds"] and report.removed == ["customs"]
    assert {Path(d.path).parent.name for d in kb.catalog.all()} == {"r2"}
    assert {d.source for d in kb.catalog.all()} == {str(current)}
    assert kb.catalog.removal("customs").why == f"no longer in {current} (now {(releases / 'r2').resolve()})"

    switch(current, "r1")  # and the rollback, as after any switch
    report = run(kb, current)
    assert report.ok and report.updated == ["refunds"] and report.added == ["customs"]


def test_after_upgrading_a_link_switched_takes_over_no_folder_but_its_old_release(indexed_before_sources, releases):
    """A folder beside the releases, and one elsewhere, each ingested by its own path before the
    upgrade: neither was a release of the link, and the run through it neither removes nor takes
    over their articles. An article whose id the new release shares with one of them is refused."""
    current = releases / "current"
    extra = write_folder(releases / "extra", {"hours": "The office opens at nine.", "holidays": "Closed on May 1st."})
    help_ = write_folder(releases.parent / "help", {"contact": "Write to help@example.com.", "phone": "Call 0800 123."})
    kb = indexed_before_sources(current, extra, help_)
    switch(current, "r2")
    (releases / "r2" / "hours.md").write_text(doc("Hours", "The office opens at ten."))

    report = run(kb, current)
    [refusal] = report.refused
    assert refusal.doc_id == "hours" and "which still exists" in refusal.reason
    assert report.updated == ["refunds"] and report.removed == ["customs"]
    assert {d.doc_id: Path(d.path).parent.name for d in kb.catalog.all() if Path(d.path).parent.name != "r2"} == {
        "hours": "extra", "holidays": "extra", "contact": "help", "phone": "help",
    }


def test_after_upgrading_a_link_already_ingested_since_takes_over_no_other_release(indexed_before_sources, releases):
    """Once a run of this release has recorded what the link serves, an older release beside it
    ingested by its own path before the upgrade is not the link's: its articles are refused."""
    current = releases / "current"
    r0 = write_folder(releases / "r0", {"legacy": "The old plan is no longer sold."})
    kb = indexed_before_sources(r0)
    (releases / "r2" / "legacy.md").write_text(doc("Legacy", "The old plan is gone."))
    assert run(kb, current).ok  # through the link for the first time (at r1): r0 shares no id with it
    switch(current, "r2")
    report = run(kb, current)
    assert [r.doc_id for r in report.refused] == ["legacy"] and report.removed == ["customs"]
    assert kb.catalog.get("legacy").path == str((r0 / "legacy.md").resolve())


def test_a_jsonl_file_named_as_one_of_its_records_is_no_folder_after_upgrading(indexed_before_sources, tmp_path):
    """The upgrade took the folder of `e/faq.jsonl` for a folder ingested, because its record 'faq'
    is named as the file; then `ingest e/sub` named its articles 'sub/a', 'sub/b', and would remove
    'a' and 'b'. A JSONL file's records belong to the file."""
    e = tmp_path / "e"
    sub = write_folder(e / "sub", {"a": "Article a.", "b": "Article b.", "c": "Article c."})
    (e / "faq.jsonl").write_text(json.dumps({"doc_id": "faq", "title": "FAQ", "text": "Ask us anything."}) + "\n")
    kb = indexed_before_sources(e / "faq.jsonl", sub)

    report = run(kb, sub)
    assert report.ok and sorted(report.unchanged) == ["a", "b", "c"] and report.added == report.removed == []
    assert kb.catalog.get("faq").source == str((e / "faq.jsonl").resolve())


def test_a_link_to_a_jsonl_export_switched_after_upgrading_updates_and_removes(indexed_before_sources, tmp_path):
    exp = tmp_path / "exp"
    exp.mkdir()

    def export(name: str, texts: dict[str, str]) -> None:
        lines = [json.dumps({"doc_id": k, "title": k.title(), "text": v}) for k, v in texts.items()]
        (exp / name).write_text("\n".join(lines) + "\n")

    export("2026-12-01.jsonl", ARTICLES)
    (exp / "current.jsonl").symlink_to("2026-12-01.jsonl")
    kb = indexed_before_sources(exp / "current.jsonl")
    export("2026-12-02.jsonl", {k: v for k, v in {**ARTICLES, "refunds": "Refunded within 14 days."}.items() if k != "customs"})
    (exp / "current.jsonl").unlink()
    (exp / "current.jsonl").symlink_to("2026-12-02.jsonl")

    report = run(kb, exp / "current.jsonl")
    assert report.ok, report.refused
    assert report.updated == ["refunds"] and report.removed == ["customs"]
    assert {d.path for d in kb.catalog.all()} == {str((exp / "2026-12-02.jsonl").resolve())}
