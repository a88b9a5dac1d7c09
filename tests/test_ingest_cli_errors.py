"""What the editor's commands say about a removed document: found by a QA pass.

`kb show` of a removed document ended in an AssertionError traceback.
"""

from __future__ import annotations

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
