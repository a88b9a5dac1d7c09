"""What the editor's commands say about a removed document and about bad input: found by a QA pass.

`kb show` of a removed document ended in an AssertionError traceback. `ingest /dev/null` and
`ingest fifo.md` printed "refused 0" and exited 0; a mistyped folder exited 1 (a refusal) instead
of 2 (a usage error); `search -k -3` and `search ""` returned hits; and a dry run against a
mistyped SWITCHBOARD_DATA_DIR made an empty knowledge base there and said it "would have added 4".
Then: a named pipe or a socket inside a folder ingested was left out without a word.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from knowledge import catalog as kb_catalog

from .test_ingest_messages import cli, data, folder, indexed, model  # noqa: F401 (fixtures)


# ----- 3. a removed document ----------------------------------------------------------------------


def test_kb_show_of_a_removed_document_says_when_and_why_in_one_line_and_points_at_its_versions(model, folder, data):
    assert cli(data, "ingest", "--quiet", str(folder)).exit_code == 0
    (folder / "account.md").unlink()
    assert cli(data, "ingest", "--quiet", "--allow-mass-delete", str(folder)).exit_code == 0

    shown = cli(data, "kb", "show", "account")
    assert shown.exit_code == 1 and "Traceback" not in shown.output and shown.exception is not None
    [line] = shown.output.strip().splitlines()
    assert "'account' is no longer indexed: removed on " in line and "its file is gone" in line
    assert str((folder / "account.md").resolve()) in line and "`switchboard kb show account --versions`" in line

    versions = cli(data, "kb", "show", "account", "--versions")
    assert versions.exit_code == 0
    assert [v.split("\t")[0] for v in versions.stdout.splitlines()] == ["v1", "removed"]
    assert "Click 'Forgot password'" in cli(data, "kb", "show", "account", "--version", "1").stdout


def test_kb_show_of_a_document_removed_by_kb_remove_says_so(model, folder, data):
    cli(data, "ingest", "--quiet", str(folder))
    assert cli(data, "kb", "remove", "billing/refunds").exit_code == 0
    shown = cli(data, "kb", "show", "billing/refunds")
    assert shown.exit_code == 1 and "by `switchboard kb remove`" in shown.output
    assert len(shown.output.strip().splitlines()) == 1

    kb = indexed(data)  # removed by a release that did not record removals
    with kb.catalog.engine.begin() as conn:
        conn.execute(kb_catalog.removed.delete())
    kb.close()
    shown = cli(data, "kb", "show", "billing/refunds")
    assert shown.exit_code == 1 and "removed after its last version (v1, " in shown.output


# ----- 4. bad input ---------------------------------------------------------------------------------


def test_a_device_or_a_named_pipe_given_is_refused_with_a_reason(model, folder, data, tmp_path):
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    for path, kind in (("/dev/null", "a character device"), (str(fifo), "a named pipe")):
        result = cli(data, "ingest", "--quiet", path)
        assert result.exit_code == 1, result.output
        assert f"refused: {path}: not a file or folder but {kind}" in result.output and "refused 1" in result.output


@pytest.mark.timeout(60)  # opened, a pipe no one writes to would wait for ever
def test_named_pipes_and_sockets_inside_a_folder_are_named_as_skipped_one_line_each_and_never_opened(model, folder, data):
    os.mkfifo(folder / "billing" / "faq.md")
    os.mkfifo(folder / "feed")
    os.mkfifo(folder / ".cache")  # hidden, as any hidden file: not mentioned
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "agent.sock"))
    try:
        for args in (["--quiet"], ["--dry-run"]):
            result = cli(data, "ingest", *args, str(folder))
            assert result.exit_code == 0, result.output
            assert result.stderr.splitlines() == [
                "skipped agent.sock: not a file but a socket (ingest reads documents saved as files)",
                "skipped billing/faq.md: not a file but a named pipe (ingest reads documents saved as files)",
                "skipped feed: not a file but a named pipe (ingest reads documents saved as files)",
            ]
    finally:
        server.close()


def test_a_mistyped_path_is_a_usage_error_and_nothing_is_read(model, folder, data):
    result = cli(data, "ingest", "--quiet", str(folder), str(folder.parent / "dcos"))
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not data.exists()


def test_search_refuses_a_count_below_one_and_an_empty_query_as_usage_errors(model, folder, data):
    cli(data, "ingest", "--quiet", str(folder))
    for args in (["search", "refund", "-k", "-3"], ["search", "refund", "-k", "0"], ["search", ""], ["search", "  "]):
        result = cli(data, *args)
        assert result.exit_code == 2 and "1. " not in result.output, args


def test_a_dry_run_against_a_data_folder_that_does_not_exist_makes_none_and_says_the_knowledge_base_is_new(model, folder, data):
    result = cli(data, "ingest", "--dry-run", str(folder))
    assert result.exit_code == 0 and not data.exists()
    assert f"no knowledge base in {data.absolute()} yet" in result.stdout and "SWITCHBOARD_DATA_DIR" in result.stdout
    assert "would have added 3" in result.stdout


def test_a_dry_run_against_an_empty_knowledge_base_says_it_is_empty(model, folder, data):
    data.mkdir()
    result = cli(data, "ingest", "--dry-run", str(folder))
    assert result.exit_code == 0 and f"the knowledge base in {data.absolute()} is empty" in result.stdout
    cli(data, "ingest", "--quiet", str(folder))
    assert "is empty" not in cli(data, "ingest", "--dry-run", str(folder)).stdout
