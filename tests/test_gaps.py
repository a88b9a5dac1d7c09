"""The editors' loop: `switchboard kb gaps` shows what the knowledge base is missing, from the
questions the bot handed off, and the replies agents flagged or corrected, grouped by meaning."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.db import open_database
from api.gaps import collect, group
from knowledge import Embedder, KnowledgeBase, Settings

from .api_helpers import ANSWERABLE, create_agent, start_conversation

CHEQUE_1 = "Can I pay an invoice by cheque?"
CHEQUE_2 = "Do you accept paper cheques as payment?"
DARK_MODE = "Does Tally have a dark mode?"


@pytest.fixture
def history(settings: Settings, kb: KnowledgeBase) -> dict[str, str]:
    """Conversations with two handed-off questions about cheques (one answered by an agent), one
    about dark mode, and a bot reply flagged and corrected."""
    with TestClient(create_app(settings, kb)) as client:
        alice = create_agent(settings, "alice")
        ids = {}
        for text in (CHEQUE_1, CHEQUE_2, DARK_MODE):
            customer = start_conversation(client)
            reply = customer.say(text).json()["reply"]
            assert reply["handoff_reason"] == "low_confidence", text
            ids[text] = customer.id
        client.post(f"/v1/agent/conversations/{ids[CHEQUE_1]}/messages", json={"text": "We take bank transfers and cards, not cheques."}, headers=alice)
        answered = start_conversation(client)
        answered.say(ANSWERABLE)
        bot = answered.conversation()["messages"][1]["id"]
        base = f"/v1/agent/conversations/{answered.id}/messages/{bot}"
        assert client.post(f"{base}/flag", json={"note": "shows the wrong steps"}, headers=alice).status_code == 201
        assert client.post(f"{base}/correct", json={"text": "Settings → Security → Reset password."}, headers=alice).status_code == 201
        ids[ANSWERABLE] = answered.id
    return ids


def gaps_of(settings: Settings, embedder: Embedder, since: datetime):
    async def read():
        engine = await open_database(settings.resolved_database_url)
        try:
            return await collect(engine, since)
        finally:
            await engine.dispose()

    return group(asyncio.run(read()), embedder)


def test_questions_that_mean_the_same_are_one_gap_largest_first_with_the_agents_answer(history, settings, embedder):
    gaps = gaps_of(settings, embedder, datetime.now(UTC) - timedelta(days=1))
    assert [len(g.examples) for g in gaps] == [2, 1, 1]
    cheques = gaps[0]
    assert {e.question for e in cheques.examples} == {CHEQUE_1, CHEQUE_2}
    assert cheques.kinds == {"handed_off": 2}
    assert {e.answer for e in cheques.examples} == {"We take bank transfers and cards, not cheques.", None}
    flagged = next(g for g in gaps if g.examples[0].question == ANSWERABLE).examples[0]
    # flagged and corrected: counted once, as corrected, with the correction as the answer
    assert (flagged.kind, flagged.answer) == ("corrected", "Settings → Security → Reset password.")


def test_nothing_older_than_the_window_is_shown(history, settings, embedder):
    assert gaps_of(settings, embedder, datetime.now(UTC) + timedelta(minutes=1)) == []


def test_the_cli_prints_the_gaps_and_json_for_tools(history, settings):
    env = {"SWITCHBOARD_DATA_DIR": str(settings.data_dir)}
    text = CliRunner().invoke(main, ["kb", "gaps"], env=env)
    assert text.exit_code == 0, text.output
    assert text.stdout.startswith("1. 2 question(s): 2 handed off")
    assert "agent: We take bank transfers and cards, not cheques." in text.stdout
    out = CliRunner().invoke(main, ["kb", "gaps", "--json"], env=env)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert [g["size"] for g in data] == [2, 1, 1] and data[0]["kinds"] == {"handed_off": 2}


def test_with_nothing_to_show_the_cli_says_so(tmp_path):
    (tmp_path / "data").mkdir()  # none at all is said as such: tests/test_mistyped_data_dir.py
    result = CliRunner().invoke(main, ["kb", "gaps"], env={"SWITCHBOARD_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0 and "no handed-off, flagged or corrected answers" in result.output
