"""Ingest: sync by content hash, refusals that never stop a run, and a CLI editors can script."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from api.cli import main
from ingest import Chunker, MassDeleteRefused, sync
from knowledge import Embedder, KnowledgeBase

from .conftest import make_settings


def doc(title: str, body: str, verified: bool = True, **extra: str) -> str:
    meta = "".join(f"{k}: {v}\n" for k, v in extra.items())
    return f"---\ntitle: {title}\nverified: {'true' if verified else 'false'}\n{meta}---\n{body}\n"


class CountingEmbedder:
    """A real embedder that counts what it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.texts = 0
        self.calls = 0
        self.fail_on_call: int | None = None

    def embed(self, texts, show_progress: bool = False) -> np.ndarray:
        self.calls += 1
        if self.fail_on_call is not None and self.calls >= self.fail_on_call:
            raise RuntimeError("simulated crash mid-ingest")
        self.texts += len(texts)
        return self.inner.embed(texts)

    def embed_one(self, text: str) -> np.ndarray:
        return self.inner.embed_one(text)

    def embed_queries(self, texts) -> np.ndarray:
        return self.inner.embed_queries(texts)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    (root / "billing").mkdir(parents=True)
    (root / "billing" / "refunds.md").write_text(doc("Refund policy", "## Refunds\n\nAnnual plans are refunded within 30 days of purchase."))
    (root / "billing" / "invoices.md").write_text(doc("Invoices", "## Download invoices\n\nOpen Settings, then Billing, then click Download PDF."))
    (root / "account.txt").write_text(doc("Password reset", "Click 'Forgot password' on the sign-in page and follow the emailed link."))
    return root


@pytest.fixture
def counting(embedder: Embedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


@pytest.fixture
def fresh_kb(tmp_path: Path, counting: CountingEmbedder):
    kb = KnowledgeBase(make_settings(tmp_path / "data"), embedder=counting)  # type: ignore[arg-type]
    yield kb
    kb.close()


def run(kb: KnowledgeBase, *paths: Path, **kw):
    return sync(kb, list(paths), chunker=Chunker(), max_doc_bytes=kw.pop("max_doc_bytes", 100_000), **kw)


def test_first_ingest_adds_every_verified_document(fresh_kb, docs):
    report = run(fresh_kb, docs)
    assert sorted(report.added) == ["account", "billing/invoices", "billing/refunds"]
    assert report.ok and fresh_kb.catalog.count() == 3
    assert fresh_kb.store.count() == report.chunks_written > 0


def test_unchanged_documents_are_skipped_without_embedding(fresh_kb, docs, counting):
    run(fresh_kb, docs)
    embedded = counting.texts
    report = run(fresh_kb, docs)
    assert sorted(report.unchanged) == ["account", "billing/invoices", "billing/refunds"]
    assert report.added == report.updated == report.removed == []
    assert counting.texts == embedded


def test_changed_document_is_replaced_and_its_old_chunks_are_gone(fresh_kb, docs):
    run(fresh_kb, docs)
    old = fresh_kb.catalog.get("billing/refunds")
    (docs / "billing" / "refunds.md").write_text(doc("Refund policy", "Monthly plans are refunded within 14 days."))
    report = run(fresh_kb, docs)
    assert report.updated == ["billing/refunds"] and sorted(report.unchanged) == ["account", "billing/invoices"]
    new = fresh_kb.catalog.get("billing/refunds")
    assert new.version == old.version + 1
    ids = fresh_kb.store.ids()
    assert set(new.chunk_ids) <= ids and not set(old.chunk_ids) & ids
    top = fresh_kb.retriever.search("how many days to get a refund on a monthly plan", 1)[0]
    assert "14 days" in top.chunk.text


def test_document_gone_from_the_source_is_removed(fresh_kb, docs):
    run(fresh_kb, docs)
    gone = fresh_kb.catalog.get("billing/invoices")
    (docs / "billing" / "invoices.md").unlink()
    report = run(fresh_kb, docs, allow_mass_delete=True)  # 1 of 3 is over the 20% guard
    assert report.removed == ["billing/invoices"]
    assert fresh_kb.catalog.get("billing/invoices") is None
    assert not set(gone.chunk_ids) & fresh_kb.store.ids()


def test_ingesting_another_source_removes_nothing_from_the_first(fresh_kb, docs, tmp_path):
    run(fresh_kb, docs)
    other = tmp_path / "other"
    other.mkdir()
    (other / "faq.md").write_text(doc("FAQ", "Our office is open Monday to Friday."))
    report = run(fresh_kb, other)
    assert report.added == ["faq"] and report.removed == []
    assert fresh_kb.catalog.count() == 4


def test_records_of_a_jsonl_file_claiming_one_doc_id_are_refused_naming_their_lines(fresh_kb, tmp_path):
    export = tmp_path / "kb.jsonl"
    lines = [{"doc_id": "faq/a", "text": "A."}, {"doc_id": "faq/b", "text": "B."}, {"doc_id": "faq/a", "text": "Not A."}]
    export.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    report = run(fresh_kb, export)
    assert report.added == ["faq/b"]
    assert sorted(r.where for r in report.refused) == [f"{export.resolve()}:1", f"{export.resolve()}:3"]
    first = next(r for r in report.refused if r.line == 1)
    assert f"also in {export.resolve()}:3" in first.reason


def test_two_files_claiming_one_doc_id_are_both_refused_and_the_indexed_article_stays(fresh_kb, docs):
    run(fresh_kb, docs)
    before = fresh_kb.catalog.get("billing/refunds")
    (docs / "clash.md").write_text(doc("Clash", "Refunds take 900 days.", id="billing/refunds"))

    report = run(fresh_kb, docs)
    assert sorted(r.path for r in report.refused) == sorted(
        [str((docs / "clash.md").resolve()), str((docs / "billing" / "refunds.md").resolve())]
    )
    assert all("duplicate doc id 'billing/refunds'" in r.reason for r in report.refused)
    assert report.removed == [] and "billing/refunds" not in report.updated
    after = fresh_kb.catalog.get("billing/refunds")
    assert (after.version, after.path, after.content_hash) == (before.version, before.path, before.content_hash)

    (docs / "clash.md").write_text(doc("Clash", "Refunds take 900 days.", id="billing/clash"))  # mended
    report = run(fresh_kb, docs)
    assert report.ok and report.added == ["billing/clash"]
    assert fresh_kb.catalog.get("billing/refunds").version == before.version


def test_a_file_elsewhere_cannot_take_over_an_article_indexed_from_a_file_that_still_exists(fresh_kb, docs, tmp_path):
    run(fresh_kb, docs)
    before = fresh_kb.catalog.get("billing/refunds")
    other = tmp_path / "other"
    other.mkdir()
    (other / "r.md").write_text(doc("Mars", "Refunds take 900 days.", id="billing/refunds"))

    report = run(fresh_kb, other)
    [refusal] = report.refused
    assert refusal.path == str((other / "r.md").resolve()) and "still exists" in refusal.reason
    assert fresh_kb.catalog.get("billing/refunds").content_hash == before.content_hash

    (docs / "billing" / "refunds.md").unlink()  # the article's file is gone: now that is a move
    report = run(fresh_kb, other)
    assert report.ok and report.updated == ["billing/refunds"]
    assert fresh_kb.catalog.get("billing/refunds").path == str((other / "r.md").resolve())


def test_unverified_document_is_refused_unless_included(fresh_kb, docs):
    (docs / "draft.md").write_text(doc("Draft", "Not reviewed yet.", verified=False))
    report = run(fresh_kb, docs)
    assert [r.doc_id for r in report.refused] == ["draft"]
    assert "not verified" in report.refused[0].reason and not report.ok
    report = run(fresh_kb, docs, include_unverified=True)
    assert report.added == ["draft"] and report.ok


def test_a_document_that_becomes_unverified_leaves_the_index(fresh_kb, docs):
    run(fresh_kb, docs)
    (docs / "account.txt").write_text(doc("Password reset", "Being rewritten.", verified=False))
    report = run(fresh_kb, docs, allow_mass_delete=True)
    assert report.removed == ["account"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad-yaml.md", b"---\ntitle: [unclosed\nverified: true\n---\nbody\n", "not valid YAML"),
        ("unclosed.md", b"---\ntitle: x\nverified: true\nbody without a closing line\n", "not closed"),
        ("latin1.md", "---\ntitle: Caf\xe9\nverified: true\n---\nCaf\xe9 menu\n".encode("latin-1"), "not valid UTF-8"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
        ("empty.md", b"", "no text"),
        ("only-front-matter.md", b"---\ntitle: x\nverified: true\n---\n\n", "no text"),
        ("not-a-mapping.md", b"---\n- a\n- b\n---\nbody\n", "mapping"),
        ("verified-string.md", b"---\ntitle: x\nverified: maybe\n---\nbody\n", "'verified' must be true or false"),
    ],
)
def test_a_broken_file_is_refused_with_a_reason_and_the_run_goes_on(fresh_kb, docs, name, content, reason):
    (docs / name).write_bytes(content)
    report = run(fresh_kb, docs)
    assert len(report.added) == 3
    assert len(report.refused) == 1 and reason in report.refused[0].reason
    assert report.refused[0].path.endswith(name)


def test_an_oversized_file_is_refused(fresh_kb, docs):
    (docs / "huge.md").write_text(doc("Huge", "word " * 5000))
    report = run(fresh_kb, docs, max_doc_bytes=10_000)
    assert len(report.refused) == 1 and "over the limit" in report.refused[0].reason


def test_a_file_broken_after_indexing_keeps_its_last_good_version(fresh_kb, docs):
    run(fresh_kb, docs)
    (docs / "account.txt").write_bytes(b"---\ntitle: [broken\n---\nx")
    report = run(fresh_kb, docs)
    assert report.removed == [] and len(report.refused) == 1
    assert fresh_kb.catalog.get("account") is not None


def test_jsonl_records_ingest_as_verified_and_bad_lines_are_refused(fresh_kb, tmp_path):
    path = tmp_path / "kb.jsonl"
    lines = [
        json.dumps({"doc_id": "d1", "title": "Shipping", "url": "https://x.example/ship", "text": "We ship in 2 days."}),
        json.dumps({"doc_id": "d2", "title": None, "url": None, "text": "Returns\nReturns are free for 30 days."}),
        "{not json",
        json.dumps({"doc_id": "d3", "text": ""}),
    ]
    path.write_text("\n".join(lines) + "\n")
    report = run(fresh_kb, path)
    assert sorted(report.added) == ["d1", "d2"]
    assert [(r.line, r.reason.split(":")[0]) for r in report.refused] == [(3, "invalid JSON"), (4, "missing or empty 'text'")]
    assert fresh_kb.catalog.get("d2").title == "Returns"
    assert fresh_kb.catalog.get("d1").url == "https://x.example/ship"


def test_an_interrupted_ingest_leaves_the_previous_index_answering(fresh_kb, docs, counting, monkeypatch):
    monkeypatch.setattr(sys.modules["ingest.sync"], "BATCH_CHUNKS", 4)  # (256 by default) a few short pages make several batches
    run(fresh_kb, docs)
    for n in range(12):
        (docs / f"extra-{n}.md").write_text(doc(f"Extra {n}", f"extra fact number {n} is here"))  # one chunk, one unit
    (docs / "billing" / "refunds.md").write_text(doc("Refund policy", "Refunds now take 45 days."))
    counting.fail_on_call = counting.calls + 2  # dies in the second batch
    with pytest.raises(RuntimeError):
        run(fresh_kb, docs)
    assert 0 < fresh_kb.catalog.count() - 3 < 12  # the first batch landed, the rest did not
    top = fresh_kb.retriever.search("where do I download invoices", 1)[0]
    assert top.chunk.doc_id == "billing/invoices"
    counting.fail_on_call = None
    report = run(fresh_kb, docs)
    assert report.ok and fresh_kb.catalog.count() == 15
    assert fresh_kb.store.ids() == fresh_kb.catalog.all_chunk_ids()  # nothing orphaned, nothing missing


def test_cli_ingest_reports_and_fails_when_anything_was_refused(tmp_path, docs):
    (docs / "draft.md").write_text(doc("Draft", "Not reviewed.", verified=False))
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path / "cli-data")}
    result = CliRunner().invoke(main, ["ingest", "--quiet", str(docs)], env=env)
    assert result.exit_code == 1
    assert "added 3, updated 0, unchanged 0, removed 0, refused 1" in result.output
    assert "draft.md: not verified" in result.output
    result = CliRunner().invoke(main, ["ingest", "--quiet", "--include-unverified", str(docs)], env=env)
    assert result.exit_code == 0 and "added 1, updated 0, unchanged 3" in result.output
    result = CliRunner().invoke(main, ["search", "download a PDF invoice"], env=env)
    assert result.exit_code == 0
    first = next(line for line in result.stdout.splitlines() if line.startswith("1. "))
    assert "Invoices  [billing/invoices]" in first


def test_dry_run_reports_what_would_change_and_writes_nothing(fresh_kb, docs, counting):
    run(fresh_kb, docs)
    before = (fresh_kb.catalog.all(), fresh_kb.store.ids(), counting.texts)
    (docs / "billing" / "refunds.md").write_text(doc("Refund policy", "Refunds take 14 days."))
    (docs / "new.md").write_text(doc("New", "A new page."))
    (docs / "account.txt").unlink()
    report = run(fresh_kb, docs, dry_run=True)
    assert report.dry_run and report.summary().startswith("dry run, nothing written")
    assert (report.added, report.updated, report.removed) == (["new"], ["billing/refunds"], ["account"])
    assert report.chunks_written == 2 and report.chunks_removed == 2
    assert (fresh_kb.catalog.all(), fresh_kb.store.ids(), counting.texts) == before


def test_a_sync_that_would_remove_over_a_fifth_of_the_index_stops_unless_allowed(fresh_kb, docs):
    run(fresh_kb, docs)
    for name in ("account.txt", "billing/invoices.md"):
        (docs / name).unlink()
    with pytest.raises(MassDeleteRefused, match="remove 2 of the 3 indexed documents"):
        run(fresh_kb, docs)
    assert fresh_kb.catalog.count() == 3  # nothing was changed
    assert sorted(run(fresh_kb, docs, allow_mass_delete=True).removed) == ["account", "billing/invoices"]


def test_every_indexed_version_is_kept(fresh_kb, docs):
    run(fresh_kb, docs)
    (docs / "billing" / "refunds.md").write_text(doc("Refund policy", "Refunds take 14 days."))
    run(fresh_kb, docs)
    history = fresh_kb.catalog.versions("billing/refunds")
    assert [v.version for v in history] == [1, 2]
    assert "30 days" in history[0].text and "14 days" in history[1].text
    chunk = fresh_kb.retriever.search("refund days", 1)[0].chunk
    assert (chunk.doc_id, chunk.version) == ("billing/refunds", 2)


def test_kb_commands_list_show_versions_remove_and_stale(tmp_path, docs):
    (docs / "old.md").write_text(doc("Old page", "Outdated facts.", review_by="2020-01-31", owner="docs-team"))
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path / "cli-data")}
    cli = CliRunner()
    assert cli.invoke(main, ["ingest", "--quiet", str(docs)], env=env).exit_code == 0
    listed = cli.invoke(main, ["kb", "list"], env=env).stdout
    assert "old\tv1\t1 chunks\tdocs-team\t2020-01-31\tOld page" in listed and "4 documents" in listed
    shown = cli.invoke(main, ["kb", "show", "old"], env=env).stdout
    assert "review by: 2020-01-31" in shown and "Outdated facts." in shown
    stale = cli.invoke(main, ["kb", "stale", "--as-of", "2020-03-01"], env=env)
    assert stale.exit_code == 1 and "old\treview by 2020-01-31 (30 days overdue)" in stale.stdout
    (docs / "old.md").write_text(doc("Old page", "Fresh facts.", review_by="2030-01-01"))
    cli.invoke(main, ["ingest", "--quiet", str(docs)], env=env)
    versions = cli.invoke(main, ["kb", "show", "old", "--versions"], env=env).stdout.splitlines()
    assert [line.split("\t")[0] for line in versions] == ["v1", "v2"] and versions[1].endswith("(indexed)")
    assert "Outdated facts." in cli.invoke(main, ["kb", "show", "old", "--version", "1"], env=env).stdout
    assert cli.invoke(main, ["kb", "stale", "--as-of", "2020-03-01"], env=env).exit_code == 0
    removed = cli.invoke(main, ["kb", "remove", "old"], env=env)
    assert removed.exit_code == 0 and "removed old" in removed.stdout
    assert cli.invoke(main, ["kb", "show", "nope"], env=env).exit_code == 1


def test_cli_dry_run_and_mass_delete_guard(tmp_path, docs):
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path / "cli-data")}
    cli = CliRunner()
    dry = cli.invoke(main, ["ingest", "--dry-run", str(docs)], env=env)
    assert dry.exit_code == 0 and "would add: account" in dry.stdout and "chunks: +3 -0" in dry.stdout
    cli.invoke(main, ["ingest", "--quiet", str(docs)], env=env)
    (docs / "account.txt").unlink()
    checked = cli.invoke(main, ["ingest", "--dry-run", str(docs)], env=env)  # the check on a pull request
    assert checked.exit_code == 3 and "would remove: account" in checked.stdout and "would stop" in checked.output
    stopped = cli.invoke(main, ["ingest", "--quiet", str(docs)], env=env)
    assert stopped.exit_code == 3 and "--allow-mass-delete" in stopped.output
    allowed = cli.invoke(main, ["ingest", "--dry-run", "--allow-mass-delete", str(docs)], env=env)
    assert allowed.exit_code == 0


def test_a_change_of_review_date_alone_updates_the_catalog(fresh_kb, docs):
    (docs / "faq.md").write_text(doc("FAQ", "Open on weekdays.", review_by="2026-01-01"))
    run(fresh_kb, docs)
    (docs / "faq.md").write_text(doc("FAQ", "Open on weekdays.", review_by="2027-01-01"))
    report = run(fresh_kb, docs)
    assert report.updated == ["faq"] and fresh_kb.catalog.get("faq").review_by == "2027-01-01"


def test_every_chunk_is_stored_with_the_vectors_of_its_answer_units(fresh_kb, docs):
    from knowledge.units import split_units

    run(fresh_kb, docs)
    ids = sorted(fresh_kb.catalog.all_chunk_ids())
    chunks = fresh_kb.store.get(ids)
    assert all(c.units for c in chunks)  # the chunk records its count: its units are read by id
    stored = fresh_kb.store.units(chunks)
    assert set(stored) == set(ids) and fresh_kb.store.units_complete()
    for chunk in chunks:
        texts, vectors = stored[chunk.chunk_id]
        assert texts == split_units(chunk.text) and vectors.shape == (len(texts), 384)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_an_index_without_unit_vectors_gets_them_without_re_embedding_its_chunks(fresh_kb, docs, counting):
    run(fresh_kb, docs)
    fresh_kb.store.reset_units()  # as an index built before unit vectors existed
    assert fresh_kb.store.units_count() == 0
    before = counting.texts
    report = run(fresh_kb, docs)
    assert report.added == [] and report.updated == []
    ids = sorted(fresh_kb.catalog.all_chunk_ids())
    stored = fresh_kb.store.units(fresh_kb.store.get(ids))
    assert set(stored) == set(ids)
    assert counting.texts - before == sum(len(t) for t, _ in stored.values())  # units only, no chunk
    run(fresh_kb, docs)
    assert counting.texts - before == sum(len(t) for t, _ in stored.values())  # and only once


def test_unit_vectors_of_removed_documents_are_deleted(fresh_kb, docs):
    run(fresh_kb, docs)
    gone = fresh_kb.catalog.get("billing/refunds").chunk_ids
    (docs / "billing" / "refunds.md").unlink()
    run(fresh_kb, docs, allow_mass_delete=True)
    assert not set(gone) & fresh_kb.store.unit_chunk_ids()
    assert fresh_kb.store.unit_chunk_ids() == fresh_kb.catalog.all_chunk_ids()


# ----- one file, one id, however it is reached ------------------------------------------------


def test_one_file_ingested_alone_keeps_the_id_it_was_indexed_under(fresh_kb, docs):
    """"ingest docs/billing/refunds.md" had removed billing/refunds and added "refunds" at v1."""
    run(fresh_kb, docs)
    (docs / "billing" / "refunds.md").write_text(doc("Refund policy", "Monthly plans are refunded within 14 days."))
    report = run(fresh_kb, docs / "billing" / "refunds.md")
    assert report.updated == ["billing/refunds"] and report.added == report.removed == []
    assert fresh_kb.catalog.get("billing/refunds").version == 2 and fresh_kb.catalog.get("refunds") is None
    assert run(fresh_kb, docs).unchanged != [] and fresh_kb.catalog.get("billing/refunds").version == 2


def test_a_folder_given_inside_another_adds_no_second_copy_of_its_files(fresh_kb, docs):
    report = run(fresh_kb, docs / "billing", docs)  # the inner one first, even
    assert sorted(report.added) == ["account", "billing/invoices", "billing/refunds"]
    assert fresh_kb.catalog.count() == 3 and report.ok


def test_a_symbolic_link_is_refused_by_name_and_the_run_goes_on(fresh_kb, docs, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(doc("Elsewhere", "Kept outside the folder."))
    (docs / "linked.md").symlink_to(outside)
    (docs / "again.md").symlink_to(docs / "account.txt")
    (docs / "broken.md").symlink_to(tmp_path / "missing.md")
    (docs / "folder").symlink_to(docs / "billing", target_is_directory=True)
    report = run(fresh_kb, docs)
    assert sorted(report.added) == ["account", "billing/invoices", "billing/refunds"]
    refused = {Path(r.path).name: r.reason for r in report.refused}
    assert set(refused) == {"linked.md", "again.md", "broken.md", "folder"}
    assert all("symbolic link" in reason for reason in refused.values())
    assert str(outside) in refused["linked.md"]


def test_a_broken_jsonl_line_keeps_only_its_own_record_and_the_files_removals_go_on(fresh_kb, tmp_path):
    """One invalid line had kept every record of the file from being removed: a record deleted
    from kb.jsonl went on answering customers."""
    path = tmp_path / "kb.jsonl"
    record = lambda i, text: json.dumps({"doc_id": f"faq/{i}", "title": f"FAQ {i}", "text": text})  # noqa: E731
    path.write_text("\n".join([record(1, "Parcels to Iceland take 9 days."), record(2, "Returns are free."), record(3, "We ship daily.")]) + "\n")
    run(fresh_kb, path)
    broken = '{"doc_id": "faq/2", "title": "FAQ 2", "text": "Returns are free for 30 days.'  # its closing quote lost
    path.write_text("\n".join([broken, record(3, "We ship daily.")]) + "\n")  # faq/1 deleted
    report = run(fresh_kb, path, allow_mass_delete=True)
    assert report.removed == ["faq/1"]
    assert fresh_kb.catalog.get("faq/2") is not None  # its last good version answers until the line is mended
    assert [(r.line, r.doc_id) for r in report.refused] == [(1, "faq/2")]


def test_a_broken_jsonl_line_whose_id_cannot_be_read_holds_back_the_files_removals_and_says_so(fresh_kb, tmp_path):
    path = tmp_path / "kb.jsonl"
    path.write_text(json.dumps({"doc_id": "a", "text": "A."}) + "\n" + json.dumps({"doc_id": "b", "text": "B."}) + "\n")
    run(fresh_kb, path)
    for broken in ("{garbage", json.dumps({"doc_id": "b", "text": "B."}) + json.dumps({"doc_id": "a", "text": "A."})):
        path.write_text(broken + "\n")  # a line unreadable, or two records run together on one
        report = run(fresh_kb, path, allow_mass_delete=True)
        assert report.removed == [] and fresh_kb.catalog.get("a") is not None  # it may be on the broken line
        assert "removals from this file wait until it is mended" in report.refused[0].reason


def test_a_file_saved_again_with_windows_line_endings_is_not_a_change(fresh_kb, docs, counting):
    run(fresh_kb, docs)
    embedded = counting.texts
    refunds = docs / "billing" / "refunds.md"
    refunds.write_bytes(refunds.read_bytes().replace(b"\n", b"\r\n"))
    report = run(fresh_kb, docs)
    assert "billing/refunds" in report.unchanged and counting.texts == embedded


def test_a_draft_included_is_marked_unverified_and_the_bot_hands_it_to_a_person(fresh_kb, docs, tmp_path):
    """Drafts indexed with --include-unverified had answered customers at 0.9, unmarked anywhere."""
    from assistant import build_assistant

    (docs / "draft.md").write_text(doc("Office hours", "## Office hours\n\nThe office is open on Saturdays from 9 to 12.", verified=False))
    run(fresh_kb, docs, include_unverified=True)
    assert fresh_kb.catalog.get("draft").verified is False and fresh_kb.catalog.get("account").verified is True

    bot = build_assistant(make_settings(tmp_path / "data").model_copy(update={"handoff_threshold": 0.01}), fresh_kb)
    reply = bot.reply("Is the office open on Saturdays?")
    assert reply.handoff and "unverified draft: draft" in reply.handoff_detail
    assert "Saturdays" in reply.draft and [s.doc_id for s in reply.draft_sources] == ["draft"]  # the agent may send it

    (docs / "draft.md").write_text((docs / "draft.md").read_text().replace("verified: false", "verified: true"))
    report = run(fresh_kb, docs)
    assert report.updated == ["draft"] and fresh_kb.catalog.get("draft").verified is True
    assert not bot.reply("Is the office open on Saturdays?").handoff


def test_a_folder_named_through_a_link_is_read_where_it_points(fresh_kb, docs, tmp_path):
    """Ingesting "current -> docs" refused the link itself and planned to remove every article under it."""
    run(fresh_kb, docs)
    current = tmp_path / "current"
    current.symlink_to(docs, target_is_directory=True)
    report = run(fresh_kb, current)
    assert report.removed == [] and sorted(report.unchanged) == ["account", "billing/invoices", "billing/refunds"]
    assert report.ok


def test_kb_list_and_show_mark_a_draft_indexed_with_include_unverified(tmp_path, docs):
    (docs / "draft.md").write_text(doc("Office hours", "Open on Saturdays.", verified=False))
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path / "cli-data")}
    cli = CliRunner()
    assert cli.invoke(main, ["ingest", "--quiet", "--include-unverified", str(docs)], env=env).exit_code == 0
    listed = cli.invoke(main, ["kb", "list"], env=env).stdout
    assert "\t[unverified] Office hours" in listed and "\t[unverified] Password reset" not in listed
    assert "verified:  no (a draft" in cli.invoke(main, ["kb", "show", "draft"], env=env).stdout
    assert "verified:  yes" in cli.invoke(main, ["kb", "show", "account"], env=env).stdout
