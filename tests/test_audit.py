"""The audit log: every agent action, sign-in and account change, with who and when, readable
with `switchboard audit`."""

from __future__ import annotations


from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.cli import main
from knowledge import Settings

from .api_helpers import ANSWERABLE, OFF_TOPIC, create_agent, start_conversation


def switchboard(settings: Settings, *args: str) -> list[str]:
    result = CliRunner().invoke(main, list(args), env={"SWITCHBOARD_DATA_DIR": str(settings.data_dir)})
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()


def audit(settings: Settings, *args: str) -> list[str]:
    return switchboard(settings, "audit", *args)


def test_every_agent_action_on_a_conversation_is_recorded_with_who(client: TestClient, settings: Settings) -> None:
    alice = create_agent(settings, "alice")
    customer = start_conversation(client)
    customer.say(ANSWERABLE)
    customer.say(OFF_TOPIC)
    path = f"/v1/agent/conversations/{customer.id}"
    bot = client.get(path, headers=alice).json()["messages"][1]  # the answer: a handoff notice is no answer to correct
    assert client.post(f"{path}/claim", headers=alice).status_code == 200
    assert client.post(f"{path}/messages", json={"text": "Hi, Alice here."}, headers=alice).status_code == 201
    correction = {"text": "Paris is the capital of France."}
    assert client.post(f"{path}/messages/{bot['id']}/correct", json=correction, headers=alice).status_code == 201
    assert client.post(f"{path}/release", headers=alice).status_code == 200
    assert client.post(f"{path}/close", headers=alice).status_code == 200

    lines = audit(settings, "--conversation", customer.id)
    actions = [line.split()[4] for line in reversed(lines)]  # oldest first
    assert actions == [
        "conversation.claim", "conversation.reply", "conversation.correct",
        "conversation.release", "conversation.close",
    ]
    assert all(line.split()[3] == "alice" and f"conversation={customer.id}" in line for line in lines)


def test_a_refused_action_leaves_no_entry(client: TestClient, settings: Settings) -> None:
    alice, bob = create_agent(settings, "alice"), create_agent(settings, "bob")
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    assert client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice).status_code == 200
    assert client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=bob).status_code == 409
    assert audit(settings, "--agent", "bob") == []


def test_sign_ins_refusals_and_account_changes_are_recorded(client: TestClient, settings: Settings) -> None:
    switchboard(settings, "agent", "create", "root", "--role", "admin")
    token = switchboard(settings, "agent", "create", "root")[-1]  # a new token: the old one is gone
    root = {"Authorization": f"Bearer {token}"}
    assert client.post("/v1/agent/session", json={"token": "not-a-token"}).status_code == 401
    made = client.post("/v1/admin/agents", json={"name": "carol", "role": "agent"}, headers=root)
    assert made.status_code == 201
    carol = {"Authorization": f"Bearer {made.json()['token']}"}
    signed_in = client.post("/v1/agent/session", json={"token": carol["Authorization"].removeprefix("Bearer ")})
    csrf = signed_in.json()["csrf_token"]
    assert client.delete("/v1/agent/session", headers={"X-CSRF-Token": csrf}).status_code in (200, 204)
    agent_id = made.json()["agent"]["id"]
    assert client.post(f"/v1/admin/agents/{agent_id}/revoke", headers=root).status_code == 200

    assert audit(settings, "--action", "session.sign_in_refused")[0].split()[3] == "anonymous"
    by_root = [line.split()[4] for line in reversed(audit(settings, "--agent", "root"))]
    assert by_root == ["agent.create", "agent.revoke"]
    by_carol = [line.split()[4] for line in reversed(audit(settings, "--agent", "carol"))]
    assert by_carol == ["session.sign_in", "agent.presence", "session.sign_out", "agent.presence"]  # online, then away
    assert [line.split()[4] for line in reversed(audit(settings, "--agent", "cli"))] == ["agent.create", "agent.new_token"]
