"""`serve` checks the settings that name other services first, and says what is wrong in one
line naming the setting: it used to die in the driver's traceback of a hundred lines."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from api import preflight
from api.cli import main
from api.preflight import setup_problems
from knowledge.settings import database_url_of

from .conftest import make_settings
from .tcp_proxy import cuttable
from .test_outages import through


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


# ----- Redis: a wrong URL let the worker serve with one warning, its events late on the others ------


def test_a_redis_url_that_is_no_url_is_refused_naming_the_setting(tmp_path):
    for url in ("notaurl", "redis://127.0.0.1:99999/0", "redis://127.0.0.1:6379/zero"):
        [problem] = setup_problems(make_settings(tmp_path / "data", redis_url=url))
        assert problem.startswith("SWITCHBOARD_REDIS_URL: cannot use it: ") and "\n" not in problem


def test_a_redis_database_index_out_of_range_is_refused(tmp_path, redis_url):
    out_of_range = redis_url.rsplit("/", 1)[0] + "/99"
    [problem] = setup_problems(make_settings(tmp_path / "data", redis_url=out_of_range))
    assert problem == f"SWITCHBOARD_REDIS_URL: Redis at {out_of_range} refused it: DB index is out of range"


def test_no_redis_at_the_url_is_refused_after_a_short_wait_without_its_password(tmp_path, monkeypatch):
    monkeypatch.setattr(preflight, "REDIS_WAIT_SECONDS", 1)
    url = f"redis://:secret@127.0.0.1:{closed_port()}/1"
    [problem] = setup_problems(make_settings(tmp_path / "data", redis_url=url))
    assert problem.startswith(f"SWITCHBOARD_REDIS_URL: no Redis answers at redis://:***@127.0.0.1:{url.rsplit(':', 1)[1]} (waited 1 s)")
    assert "secret" not in problem


def test_a_redis_restarting_while_the_worker_starts_is_waited_for(tmp_path, redis_url, monkeypatch):
    """A deploy during a Redis restart must not keep the workers from starting."""
    monkeypatch.setattr(preflight, "REDIS_WAIT_SECONDS", 20)
    upstream = urlsplit(redis_url)
    with cuttable(upstream.hostname, upstream.port or 6379) as proxy:
        proxy.cut()
        threading.Timer(1.5, proxy.restore).start()
        started = time.monotonic()
        assert setup_problems(make_settings(tmp_path / "data", redis_url=through(redis_url, proxy.port))) == []
        assert time.monotonic() - started >= 1.5


@pytest.fixture
def never_served(monkeypatch):
    """Had the checks passed, `serve` would serve until stopped: the test fails instead."""
    monkeypatch.setattr("uvicorn.run", lambda *_args, **_kwargs: pytest.fail("serve started despite the mistake"))


def test_serve_with_a_redis_url_that_is_no_url_says_so_in_one_line_and_exits_2(tmp_path, monkeypatch, never_served):
    monkeypatch.setenv("SWITCHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SWITCHBOARD_REDIS_URL", "notaurl")
    result = CliRunner().invoke(main, ["serve", "--port", str(closed_port())])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: SWITCHBOARD_REDIS_URL: cannot use it: Redis URL must specify")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_real_redis_passes(tmp_path, redis_url):
    assert setup_problems(make_settings(tmp_path / "data", redis_url=redis_url)) == []


# ----- the vault key: each worker sharing a database made its own, and opened no other's card -----


def test_a_shared_database_whose_cards_are_read_back_needs_the_vault_key(tmp_path, pg_url, monkeypatch, never_served):
    monkeypatch.setenv("SWITCHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", pg_url)
    monkeypatch.setenv("SWITCHBOARD_VAULT_READER_TOKEN", "reader")
    monkeypatch.delenv("SWITCHBOARD_VAULT_KEY", raising=False)
    result = CliRunner().invoke(main, ["serve", "--port", str(closed_port())])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: SWITCHBOARD_VAULT_KEY: not set, with a database other workers share")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "data" / "vault.key").exists()

    key = Fernet.generate_key().decode()
    assert setup_problems(make_settings(tmp_path / "data", database_url=pg_url, vault_reader_token="reader", vault_key=key)) == []


def test_without_a_reader_credential_or_a_shared_database_no_vault_key_is_needed(tmp_path, pg_url):
    # no card is ever read back: a key of each worker's own harms nothing (compose.yaml sets none)
    assert setup_problems(make_settings(tmp_path / "data", database_url=pg_url)) == []
    # one machine, one data directory: the key made there is the one every worker reads
    assert setup_problems(make_settings(tmp_path / "data", vault_reader_token="reader")) == []


def test_a_vault_key_that_is_no_fernet_key_is_refused_in_one_line(tmp_path):
    [problem] = setup_problems(make_settings(tmp_path / "data", vault_key="not-a-key"))
    assert problem.startswith("SWITCHBOARD_VAULT_KEY: not a Fernet key") and "not-a-key" not in problem
