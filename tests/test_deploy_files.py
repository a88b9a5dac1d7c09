"""The deployment files stay true to the code: every setting compose.yaml gives a worker is one
Switchboard reads, and the balancer sends to every worker it defines."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from knowledge import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_compose_sets_only_settings_that_exist_and_balances_over_every_worker():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    workers = [name for name in services if name.startswith("worker-")]
    assert len(workers) >= 2
    fields = {name.upper() for name in Settings.model_fields}
    for name in workers:
        env = services[name]["environment"]
        unknown = [k for k in env if k.startswith("SWITCHBOARD_") and k.removeprefix("SWITCHBOARD_") not in fields]
        assert not unknown, unknown
        assert env["SWITCHBOARD_DATABASE_URL"].startswith("postgresql://")
        assert env["SWITCHBOARD_REDIS_URL"].startswith("redis://")
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert sorted(re.findall(r"server (worker-\d+):8000;", nginx)) == sorted(workers)
    assert "proxy_buffering off" in nginx  # event streams flow as they are written


def test_a_client_cannot_choose_the_address_its_rate_limits_and_audit_entries_go_by():
    # the workers trust every X-Forwarded-For they get: the balancer must be the only way in, and
    # must send the address it saw, not append to one the client wrote
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    for name in (n for n in services if n.startswith("worker-")):
        assert services[name]["environment"]["FORWARDED_ALLOW_IPS"] == "*"
        assert "ports" not in services[name]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert "$proxy_add_x_forwarded_for" not in nginx
