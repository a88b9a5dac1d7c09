"""Hostile input (issue 9): schemathesis generates valid and invalid requests for every operation
in the app's OpenAPI schema and sends them to a real server. No request may get a 5xx, and every
response must be one the schema declares: its status code, content type, headers and body shape.

Requests carry real credentials most of the time (a customer's conversation token on
/v1/conversations/{id}/..., an agent's token on /v1/agent/..., an admin's on /v1/admin/...) and
often a real conversation, message or agent id in the path, so the fuzzer gets past the 401s and
404s to the handlers; the rest go without, or with ids the fuzzer made up.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from knowledge import Embedder, KnowledgeBase, Settings

from .api_helpers import ANSWERABLE, OFF_TOPIC, create_agent
from .conftest import make_settings
from .live_server import serve

pytestmark = pytest.mark.slow
VAULT_READER_TOKEN = "fuzz-vault-reader"

# A bounded run: about 10 s of requests on two cores for all the operations, after the shared
# setup. The coverage phase sends the boundary and just-invalid values of each parameter and body
# field (the hostile part); the fuzzing phase then sends this many random cases per operation.
# SWITCHBOARD_FUZZ_EXAMPLES raises it for a longer hunt; the run is derandomized so CI repeats it.
MAX_EXAMPLES = int(os.environ.get("SWITCHBOARD_FUZZ_EXAMPLES", "15"))
CONFIG = {
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
    "request-timeout": 30,
    # "Schema-valid request rejected" would fail every documented 422 the schema cannot express:
    # rules that are not valid YAML, a chat whose last message is not the user's, a line over the
    # configured length, `days` past 90. 422 is declared for them (api/error_schemas.py); any other
    # refusal of schema-valid input still fails.
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"],
        },
        # a body past the request limit (api.app.MAX_BODY_BYTES) is refused before it is read:
        # 413 is that refusal of a field over its maxLength (a 262 KB rules document, say)
        "negative_data_rejection": {
            "expected-statuses": ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"],
        },
    },
    # An event stream never ends by itself: each is read for a second (or two events), and only a
    # few random requests go to them.
    "operations": [
        {
            "include-path-regex": "/events$", "request-timeout": 1, "max-stream-events": 2,
            "generation": {"max-examples": 5}, "phases": {"coverage": {"enabled": False}},
        },
    ],
}


@dataclass
class World:
    """A running app with one of each kind of caller, and ids that exist in it."""

    base_url: str
    customer_id: str
    customer: dict[str, str]
    agent: dict[str, str]
    admin: dict[str, str]
    own_agent_ids: tuple[int, int]  # the admin's and the agent's: never revoked or demoted here
    agent_ids: list[int]
    message_ids: list[int] = field(default_factory=list)

    def credentials_for(self, path: str) -> dict[str, str]:
        if path.startswith("/v1/admin/"):
            return self.admin
        if path.startswith("/v1/agent/"):
            return self.agent
        if path.startswith("/v1/conversations/"):
            return self.customer
        if path.startswith("/v1/vault/"):
            return {"Authorization": f"Bearer {VAULT_READER_TOKEN}"}
        return {}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, seeded_dir: Path, embedder: Embedder) -> Iterator[World]:
    """One app for every operation: a fresh copy of the seeded data directory, served for real."""
    data = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(seeded_dir, data)
    settings = make_settings(data, vault_reader_token=VAULT_READER_TOKEN)
    kb = KnowledgeBase(settings, embedder=embedder)
    try:
        with serve(create_app(settings, kb)) as url, httpx.Client(base_url=url, timeout=30) as http:
            yield _populate(settings, url, http)
    finally:
        kb.close()


def _populate(settings: Settings, url: str, http: httpx.Client) -> World:
    admin = create_agent(settings, "fuzz-admin", "admin")
    agent = create_agent(settings, "fuzz-agent")
    create_agent(settings, "fuzz-spare")  # the one revoke and role changes may hit
    started = http.post("/v1/conversations").json()
    customer = {"Authorization": f"Bearer {started['token']}"}
    for text in (ANSWERABLE, OFF_TOPIC):  # a bot reply, then a handoff: the queue has a line
        said = http.post(f"/v1/conversations/{started['id']}/messages", json={"text": text}, headers=customer)
        assert said.status_code == 201, said.text
    agents = http.get("/v1/admin/agents", headers=admin).json()["agents"]
    messages = http.get(f"/v1/agent/conversations/{started['id']}", headers=agent).json()["messages"]
    return World(
        base_url=url, customer_id=started["id"], customer=customer, agent=agent, admin=admin,
        own_agent_ids=tuple(a["id"] for a in agents if a["name"] in ("fuzz-admin", "fuzz-agent")),
        agent_ids=[a["id"] for a in agents if a["name"] == "fuzz-spare"],
        message_ids=[m["id"] for m in messages],
    )


def _openapi() -> dict:
    """The schema the app serves at /openapi.json. Building the app opens nothing (services start
    in its lifespan), so this needs no data directory."""
    return create_app(Settings(_env_file=None, data_dir=Path("/nonexistent/switchboard-fuzz"))).openapi()


# Loaded when the module is imported, so each operation is a test of its own. (A schema from a
# fixture, `schemathesis.pytest.from_fixture`, would let the app serve it, but schemathesis 4.32
# reaches for a pytest node attribute that pytest 9.2 no longer has.)
schema = schemathesis.openapi.from_dict(_openapi(), config=SchemathesisConfig.from_dict(CONFIG))


def _aim(case, world: World, data: st.DataObject) -> None:
    """Point some cases at things that exist, so they reach the handlers."""
    params = case.path_parameters or {}
    if "conversation_id" in params and data.draw(st.booleans(), label="real conversation"):
        params["conversation_id"] = world.customer_id
    if "message_id" in params and data.draw(st.booleans(), label="real message"):
        params["message_id"] = data.draw(st.sampled_from(world.message_ids), label="message")
    if "agent_id" in params:
        if data.draw(st.booleans(), label="real agent"):
            params["agent_id"] = data.draw(st.sampled_from(world.agent_ids), label="agent")
        elif params["agent_id"] in world.own_agent_ids:
            params["agent_id"] = world.agent_ids[0]  # revoking the run's own callers would end the run


@schema.given(data=st.data())
@schema.parametrize()
def test_no_request_gets_a_5xx_or_an_undeclared_response(case, data, world):
    _aim(case, world, data)
    headers = world.credentials_for(case.path) if data.draw(st.integers(0, 4), label="auth") else {}
    case.call_and_validate(base_url=world.base_url, headers=headers)
