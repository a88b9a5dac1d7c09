"""A command that only reads what the data folder holds, run against one that does not exist: found
by a QA pass as an editor.

`SWITCHBOARD_DATA_DIR=/srv/switchbaord switchboard kb list` made that folder and an empty knowledge
base in it, and said "0 documents"; `search` said "no results (is the knowledge base empty?)";
`agent list` and `audit` listed nothing; `db current` made the folder and an empty database, and
said "api: none". The typo looked like an empty knowledge base, and left a stray folder behind.
Each now says in one line that there is nothing there, exit code 2, as a setting that cannot work
does, and makes nothing (as the dry run of `ingest` already did).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import main

KNOWLEDGE_BASE = {
    "search": ["search", "refunds"],
    "kb-list": ["kb", "list"],
    "kb-show": ["kb", "show", "faq"],
    "kb-stale": ["kb", "stale"],
    "kb-remove": ["kb", "remove", "faq"],
}
DATABASE = {
    "kb-gaps": ["kb", "gaps"],
    "kb-drafts": ["kb", "drafts"],
    "kb-drafts-export": ["kb", "drafts", "export", "DRAFTS"],
    "agent-list": ["agent", "list"],
    "agent-revoke": ["agent", "revoke", "bob"],
    "audit": ["audit"],
    "db-current": ["db", "current"],
}


def run(tmp_path: Path, data: Path | str, command: list[str]) -> Result:
    args = [str(tmp_path / "drafts") if a == "DRAFTS" else a for a in command]
    return CliRunner().invoke(main, args, env={"SWITCHBOARD_DATA_DIR": str(data)})


def said_in_one_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    [line] = result.stderr.splitlines()
    return line


@pytest.mark.parametrize("command", list(KNOWLEDGE_BASE.values()), ids=list(KNOWLEDGE_BASE))
def test_a_knowledge_base_command_against_a_data_folder_that_does_not_exist_says_there_is_none_and_makes_none(tmp_path, command):
    typo = tmp_path / "srv" / "switchbaord"
    line = said_in_one_line(run(tmp_path, typo, command))
    assert line == (
        f"error: SWITCHBOARD_DATA_DIR: no knowledge base in {typo}: the folder does not exist "
        "(check SWITCHBOARD_DATA_DIR, or run `switchboard ingest` to make one)"
    )
    assert not (tmp_path / "srv").exists()


@pytest.mark.parametrize("command", list(DATABASE.values()), ids=list(DATABASE))
def test_a_command_reading_the_database_against_a_data_folder_that_does_not_exist_says_so_and_makes_none(tmp_path, command):
    typo = tmp_path / "srv" / "switchbaord"
    line = said_in_one_line(run(tmp_path, typo, command))
    assert line == (
        f"error: SWITCHBOARD_DATA_DIR: no Switchboard database in {typo}: the folder does not exist "
        "(check SWITCHBOARD_DATA_DIR, or start `switchboard serve` there first)"
    )
    assert not (tmp_path / "srv").exists() and not (tmp_path / "drafts").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux") or not Path("/proc/self").exists(), reason="needs /proc")
def test_a_data_folder_that_could_not_even_be_made_is_none_either(tmp_path):
    assert "no knowledge base in /proc/qa" in said_in_one_line(run(tmp_path, "/proc/qa", ["kb", "list"]))


def test_an_empty_data_folder_is_an_empty_knowledge_base(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    result = run(tmp_path, data, ["kb", "list"])
    assert result.exit_code == 0 and result.stdout == "0 documents\n"
