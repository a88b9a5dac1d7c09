"""`serve` checks the settings that name other services first, and says what is wrong in one
line naming the setting: it used to die in the driver's traceback of a hundred lines."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from api.cli import main
from api.preflight import setup_problems
from knowledge.settings import database_url_of

from .conftest import make_settings


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_postgres_scheme_hosting_providers_hand_out_is_postgresql():
    assert database_url_of("postgres://u:p@db.example:5432/app") == "postgresql://u:p@db.example:5432/app"
    assert database_url_of("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    assert database_url_of("sqlite:///data/x.db") == "sqlite:///data/x.db"


@pytest.mark.parametrize("url", ["mysql://u:secret@db/app", "postgres//foo", "just-a-path.db"])
def test_a_database_url_this_service_cannot_open_is_refused_without_its_password(url):
    with pytest.raises(ValueError, match="SWITCHBOARD_DATABASE_URL") as refused:
        database_url_of(url)
    assert "secret" not in str(refused.value)


def test_each_setting_that_names_a_service_is_checked_and_named(tmp_path):
    port = closed_port()
    settings = make_settings(
        tmp_path / "data", database_url=f"postgresql://nobody:secret@127.0.0.1:{port}/app",
        chroma_url=f"http://127.0.0.1:{port}", escalation_rules=tmp_path / "missing.yaml",
        cors_origins="https://ok.example, not an origin",
    )
    problems = setup_problems(settings)
    assert [p.split(":")[0] for p in problems] == [
        "SWITCHBOARD_DATABASE_URL", "SWITCHBOARD_CHROMA_URL", "SWITCHBOARD_ESCALATION_RULES", "SWITCHBOARD_CORS_ORIGINS",
    ]
    assert "secret" not in " ".join(problems) and all("\n" not in p for p in problems)


def test_the_embedded_defaults_have_nothing_to_check(tmp_path):
    assert setup_problems(make_settings(tmp_path / "data")) == []


def test_serve_with_an_unreachable_database_says_so_in_one_line_and_exits_2(tmp_path, monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", f"postgresql://127.0.0.1:{closed_port()}/app")
    result = CliRunner().invoke(main, ["serve", "--port", str(closed_port())])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: SWITCHBOARD_DATABASE_URL: cannot open the database postgresql://127.0.0.1:")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_real_postgresql_passes(tmp_path, pg_url):
    assert setup_problems(make_settings(tmp_path / "data", database_url=pg_url)) == []
