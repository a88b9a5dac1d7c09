"""Payments through the secure card form: the card is validated, sealed in the vault, and only its
summary reaches the transcript and the agent; a payment integration reads it back with the
vault's own credential; the CVC is never stored."""

from __future__ import annotations

import asyncio
import os
import re
import stat
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from api import audit
from api.app import create_app
from api.db import open_database
from api.errors import Conflict, Invalid
from api.vault import Vault, luhn_valid, parse_card
from knowledge import KnowledgeBase

from .api_helpers import OFF_TOPIC, create_agent, start_conversation
from .conftest import make_settings

VISA = "4111 1111 1111 1111"
AMEX = "3782 822463 10005"
READER = "vault-reader-credential-for-tests"
TODAY = date(2026, 11, 29)


# ----- validation ---------------------------------------------------------------------------


def test_luhn_accepts_real_test_numbers_and_rejects_a_changed_digit():
    assert luhn_valid("4111111111111111") and luhn_valid("378282246310005") and luhn_valid("5555555555554444")
    assert not luhn_valid("4111111111111112") and not luhn_valid("41111111111111a1")


def test_a_card_is_parsed_with_its_brand_and_four_digit_year():
    card = parse_card(VISA, "12/29", "123", today=TODAY)
    assert (card.number, card.exp_month, card.exp_year, card.brand, card.last4) == ("4111111111111111", 12, 2029, "visa", "1111")
    assert parse_card("4111-1111-1111-1111", "1/2030", "123", today=TODAY).exp_year == 2030
    assert parse_card(AMEX, "11/26", "1234", today=TODAY).brand == "amex"  # this month is still valid


@pytest.mark.parametrize(
    ("number", "expiry", "cvc", "problem"),
    [
        ("4111 1111 1111 1112", "12/29", "123", "card number"),
        ("4111", "12/29", "123", "card number"),
        (VISA, "13/29", "123", "MM/YY"),
        (VISA, "12-29", "123", "MM/YY"),
        (VISA, "10/26", "123", "expired"),
        (VISA, "12/99", "123", "too far"),
        (VISA, "12/29", "12", "CVC"),
        (AMEX, "12/29", "123", "4 digits"),
    ],
)
def test_a_bad_card_is_refused_naming_the_field_and_never_echoing_the_number(number, expiry, cvc, problem):
    with pytest.raises(Invalid) as refused:
        parse_card(number, expiry, cvc, today=TODAY)
    assert problem in str(refused.value)
    assert number.replace(" ", "")[:8] not in str(refused.value)


def test_a_card_typed_with_another_scripts_digits_is_the_same_card_in_ascii():
    full_width = "".join(chr(0xFF10 + int(d)) for d in VISA.replace(" ", ""))
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in VISA.replace(" ", ""))
    for number in (full_width, arabic_indic):
        card = parse_card(number, "１２／２９", "١٢٣", today=TODAY)
        assert parse_card(number, "12\u3000/\u300029", "１２３", today=TODAY).exp_month == 12
        assert card.number == VISA.replace(" ", "") and (card.exp_month, card.exp_year) == (12, 2029)


@pytest.mark.parametrize("number", ["411111111111111\u00b2", "4111 1111 1111 111\u2460"])  # superscript two, circled one
def test_digit_like_characters_that_are_no_digits_are_refused_not_a_server_error(number):
    with pytest.raises(Invalid, match="card number is not valid"):
        parse_card(number, "12/29", "123", today=TODAY)


# ----- the vault ----------------------------------------------------------------------------


def test_a_sealed_card_opens_only_with_its_key_and_its_own_reference(tmp_path):
    vault = Vault(Fernet.generate_key())
    card = parse_card(VISA, "12/29", "123", today=TODAY)
    sealed = vault.seal(card, "card_a")
    assert "4111" not in sealed and "123" not in sealed.split("|")
    assert vault.open(sealed, "card_a") == ("4111111111111111", 12, 2029)
    with pytest.raises(Conflict, match="another reference"):
        vault.open(sealed, "card_b")
    with pytest.raises(Conflict, match="card_a was sealed with another vault key.*the same SWITCHBOARD_VAULT_KEY"):
        Vault(Fernet.generate_key()).open(sealed, "card_a")


def test_without_a_configured_key_one_is_made_once_readable_by_its_owner_only(tmp_path):
    first = Vault.from_key_or_file(None, tmp_path)
    key_file = tmp_path / "vault.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    sealed = first.seal(parse_card(VISA, "12/29", "123", today=TODAY), "card_x")
    assert Vault.from_key_or_file(None, tmp_path).open(sealed, "card_x")[0] == "4111111111111111"
    with pytest.raises(ValueError, match="Fernet key"):
        Vault("not a key")


# ----- the flow -----------------------------------------------------------------------------


@pytest.fixture
def settings(data_dir):
    return make_settings(data_dir, vault_reader_token=READER, vault_key=Fernet.generate_key().decode())


@pytest.fixture
def client(settings, kb: KnowledgeBase) -> Iterator[TestClient]:
    with TestClient(create_app(settings, kb)) as client:
        yield client


@pytest.fixture
def alice(settings, client):
    return create_agent(settings, "alice")


@pytest.fixture
def held(client, alice):
    """A customer whose conversation alice holds."""
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    assert client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice).status_code == 200
    return customer


def request_card(client, customer, alice, note: str | None = "For invoice 1042") -> str:
    made = client.post(f"/v1/agent/conversations/{customer.id}/payment-requests", json={"note": note}, headers=alice)
    assert made.status_code == 201, made.text
    return made.json()["id"]


def send_card(client, customer, request_id: str, number: str = VISA, expiry: str = "12/29", cvc: str = "737"):
    return client.post(
        f"/v1/conversations/{customer.id}/payment-requests/{request_id}/card",
        json={"number": number, "expiry": expiry, "cvc": cvc}, headers=customer.auth,
    )


def test_control_characters_in_a_request_note_are_dropped(client, held, alice):
    request_card(client, held, alice, note="For invoice\x00 1042\x1b")
    assert held.conversation()["payment_request"]["note"] == "For invoice 1042"


def test_a_card_number_an_agent_pastes_into_the_request_note_is_masked(client, held, alice):
    request_card(client, held, alice, note="Card 4111 1111 1111 1111 was declined, please enter another")
    assert held.conversation()["payment_request"]["note"] == "Card •••• •••• •••• 1111 was declined, please enter another"


def test_the_card_reaches_the_vault_and_only_its_summary_reaches_the_transcript(client, held, alice, settings):
    request_id = request_card(client, held, alice)
    pending = held.conversation()["payment_request"]
    assert pending["id"] == request_id and pending["note"] == "For invoice 1042"

    stored = send_card(client, held, request_id)
    assert stored.status_code == 201, stored.text
    body = stored.json()
    assert body["last4"] == "1111" and body["brand"] == "visa" and (body["exp_month"], body["exp_year"]) == (12, 2029)
    assert body["summary"] == f"Visa card ending 1111, exp 12/29, reference {body['reference']}"

    agent_view = client.get(f"/v1/agent/conversations/{held.id}", headers=alice).json()
    customer_view = held.conversation()
    for view in (agent_view, customer_view):
        assert view["messages"][-1]["text"] == body["summary"] and view["messages"][-1]["role"] == "customer"
        assert view["payment_request"] is None
        assert "4111111111111111" not in str(view) and "4111 1111" not in str(view)
        # the CVC standing alone: a timestamp's "44.737093Z" is not it
        assert not re.search(r"(?<![\w.])737(?!\w)", str(view))
    assert not any(m["role"] == "bot" for m in customer_view["messages"][2:])  # the bot never answers it


def test_no_byte_of_the_database_holds_the_number_and_the_sealed_card_holds_no_cvc(client, held, alice, settings):
    reference = send_card(client, held, request_card(client, held, alice), cvc="919").json()["reference"]
    raw = b"".join(p.read_bytes() for p in settings.data_dir.glob("*.db*"))  # the file and its write-ahead log
    assert b"conversations" in raw, "the SQLite database was not found"
    assert b"4111111111111111" not in raw and b"4111 1111 1111 1111" not in raw and b"1111111111" not in raw

    async def vault_row():
        import sqlalchemy as sa

        from api.db import vault_cards

        engine = await open_database(settings.resolved_database_url)
        try:
            async with engine.connect() as conn:
                return (await conn.execute(sa.select(vault_cards))).one()
        finally:
            await engine.dispose()

    row = asyncio.run(vault_row())
    assert "cvc" not in row._mapping and row.reference == reference
    plain = Fernet(settings.vault_key.encode()).decrypt(row.sealed.encode()).decode()
    assert plain.split("|") == [reference, "4111111111111111", "12", "2029"]  # number and expiry only


def test_a_bad_card_gets_422_stores_nothing_and_the_request_stays_open(client, held, alice):
    request_id = request_card(client, held, alice)
    refused = send_card(client, held, request_id, number="4111 1111 1111 1112")
    assert refused.status_code == 422 and "card number" in refused.json()["detail"]
    assert "4111" not in refused.text
    assert held.conversation()["payment_request"]["id"] == request_id
    assert send_card(client, held, request_id).status_code == 201


def test_a_request_is_answered_once_and_a_newer_request_replaces_an_open_one(client, held, alice):
    first = request_card(client, held, alice)
    second = request_card(client, held, alice)
    assert send_card(client, held, first).status_code == 409  # replaced
    assert send_card(client, held, second).status_code == 201
    again = send_card(client, held, second)
    assert again.status_code == 409 and "no longer open" in again.json()["detail"]


def test_a_customer_who_declines_the_form_ends_the_request_and_the_agent_is_told(client, held, alice):
    request_id = request_card(client, held, alice)
    declined = client.post(f"/v1/conversations/{held.id}/payment-requests/{request_id}/decline", headers=held.auth)
    assert declined.status_code == 204

    assert held.conversation()["payment_request"] is None  # the form does not come back on a reload
    agent_view = client.get(f"/v1/agent/conversations/{held.id}", headers=alice).json()
    assert agent_view["payment_request"] is None
    assert "Chose not to send card details" in agent_view["messages"][-1]["text"]
    assert agent_view["messages"][-1]["role"] == "customer"
    assert send_card(client, held, request_id).status_code == 409  # a late card is not taken
    again = client.post(f"/v1/conversations/{held.id}/payment-requests/{request_id}/decline", headers=held.auth)
    assert again.status_code == 409

    other = start_conversation(client)  # nobody else's customer can end it
    request_id = request_card(client, held, alice)
    foreign = client.post(f"/v1/conversations/{held.id}/payment-requests/{request_id}/decline", headers=other.auth)
    assert foreign.status_code in (401, 403, 404)
    assert held.conversation()["payment_request"]["id"] == request_id


@pytest.mark.parametrize("leaves", ["release", "close"])
def test_a_request_ends_when_the_conversation_leaves_the_agent_who_made_it(client, held, alice, leaves):
    # a card sent after "Return to bot" reached a conversation nobody held, and no one was told
    request_id = request_card(client, held, alice)
    assert client.post(f"/v1/agent/conversations/{held.id}/{leaves}", headers=alice).status_code == 200
    assert held.conversation()["payment_request"] is None
    agent_view = client.get(f"/v1/agent/conversations/{held.id}", headers=alice).json()
    assert agent_view["payment_request"] is None
    late = send_card(client, held, request_id)
    assert late.status_code == 409 and "no longer open" in late.json()["detail"]


def test_only_the_agent_holding_the_conversation_may_request_payment(client, settings, alice):
    bob = create_agent(settings, "bob")
    customer = start_conversation(client)
    customer.say(OFF_TOPIC)
    url = f"/v1/agent/conversations/{customer.id}/payment-requests"
    assert client.post(url, json={}, headers=alice).status_code == 409  # not claimed
    client.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice)
    assert client.post(url, json={}, headers=bob).status_code == 409
    assert client.post(url, json={}, headers=customer.auth).status_code == 401


def test_a_card_cannot_be_sent_to_another_customers_request(client, held, alice):
    request_id = request_card(client, held, alice)
    stranger = start_conversation(client)
    assert send_card(client, stranger, request_id).status_code == 409
    client.cookies.clear()
    anonymous = client.post(
        f"/v1/conversations/{held.id}/payment-requests/{request_id}/card", json={"number": VISA, "expiry": "12/29", "cvc": "737"}
    )
    assert anonymous.status_code == 401


def test_the_payment_integration_reads_the_card_with_its_own_credential_and_the_read_is_audited(client, held, alice, settings):
    reference = send_card(client, held, request_card(client, held, alice)).json()["reference"]
    url = f"/v1/vault/cards/{reference}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=alice).status_code == 401  # an agent token never opens the vault
    admin = create_agent(settings, "root", "admin")
    assert client.get(url, headers=admin).status_code == 401
    card = client.get(url, headers={"Authorization": f"Bearer {READER}"})
    assert card.status_code == 200
    assert card.json() == {
        "reference": reference, "conversation_id": held.id, "number": "4111111111111111", "exp_month": 12, "exp_year": 2029,
    }
    assert client.get("/v1/vault/cards/card_nope", headers={"Authorization": f"Bearer {READER}"}).status_code == 404

    async def reads() -> list[str]:
        engine = await open_database(settings.resolved_database_url)
        try:
            return [e.actor for e in await audit.entries(engine, action="vault.read")]
        finally:
            await engine.dispose()

    assert asyncio.run(reads()) == ["payment-integration"]


def test_without_a_reader_credential_the_vault_cannot_be_read_at_all(data_dir, kb):
    settings = make_settings(data_dir)
    with TestClient(create_app(settings, kb)) as client:
        refused = client.get("/v1/vault/cards/card_x", headers={"Authorization": "Bearer anything"})
    assert refused.status_code == 404 and "SWITCHBOARD_VAULT_READER_TOKEN" in refused.json()["detail"]


def test_a_card_sealed_by_a_worker_with_another_vault_key_gets_409_naming_the_setting_not_500(tmp_path, pg_url, embedder):
    """Two workers sharing PostgreSQL, each with its own data directory and no SWITCHBOARD_VAULT_KEY
    (as on two machines): each made a vault.key of its own, and the card one sealed was a 500 on the
    other (`ValueError: this card was sealed with another vault key`)."""
    with ExitStack() as stack:
        clients = []
        for name in ("a", "b"):
            settings = make_settings(tmp_path / name, database_url=pg_url, vault_reader_token=READER)
            kb = KnowledgeBase(settings, embedder=embedder)
            stack.callback(kb.close)
            clients.append(stack.enter_context(TestClient(create_app(settings, kb))))
        asker, sealer = clients
        alice = create_agent(settings, "alice")
        customer = start_conversation(asker)
        customer.say(OFF_TOPIC)
        assert asker.post(f"/v1/agent/conversations/{customer.id}/claim", headers=alice).status_code == 200
        request_id = request_card(asker, customer, alice)  # the agent asks on one worker ...
        sent = send_card(sealer, customer, request_id)  # ... the customer's form posts to the other
        assert sent.status_code == 201, sent.text
        url = f"/v1/vault/cards/{sent.json()['reference']}"

        reader = {"Authorization": f"Bearer {READER}"}
        assert sealer.get(url, headers=reader).status_code == 200
        refused = asker.get(url, headers=reader)
        assert refused.status_code == 409, refused.text
        assert "sealed with another vault key" in refused.json()["detail"]
        assert "every worker needs the same SWITCHBOARD_VAULT_KEY" in refused.json()["detail"]


def test_the_cli_prints_a_vault_key_the_vault_accepts():
    from click.testing import CliRunner

    from api.cli import main

    result = CliRunner().invoke(main, ["vault", "new-key"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    vault = Vault(key)
    card = parse_card(VISA, "12/29", "123", today=TODAY)
    assert vault.open(vault.seal(card, "card_k"), "card_k")[0] == "4111111111111111"
