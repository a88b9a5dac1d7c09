"""Settings that cannot work stop every `switchboard` command in one line, exit code 2.

QA found each ending in a traceback: SWITCHBOARD_CHUNK_SIZE=abc (pydantic's ValidationError), =0
("ValueError: chunk_size must be > 0" from the text splitter), an overlap larger than the chunk
size, SWITCHBOARD_DATA_DIR naming a file (FileExistsError) or a folder no one can make (/proc/qa:
FileNotFoundError); and SWITCHBOARD_MAX_DOC_BYTES=-1 was taken, then refused every file as too big.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pydantic import ValidationError

from api.cli import main
from knowledge import Settings
from knowledge.settings import setting_problems

COMMANDS = {
    "ingest": ["ingest", "DOCS"],
    "dry-run": ["ingest", "--dry-run", "DOCS"],
    "search": ["search", "refunds"],
    "kb-list": ["kb", "list"],
    "kb-show": ["kb", "show", "faq"],
    "kb-stale": ["kb", "stale"],
    "agent-list": ["agent", "list"],
    "db-current": ["db", "current"],
}


def run(tmp_path: Path, env: dict[str, str], command: list[str]) -> Result:
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "faq.md").write_text("---\ntitle: FAQ\nverified: true\n---\nRefunds take 14 days.\n")
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path / "data"), **env}
    return CliRunner().invoke(main, [str(docs) if a == "DOCS" else a for a in command], env=env)


def assert_one_line(result: Result, starts: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    said = result.stderr.strip()
    assert "\n" not in said, said
    assert said.startswith(f"error: {starts}"), said
    return said


BAD = {
    "chunk-size-not-a-number": ({"SWITCHBOARD_CHUNK_SIZE": "abc"}, "SWITCHBOARD_CHUNK_SIZE: 'abc'", "whole number greater than 0"),
    "chunk-size-zero": ({"SWITCHBOARD_CHUNK_SIZE": "0"}, "SWITCHBOARD_CHUNK_SIZE: '0'", "whole number greater than 0"),
    "overlap-over-size": (
        {"SWITCHBOARD_CHUNK_SIZE": "100", "SWITCHBOARD_CHUNK_OVERLAP": "500"},
        "SWITCHBOARD_CHUNK_OVERLAP (500) must be less than SWITCHBOARD_CHUNK_SIZE (100)", "",
    ),
    "max-doc-bytes-negative": (
        {"SWITCHBOARD_MAX_DOC_BYTES": "-1"}, "SWITCHBOARD_MAX_DOC_BYTES: '-1'", "whole number greater than 0",
    ),
    "data-dir-is-a-file": ({"SWITCHBOARD_DATA_DIR": "/etc/passwd"}, "SWITCHBOARD_DATA_DIR: /etc/passwd is a file", "must be a folder"),
}


@pytest.mark.parametrize("command", list(COMMANDS.values()), ids=list(COMMANDS))
@pytest.mark.parametrize(("env", "starts", "allowed"), list(BAD.values()), ids=list(BAD))
def test_an_unusable_setting_is_one_line_naming_it_and_exit_code_2(tmp_path, command, env, starts, allowed):
    said = assert_one_line(run(tmp_path, env, command), starts)
    assert allowed in said
    assert not (tmp_path / "data").exists()  # stopped before doing anything


@pytest.mark.parametrize("command", [["serve", "--port", "9"], ["demo", "--port", "9"]], ids=["serve", "demo"])
def test_serve_and_demo_refuse_a_bad_setting_before_starting(tmp_path, command):
    assert_one_line(run(tmp_path, {"SWITCHBOARD_CHUNK_SIZE": "abc"}, command), "SWITCHBOARD_CHUNK_SIZE")


def test_a_data_dir_inside_a_file_is_refused_as_such(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    said = assert_one_line(
        run(tmp_path, {"SWITCHBOARD_DATA_DIR": str(tmp_path / "notes.txt" / "data")}, ["kb", "list"]),
        "SWITCHBOARD_DATA_DIR:",
    )
    assert f"inside {tmp_path / 'notes.txt'}, which is a file" in said


@pytest.mark.skipif(not sys.platform.startswith("linux") or not Path("/proc/self").exists(), reason="needs /proc")
@pytest.mark.parametrize("command", [COMMANDS["ingest"], ["agent", "create", "bob"], ["serve", "--port", "9"]],
                         ids=["ingest", "agent-create", "serve"])
def test_a_data_dir_that_cannot_be_made_is_one_line_and_exit_code_2(tmp_path, command):
    """A command that makes the data folder (one that only reads it makes none: tests/test_mistyped_data_dir.py)."""
    said = assert_one_line(run(tmp_path, {"SWITCHBOARD_DATA_DIR": "/proc/qa"}, command), "SWITCHBOARD_DATA_DIR:")
    assert "cannot make the folder /proc/qa" in said


def test_a_bad_database_url_is_one_line_for_the_editors_commands_too(tmp_path):
    result = run(tmp_path, {"SWITCHBOARD_DATABASE_URL": "mysql://u:secret@db/app"}, ["kb", "list"])
    said = assert_one_line(result, "SWITCHBOARD_DATABASE_URL:")
    assert "secret" not in said


def test_settings_refuse_values_that_cannot_work(tmp_path):
    for bad in ({"max_doc_bytes": -1}, {"max_doc_bytes": 0}, {"chunk_size": 0}, {"chunk_overlap": -1},
                {"chunk_size": 100, "chunk_overlap": 100}, {"top_k": 0}, {"llm_timeout_seconds": 0}):
        with pytest.raises(ValidationError):
            Settings(_env_file=None, data_dir=tmp_path, **bad)
    Settings(_env_file=None, data_dir=tmp_path / "new", chunk_size=100, chunk_overlap=99, max_doc_bytes=1)


def test_each_problem_names_its_variable_and_what_it_may_be(tmp_path):
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, data_dir=tmp_path, chunk_size="abc", llm_provider="gpt", target_precision=2)
    assert setting_problems(caught.value) == [
        "SWITCHBOARD_CHUNK_SIZE: 'abc' is not allowed: it must be a whole number greater than 0",
        "SWITCHBOARD_LLM_PROVIDER: 'gpt' is not allowed: it must be 'extractive' or 'openai'",
        "SWITCHBOARD_TARGET_PRECISION: '2' is not allowed: it must be a number greater than 0 and at most 1",
    ]


def test_an_overlap_left_at_its_default_says_so(tmp_path):
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, data_dir=tmp_path, chunk_size=100)
    assert setting_problems(caught.value) == [
        "SWITCHBOARD_CHUNK_OVERLAP (120, its default) must be less than SWITCHBOARD_CHUNK_SIZE (100): "
        "lower the overlap, or raise the chunk size"
    ]
