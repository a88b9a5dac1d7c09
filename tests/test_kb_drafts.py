"""Knowledge capture, the editors' loop closed: an agent proposes an answer they gave as a
knowledge-base draft; admins list and dismiss drafts; `switchboard kb drafts export DIR` writes the
proposed ones as Markdown files that the ingest refuses until an editor marks them verified."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api import kb_drafts
from api.cli import main
from api.db import open_database
from api.kb_draft_files import markdown, slug, write_draft
from ingest import Chunker, load_file, sync
from knowledge import Settings

from .api_helpers import ANSWERABLE, OFF_TOPIC, Customer, create_agent, start_conversation
from .previous_release import forget_steps, sqlite_database

CARD = "4242 4242 4242 4242"  # passes the Luhn check: masked wherever it is stored
CORRECTION = "Go to Settings → Security and click **Reset password**; the link is valid for 1 hour."


@dataclass
class Corrected:
    customer: Customer
    bot_id: int
    correction_id: int

    @property
    def propose_url(self) -> str:
        return kb_draft_url(self.customer.id, self.correction_id)


def kb_draft_url(conversation_id: str, message_id: int) -> str:
    return f"/v1/agent/conversations/{conversation_id}/messages/{message_id}/kb-draft"


@pytest.fixture
def root(admin: dict[str, str]) -> dict[str, str]:
    return admin


@pytest.fixture
def corrected(client: TestClient, alice: dict[str, str]) -> Corrected:
    """A customer asked a question, the bot answered, and alice corrected the answer."""
    customer = start_conversation(client)
    customer.say(ANSWERABLE)
    bot = customer.conversation()["messages"][1]
    assert bot["role"] == "bot"
    response = client.post(
        f"/v1/agent/conversations/{customer.id}/messages/{bot['id']}/correct", json={"text": CORRECTION}, headers=alice
    )
    assert response.status_code == 201, response.text
    return Corrected(customer, bot["id"], response.json()["id"])


def run(settings: Settings, action):
    async def go():
        engine = await open_database(settings.resolved_database_url)
        try:
            return await action(engine)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def cli(settings: Settings, *args: str):
    result = CliRunner().invoke(main, list(args), env={"SWITCHBOARD_DATA_DIR": str(settings.data_dir)})
    assert result.exit_code == 0, result.output
    return result


# ----- proposing ----------------------------------------------------------------------------


def test_a_correction_becomes_a_draft_titled_with_the_question_and_the_correction_as_body(client, alice, root, corrected):
    response = client.post(corrected.propose_url, headers=alice)
    assert response.status_code == 201, response.text
    draft = response.json()
    assert (draft["question"], draft["title"], draft["body"]) == (ANSWERABLE, ANSWERABLE, CORRECTION)
    assert (draft["message_id"], draft["corrects"]) == (corrected.correction_id, corrected.bot_id)
    assert (draft["proposed_by"], draft["status"], draft["conversation_id"]) == ("alice", "proposed", corrected.customer.id)

    listed = client.get("/v1/admin/kb-drafts", headers=root).json()["kb_drafts"]
    assert [d["id"] for d in listed] == [draft["id"]]
    messages = client.get(f"/v1/agent/conversations/{corrected.customer.id}", headers=alice).json()["messages"]
    assert {m["id"]: m["kb_draft_id"] for m in messages}[corrected.correction_id] == draft["id"]
    assert all("kb_draft_id" not in m for m in corrected.customer.conversation()["messages"])  # agents only


def test_proposing_is_in_the_audit_log(settings, client, alice, corrected):
    draft = client.post(corrected.propose_url, headers=alice).json()
    log = cli(settings, "audit", "--action", "kb_draft.propose").stdout
    assert f"alice  kb_draft.propose conversation={corrected.customer.id} draft_id={draft['id']}" in log


def test_any_agent_reply_answers_the_customers_last_question(client, alice):
    """After a handoff, the person's answer is proposed with the question the bot could not answer."""
    customer = start_conversation(client)
    assert customer.say(OFF_TOPIC).json()["reply"]["handoff"] is True
    url = f"/v1/agent/conversations/{customer.id}/messages"
    client.post(url, json={"text": "Hi, I'm Alice."}, headers=alice)
    answer = client.post(url, json={"text": "Paris."}, headers=alice).json()
    draft = client.post(kb_draft_url(customer.id, answer["id"]), headers=alice).json()
    assert (draft["question"], draft["body"], draft["corrects"]) == (OFF_TOPIC, "Paris.", None)


def test_the_agent_may_edit_title_body_and_tags_first(client, alice, corrected):
    body = {"title": "  Reset your\npassword ", "body": "## Steps\n\n1. Settings\n2. Security\n", "tags": ["Account", "pass words"]}
    draft = client.post(corrected.propose_url, json=body, headers=alice).json()
    assert draft["title"] == "Reset your password"  # one line
    assert draft["body"] == "## Steps\n\n1. Settings\n2. Security"
    assert draft["tags"] == ["account", "pass-words"]


def test_a_card_number_never_ends_up_in_a_draft(settings, client, alice, corrected, tmp_path):
    body = {"title": f"Card {CARD}", "body": f"Pay with {CARD.replace(' ', '-')} or 4242424242424242."}
    draft = client.post(corrected.propose_url, json=body, headers=alice).json()
    assert draft["title"] == "Card •••• •••• •••• 4242"
    assert draft["body"] == "Pay with •••• •••• •••• 4242 or •••• •••• •••• 4242."
    cli(settings, "kb", "drafts", "export", str(tmp_path / "drafts"))
    (written,) = (tmp_path / "drafts").iterdir()
    assert "4242 4242" not in written.read_text() and "4242424242424242" not in written.read_text()


def test_a_tag_that_holds_a_card_number_is_refused(client, alice, corrected):
    for tag in (CARD, CARD.replace(" ", "-"), CARD.replace(" ", "")):
        refused = client.post(corrected.propose_url, json={"tags": ["billing", tag]}, headers=alice)
        assert refused.status_code == 422 and "card number" in refused.text
        assert CARD.replace(" ", "")[:8] not in refused.text.replace("-", "").replace(" ", "")
    assert client.post(corrected.propose_url, json={"tags": ["billing", "invoice-1042"]}, headers=alice).status_code == 201


def test_a_tag_is_checked_whole_before_it_is_cut_to_its_length():
    from api.errors import Invalid
    from api.kb_drafts import clean_tags

    with pytest.raises(Invalid, match="card number"):
        clean_tags(["x" * 30 + " " + CARD])  # cut at 40 first, it kept the card's first digits


def test_nor_does_one_the_customer_typed_in_the_question(client, alice):
    customer = start_conversation(client)
    customer.say(f"My card {CARD} was declined, why?")
    answer = client.post(
        f"/v1/agent/conversations/{customer.id}/messages", json={"text": "The bank declined it."}, headers=alice
    ).json()
    draft = client.post(kb_draft_url(customer.id, answer["id"]), headers=alice).json()
    assert draft["question"] == draft["title"] == "My card •••• •••• •••• 4242 was declined, why?"


@dataclass
class _Row:
    id: int
    role: str
    text: str


def test_the_question_is_every_line_the_customer_sent_before_the_answer():
    rows = [
        _Row(1, "customer", "Old question"), _Row(2, "bot", "Old answer"),
        _Row(3, "customer", "Hello"), _Row(4, "customer", "How do refunds work?"), _Row(5, "bot", "Like this."),
    ]
    assert kb_drafts.question_for(rows, anchor=5) == "Hello\nHow do refunds work?"
    assert kb_drafts.question_for(rows, anchor=3) == "Old question"
    assert kb_drafts.question_for(rows, anchor=1) == ""


def test_unknown_conversation_or_message_gets_404(client, alice, corrected):
    assert client.post(kb_draft_url("no-such-conversation", 1), headers=alice).status_code == 404
    assert client.post(kb_draft_url(corrected.customer.id, 999_999), headers=alice).status_code == 404
    other = start_conversation(client)  # a message of another conversation is not in this one
    assert client.post(kb_draft_url(other.id, corrected.correction_id), headers=alice).status_code == 404


def test_only_an_agents_answer_can_be_proposed_409(client, alice, corrected):
    customer_line = corrected.bot_id - 1
    for message_id in (customer_line, corrected.bot_id):
        response = client.post(kb_draft_url(corrected.customer.id, message_id), headers=alice)
        assert response.status_code == 409 and "agent's answer" in response.json()["detail"]


def test_a_reply_that_answers_no_question_gets_409(client, alice):
    customer = start_conversation(client)
    greeting = client.post(f"/v1/agent/conversations/{customer.id}/messages", json={"text": "Hello!"}, headers=alice).json()
    response = client.post(kb_draft_url(customer.id, greeting["id"]), headers=alice)
    assert response.status_code == 409 and "no customer question" in response.json()["detail"]


def test_proposing_the_same_answer_twice_gets_409(client, alice, corrected):
    assert client.post(corrected.propose_url, headers=alice).status_code == 201
    again = client.post(corrected.propose_url, json={"title": "Another"}, headers=alice)
    assert again.status_code == 409 and "already" in again.json()["detail"]


@pytest.mark.parametrize("body", [
    {"title": ""}, {"title": "x" * 201}, {"body": ""}, {"body": "   "}, {"title": " \n "}, {"body": "x" * 20_001},
    {"tags": ["x"] * 11}, {"text": "unknown field"},
])
def test_bad_input_gets_422(client, alice, corrected, body):
    assert client.post(corrected.propose_url, json=body, headers=alice).status_code == 422


def test_another_agents_reply_cannot_be_proposed_403(settings, client, alice, corrected):
    """Found by a security test: any agent could propose anyone's reply, the draft going out under
    their own name. An agent proposes only what they wrote (any reply of theirs, as the README says)."""
    bob = create_agent(settings, "bob")
    refused = client.post(corrected.propose_url, headers=bob)
    assert refused.status_code == 403 and "alice's" in refused.json()["detail"]
    assert client.post(corrected.propose_url, headers=alice).status_code == 201  # nothing was stored


def test_an_admin_may_propose_any_agents_reply(client, alice, root, corrected):
    """Admins curate the knowledge base: the answers of an agent who has left are still worth an article."""
    draft = client.post(corrected.propose_url, headers=root)
    assert draft.status_code == 201
    assert (draft.json()["proposed_by"], draft.json()["body"]) == ("root", CORRECTION)


def test_with_the_console_cookie_proposing_needs_the_csrf_token(client, alice, corrected):
    session = client.post("/v1/agent/session", json={"token": alice["Authorization"].removeprefix("Bearer ")}).json()
    assert client.post(corrected.propose_url).status_code == 403
    assert client.post(corrected.propose_url, headers={"X-CSRF-Token": session["csrf_token"]}).status_code == 201


def test_only_agents_propose_and_only_admins_list_and_dismiss(client, alice, root, corrected):
    assert client.post(corrected.propose_url).status_code == 401
    assert client.post(corrected.propose_url, headers=corrected.customer.auth).status_code == 401
    draft = client.post(corrected.propose_url, headers=alice).json()
    assert client.get("/v1/admin/kb-drafts").status_code == 401
    assert client.get("/v1/admin/kb-drafts", headers=alice).status_code == 403
    assert client.post(f"/v1/admin/kb-drafts/{draft['id']}/dismiss").status_code == 401
    assert client.post(f"/v1/admin/kb-drafts/{draft['id']}/dismiss", headers=alice).status_code == 403


# ----- dismissing and exporting -------------------------------------------------------------


def test_a_dismissed_draft_is_never_exported(settings, client, alice, root, corrected, tmp_path):
    draft = client.post(corrected.propose_url, headers=alice).json()
    dismissed = client.post(f"/v1/admin/kb-drafts/{draft['id']}/dismiss", headers=root)
    assert dismissed.status_code == 200
    assert (dismissed.json()["status"], dismissed.json()["status_by"]) == ("dismissed", "root")
    assert client.post(f"/v1/admin/kb-drafts/{draft['id']}/dismiss", headers=root).json()["status"] == "dismissed"
    assert client.post("/v1/admin/kb-drafts/999999/dismiss", headers=root).status_code == 404
    assert client.get("/v1/admin/kb-drafts?status=proposed", headers=root).json()["kb_drafts"] == []
    out = tmp_path / "drafts"
    assert "no proposed drafts to export" in cli(settings, "kb", "drafts", "export", str(out)).stdout
    assert not out.exists()  # nothing to write: not even the folder


def test_export_writes_each_draft_once_never_overwriting_a_file(settings, client, alice, root, corrected, tmp_path):
    draft = client.post(corrected.propose_url, headers=alice).json()
    out = tmp_path / "drafts"
    out.mkdir()
    taken = out / "how-do-i-reset-my-password.md"
    taken.write_text("an editor's own file")

    first = run(settings, lambda engine: kb_drafts.export(engine, out))
    assert [(e.path.name, e.written) for e in first] == [("how-do-i-reset-my-password-2.md", True)]
    assert taken.read_text() == "an editor's own file"
    assert run(settings, lambda engine: kb_drafts.export(engine, out)) == []  # again: nothing new
    assert sorted(p.name for p in out.iterdir()) == ["how-do-i-reset-my-password-2.md", "how-do-i-reset-my-password.md"]

    exported = client.get("/v1/admin/kb-drafts", headers=root).json()["kb_drafts"][0]
    assert (exported["status"], exported["status_by"]) == ("exported", "cli")
    assert exported["exported_path"] == str(out / "how-do-i-reset-my-password-2.md")
    refused = client.post(f"/v1/admin/kb-drafts/{draft['id']}/dismiss", headers=root)
    assert refused.status_code == 409 and "delete that file" in refused.json()["detail"]


def test_an_export_interrupted_before_it_was_recorded_does_not_write_the_draft_twice(settings, client, alice, corrected, tmp_path):
    client.post(corrected.propose_url, headers=alice)
    (draft,) = run(settings, lambda engine: kb_drafts.list_drafts(engine))
    out = tmp_path / "drafts"
    path, written = write_draft(out, draft)  # the file was written; the status never changed
    (again,) = run(settings, lambda engine: kb_drafts.export(engine, out))
    assert (again.path, again.written, written) == (path, False, True)
    assert [p.name for p in out.iterdir()] == [path.name]


def test_file_names_are_safe_slugs():
    assert slug("How do I reset my password?") == "how-do-i-reset-my-password"
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("Crème brûlée für Zoë") == "creme-brulee-fur-zoe"
    assert slug("???") == ""
    assert len(slug("word " * 40)) <= 60


def test_front_matter_cannot_be_broken_out_of(settings, client, alice, corrected):
    client.post(corrected.propose_url, json={"title": "a: b\n---\nverified: true"}, headers=alice)
    (draft,) = run(settings, lambda engine: kb_drafts.list_drafts(engine))
    from ingest.metadata import split_front_matter

    meta, body = split_front_matter(markdown(draft))
    assert meta["verified"] is False and meta["title"] == "a: b --- verified: true"
    assert body.strip() == CORRECTION


# ----- the round trip through the ingest ----------------------------------------------------


def test_an_exported_draft_is_refused_by_the_ingest_until_an_editor_verifies_it(
    settings, client, alice, corrected, tmp_path, empty_kb
):
    client.post(corrected.propose_url, json={"tags": ["account"]}, headers=alice)
    out = tmp_path / "drafts"
    cli(settings, "kb", "drafts", "export", str(out))
    (path,) = out.iterdir()

    (doc,), refusals = load_file(path, out, max_bytes=5_000_000)  # the repo's own loader reads it
    assert refusals == []
    assert (doc.title, doc.owner, doc.verified, doc.text) == (ANSWERABLE, "alice", False, CORRECTION)
    assert doc.metadata["tags"] == "kb-draft,account"

    report = sync(empty_kb, [out], chunker=Chunker(), max_doc_bytes=5_000_000)
    assert not report.ok and report.added == []
    assert "not verified" in report.refused[0].reason and report.refused[0].path == str(path.resolve())
    assert empty_kb.catalog.count() == 0

    path.write_text(path.read_text().replace("verified: false", "verified: true", 1))
    report = sync(empty_kb, [out], chunker=Chunker(), max_doc_bytes=5_000_000)
    assert report.ok and report.added == ["how-do-i-reset-my-password"]
    indexed = empty_kb.catalog.get("how-do-i-reset-my-password")
    assert (indexed.title, indexed.owner) == (ANSWERABLE, "alice")


# ----- the CLI ------------------------------------------------------------------------------


def test_the_cli_lists_proposed_drafts_and_json_for_tools(settings, client, alice, corrected):
    assert "no proposed drafts" in cli(settings, "kb", "drafts").stdout
    client.post(corrected.propose_url, headers=alice)
    text = cli(settings, "kb", "drafts").stdout
    assert f"alice  {ANSWERABLE}" in text and f"conversation {corrected.customer.id}" in text
    assert "1 proposed draft(s)" in text
    (item,) = json.loads(cli(settings, "kb", "drafts", "--json").stdout)
    assert (item["title"], item["body"], item["status"]) == (ANSWERABLE, CORRECTION, "proposed")
    assert json.loads(cli(settings, "kb", "drafts", "--status", "exported", "--json").stdout) == []


# ----- the schema ---------------------------------------------------------------------------


def test_a_database_from_before_drafts_gains_the_table(tmp_path):
    run_url = sqlite_database(tmp_path / "db.sqlite")
    engine = sa.create_engine(run_url)
    with engine.begin() as conn:  # as the hand-written runner's m001–m009 left it
        conn.execute(sa.text("DROP TABLE kb_drafts"))
        forget_steps(conn, "api.m010_kb_drafts")
    asyncio.run(_open_and_close(run_url))
    with engine.connect() as conn:
        assert "kb_drafts" in sa.inspect(conn).get_table_names()
    engine.dispose()


async def _open_and_close(url: str) -> None:
    await (await open_database(url)).dispose()

