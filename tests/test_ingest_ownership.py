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

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from ingest import MassDeleteRefused
from knowledge import Catalog
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
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        upgrade(conn, kb_catalog.SCHEMA, target="0003")
        now = sa.func.current_timestamp()
        for doc_id, path in [("billing/refunds", "/kb/billing/refunds.md"), ("own-id", "/kb/x.md"), ("faq/1", "/e/kb.jsonl")]:
            conn.execute(sa.text(
                "INSERT INTO kb_documents (doc_id, path, title, content_hash, version, chunk_ids, updated_at) "
                "VALUES (:d, :p, 't', 'h', 1, '[]', :now)"
            ), {"d": doc_id, "p": path, "now": conn.execute(sa.select(now)).scalar_one()})
    engine.dispose()
    catalog = Catalog(url)
    try:
        assert {d.doc_id: d.source for d in catalog.all()} == {"billing/refunds": "/kb", "own-id": None, "faq/1": None}
        assert catalog.sources() == {"/kb"}
    finally:
        catalog.close()
