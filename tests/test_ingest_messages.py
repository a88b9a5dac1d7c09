"""What the ingest CLI tells a content editor: found by a QA pass as an editor.

A full disk or a read-only data folder ended in a traceback; a YAML error lost its line; front
matter after a blank line, or in TOML, was called "not verified"; Ctrl-C said "Aborted!" with the
refusal's exit code; a real run named no ids; unsupported files vanished without a word; and
`--quiet` still drew the model's "Loading weights" bar.
"""

from __future__ import annotations

import builtins
import errno
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy.exc
from chromadb.errors import InternalError
from click.testing import CliRunner, Result

from api.cli import main
from ingest.cli import EXIT_INTERRUPTED, changed_lines
from ingest.write_failures import EXIT_NOT_WRITTEN, write_failure
from ingest.loaders import load_file
from ingest.metadata import read_sidecar
from ingest.sync import SyncReport
from knowledge import Embedder, KnowledgeBase, VectorStore

from .conftest import make_settings
from .test_ingest import doc


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    (root / "billing").mkdir(parents=True)
    (root / "billing" / "refunds.md").write_text(doc("Refund policy", "Annual plans are refunded within 30 days."))
    (root / "billing" / "invoices.md").write_text(doc("Invoices", "Open Settings, then Billing, then Download PDF."))
    (root / "account.md").write_text(doc("Password reset", "Click 'Forgot password' on the sign-in page."))
    return root


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> Embedder:
    """The CLI's knowledge base embeds with the session's model, loaded once."""
    monkeypatch.setattr("ingest.cli.KnowledgeBase", lambda settings: KnowledgeBase(settings, embedder=embedder))
    return embedder


def cli(data: Path, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"SWITCHBOARD_DATA_DIR": str(data)})


def indexed(data: Path) -> KnowledgeBase:
    return KnowledgeBase(make_settings(data))


# ----- 1. a knowledge base that cannot be written ---------------------------------------------


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch, data: Path) -> None:
    """The data folder refuses writes as a read-only file system does. (Tests run as root, whom a
    chmod does not stop.) The first write every command makes is the catalog's lock file."""
    real_open = builtins.open

    def refusing_open(file, mode="r", *args, **kwargs):
        in_data = isinstance(file, (str, os.PathLike)) and Path(file).absolute().is_relative_to(data.absolute())
        if in_data and any(m in mode for m in "wax+"):
            raise OSError(errno.EROFS, "Read-only file system", str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)


@pytest.mark.parametrize(
    "command",
    [
        ["search", "refund"], ["kb", "list"], ["kb", "show", "account"],
        ["ingest", "--dry-run", "DOCS"], ["ingest", "DOCS"],
    ],
    ids=["search", "kb-list", "kb-show", "dry-run", "ingest"],
)
def test_a_read_only_data_folder_is_named_with_what_to_do_and_exit_code_4(model, folder, data, request, command):
    assert cli(data, "ingest", "--quiet", str(folder)).exit_code == 0
    request.getfixturevalue("read_only")

    result = cli(data, *[str(folder) if a == "DOCS" else a for a in command])

    assert result.exit_code == EXIT_NOT_WRITTEN == 4
    said = result.stderr.strip()
    assert "\n" not in said and "Traceback" not in result.output  # one paragraph, no traceback
    assert said.startswith(f"could not write the knowledge base in {data.absolute()}: ")
    assert "Read-only file system" in said and "Make that folder writable" in said
    assert "SWITCHBOARD_DATA_DIR" in said


@pytest.mark.parametrize(
    ("error", "fix"),
    [
        (InternalError("Error in compaction: Failed to apply logs to the hnsw segment writer"), "free space"),
        (InternalError("Query error: Database error: (code: 13) database or disk is full"), "Free some space"),
        (OSError(errno.ENOSPC, "No space left on device"), "Free some space"),
        (
            sqlalchemy.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full")),
            "Free some space",
        ),
    ],
    ids=["chroma-compaction", "chroma-disk-full", "enospc", "sqlite-disk-full"],
)
def test_a_full_disk_mid_ingest_says_what_to_do_exits_4_and_the_index_keeps_answering(
    model, folder, data, monkeypatch, error, fix
):
    assert cli(data, "ingest", "--quiet", str(folder)).exit_code == 0
    (folder / "billing" / "refunds.md").write_text(doc("Refund policy", "Monthly plans are refunded within 14 days."))

    def disk_full(self, *args, **kwargs):
        raise error

    with monkeypatch.context() as m:
        m.setattr(VectorStore, "upsert", disk_full)
        result = cli(data, "ingest", "--quiet", str(folder))

    assert result.exit_code == 4 and "Traceback" not in result.output
    said = result.stderr.strip()
    assert said.startswith(f"could not write the knowledge base in {data.absolute()}: ") and fix in said
    assert "The index stays consistent" in said
    kb = indexed(data)
    try:  # the previous version still answers, and nothing it owns went missing
        assert kb.catalog.get("billing/refunds").version == 1
        assert kb.catalog.all_chunk_ids() <= kb.store.ids()
    finally:
        kb.close()
    again = cli(data, "ingest", "--quiet", str(folder))
    assert again.exit_code == 0 and "updated 1" in again.stdout


def test_other_errors_are_not_disguised_as_a_data_folder_that_cannot_be_written(tmp_path):
    settings = make_settings(tmp_path / "data")
    unreadable_source = PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "docs" / "a.md"))
    assert write_failure(unreadable_source, settings) is None
    assert write_failure(RuntimeError("a bug"), settings) is None
    assert write_failure(PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "data")), settings)


# ----- 2. YAML errors name their line and column in the file ----------------------------------


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        (
            "title: Tabs\nverified: true\n\towner: me\n",
            "front matter is not valid YAML at line 4, column 1: found character '\\t' that cannot start any token",
        ),
        (
            "title: [Unclosed\nverified: true\n",
            "front matter is not valid YAML at line 3, column 9: expected ',' or ']', but got ':' "
            "(while parsing a flow sequence at line 2, column 8)",
        ),
    ],
    ids=["tab", "unclosed-list"],
)
def test_invalid_yaml_front_matter_is_refused_with_its_line_and_column_in_the_file(tmp_path, front, reason):
    page = tmp_path / "page.md"
    page.write_text(f"---\n{front}---\nBody.\n")
    assert refusal(page) == reason


def test_an_invalid_sidecar_names_its_line_and_column(tmp_path):
    sidecar = tmp_path / "guide.pdf.meta.yaml"
    sidecar.write_text("title: Guide\nverified: [true\n")
    with pytest.raises(ValueError, match=r"^guide.pdf.meta.yaml is not valid YAML at line 3, column 1: "):
        read_sidecar(sidecar)


# ----- 3. front matter where it is not read ---------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\n---\ntitle: T\nverified: true\n---\nBody.\n", "front matter must start on the first line of the file with '---'"),
        (b"\xef\xbb\xbf\n---\ntitle: T\nverified: true\n---\nBody.\n", "front matter must start on the first line"),
        (b"\r\n  ---\r\ntitle: T\r\nverified: true\r\n---\r\nBody.\r\n", "front matter must start on the first line"),
        (b"+++\ntitle = \"T\"\nverified = true\n+++\nBody.\n", "TOML front matter ('+++') is not read: write it as YAML between '---' lines"),
    ],
    ids=["blank-line", "bom-and-blank-line", "crlf-and-spaces", "toml"],
)
def test_front_matter_not_on_the_first_line_or_in_toml_is_refused_as_such_not_as_unverified(tmp_path, content, reason):
    page = tmp_path / "page.md"
    page.write_bytes(content)
    assert reason in refusal(page)


def test_a_page_opening_with_a_horizontal_rule_after_a_blank_line_is_text(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("\n---\n\nA page between two rules.\n\n---\n")
    [document], refused = load_file(page, tmp_path, 100_000)
    assert refused == [] and "A page between two rules." in document.text


# ----- 4. Ctrl-C ------------------------------------------------------------------------------


class InterruptedEmbedder:
    """The session's model, and a Ctrl-C at its `at`-th call."""

    def __init__(self, inner: Embedder, at: int) -> None:
        self.inner, self.at, self.calls = inner, at, 0

    def embed(self, texts, show_progress: bool = False) -> np.ndarray:
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return self.inner.embed(texts)

    def embed_queries(self, texts) -> np.ndarray:
        return self.inner.embed_queries(texts)


def test_ctrl_c_says_the_index_is_consistent_and_exits_130(model, folder, data, monkeypatch):
    monkeypatch.setattr(sys.modules["ingest.sync"], "BATCH_CHUNKS", 1)  # one page a batch
    interrupting = InterruptedEmbedder(model, at=2)  # in the second of three batches
    with monkeypatch.context() as m:
        m.setattr("ingest.cli.KnowledgeBase", lambda settings: KnowledgeBase(settings, embedder=interrupting))
        result = cli(data, "ingest", "--quiet", str(folder))

    assert result.exit_code == EXIT_INTERRUPTED == 130
    assert "Aborted!" not in result.output
    assert result.stderr.strip() == (
        "interrupted: the index is consistent. The documents this run had indexed stay indexed, the "
        "others are as they were, and running the same ingest again picks up the rest."
    )
    kb = indexed(data)
    try:
        assert kb.catalog.count() == 1  # the first batch stays
    finally:
        kb.close()
    again = cli(data, "ingest", "--quiet", str(folder))
    assert again.exit_code == 0 and "added 2, updated 0, unchanged 1" in again.stdout


# ----- 5. a real run names what it changed ----------------------------------------------------


def test_a_real_run_names_the_ids_it_added_updated_and_removed_unless_quiet(model, folder, data):
    assert cli(data, "ingest", str(folder)).stdout.splitlines()[0] == "added: account, billing/invoices, billing/refunds"
    (folder / "billing" / "refunds.md").write_text(doc("Refund policy", "Monthly plans are refunded within 14 days."))
    (folder / "account.md").unlink()
    (folder / "new.md").write_text(doc("New", "A new page."))

    result = cli(data, "ingest", "--allow-mass-delete", str(folder))

    assert result.exit_code == 0
    assert result.stdout.splitlines()[:3] == ["added: new", "updated: billing/refunds", "removed: account"]
    (folder / "new.md").write_text(doc("New", "A newer page."))
    [summary] = cli(data, "ingest", "--quiet", str(folder)).stdout.splitlines()
    assert summary.startswith("added 0, updated 1, unchanged 2, removed 0, refused 0 (")


def test_a_long_list_of_added_ids_is_cut_but_every_removed_id_is_named():
    many = [f"faq/{n:02}" for n in range(25)]
    lines = changed_lines(SyncReport(added=many, removed=many))
    assert lines[0] == f"added: {', '.join(many[:10])} and 15 more (see `switchboard kb list`)"
    assert lines[1] == f"removed: {', '.join(many)}"


# ----- 6. unsupported files in a folder -------------------------------------------------------


def test_unsupported_files_in_a_folder_are_named_in_one_line_and_refuse_nothing(model, folder, data):
    for name in ("a.docx", "billing/b.rst", "c.json", ".DS_Store", ".drafts/d.docx"):
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text("x")

    result = cli(data, "ingest", "--quiet", str(folder))

    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "skipped 3 files of unsupported types: a.docx, billing/b.rst, c.json "
        "(supported: .md, .markdown, .txt, .html, .htm, .pdf or .jsonl)"
    ]


# ----- 7. --quiet is quiet --------------------------------------------------------------------


@pytest.fixture
def progress_bars_restored() -> Iterator[None]:
    """`--quiet` turns the model's progress bars off for the process: on again for other tests."""
    from huggingface_hub.utils import are_progress_bars_disabled, enable_progress_bars

    were_on = not are_progress_bars_disabled()
    yield
    if were_on:
        enable_progress_bars()
        if (transformers_logging := sys.modules.get("transformers.utils.logging")) is not None:
            transformers_logging.enable_progress_bar()


@pytest.mark.slow
def test_quiet_shows_no_loading_weights_bar_when_the_model_loads(folder, data, progress_bars_restored):
    result = cli(data, "ingest", "--quiet", str(folder))  # a model of its own: it loads in this run
    assert result.exit_code == 0
    assert "Loading weights" not in result.output and result.stderr == ""


# ----- helpers ------------------------------------------------------------------------------------


def refusal(path: Path) -> str:
    docs, refused = load_file(path, path.parent, 100_000)
    assert docs == [] and len(refused) == 1, (docs, refused)
    return refused[0].reason
