"""The `switchboard` command as an operator uses it."""

from __future__ import annotations

from click.testing import CliRunner

from api.cli import main


def test_agent_create_prints_a_token_alone_on_the_last_line_and_rotates_it(tmp_path):
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path / "data")}
    first = CliRunner().invoke(main, ["agent", "create", "alice"], env=env)
    assert first.exit_code == 0, first.output
    token = first.stdout.strip().splitlines()[-1]
    assert len(token) >= 32 and " " not in token
    second = CliRunner().invoke(main, ["agent", "create", "alice"], env=env)
    assert "new token" in second.stdout and second.stdout.strip().splitlines()[-1] != token
    assert token not in (tmp_path / "data" / "switchboard.db").read_bytes().decode("latin-1")


def test_agent_create_refuses_an_empty_name(tmp_path):
    result = CliRunner().invoke(main, ["agent", "create", "  "], env={"SWITCHBOARD_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2 and "empty" in result.output
