"""A customer line's client_id holds no card number, whatever letters stand around it; ordinary
ids (uuids, "msg-1", timestamps) are taken.

Found by a security test: a key with a letter in it was never checked, so "c-4436-1575-8121-1772"
was stored and went out in clear on the agents' and the customer's event streams."""

from __future__ import annotations

import random
import uuid

import pytest
from pydantic import ValidationError

from api.client_ids import holds_card_number
from api.schemas import CustomerMessageIn

from .api_helpers import start_conversation

# Luhn-valid numbers of a card brand (Visa, Mastercard, American Express)
CARDS_IN_KEYS = [
    "c-4436-1575-8121-1772", "x4130316382358203", "msg-4111111111111111", "4111111111111111-retry2",
    "line_5555.5555.5555.4444:1", "card:378282246310005", "4111111111111111",
]


def seeded_uuid4s(count: int, seed: int = 2024) -> list[uuid.UUID]:
    rng = random.Random(seed)
    return [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(count)]


@pytest.mark.parametrize("key", CARDS_IN_KEYS)
def test_a_client_id_holding_a_card_number_is_refused_without_being_echoed(client, key):
    customer = start_conversation(client)
    r = client.post(f"/v1/conversations/{customer.id}/messages", json={"text": "hello", "client_id": key}, headers=customer.auth)
    assert r.status_code == 422
    assert "client_id must not hold a card number" in r.text and key not in r.text
    assert customer.conversation()["messages"] == []


@pytest.mark.parametrize("key", ["msg-1", "line-42", "1712345678907", "msg-1712345678907", "1712345678907123", "a.b_c:d-9"])
def test_ordinary_client_ids_are_taken(key):
    """"1712345678907", a millisecond timestamp, passes the Luhn check; no card brand's number
    starts with 1."""
    assert CustomerMessageIn(text="hi", client_id=key).client_id == key


def test_random_uuid4s_are_taken_as_they_are_written_with_dashes_or_without():
    for u in seeded_uuid4s(20):
        for key in (str(u), u.hex, str(u).upper()):
            assert CustomerMessageIn(text="hi", client_id=key).client_id == key


@pytest.mark.parametrize("key", [
    "39123346-8143-4233-b510-6729ea9375d7",  # 3912334681434233: Diners Club, Luhn-valid
    "43242166-4575-4cc3-b895-be36558a726b",  # seeded_uuid4s(2498)[-1]: 4324216645754, Visa
    "4324216645754cc3b895be36558a726b",
])
def test_a_uuid_whose_digits_look_like_a_card_is_still_taken(key):
    """One random uuid in some 2,500 holds a brand's Luhn-valid run; written another way, the same
    characters would be refused."""
    assert CustomerMessageIn(text="hi", client_id=key).client_id == key
    assert holds_card_number(key.replace("-", "_") if "-" in key else "k-" + key)


def test_a_card_number_is_refused_by_the_schema_too():
    with pytest.raises(ValidationError, match="card number"):
        CustomerMessageIn(text="hi", client_id="c-4436-1575-8121-1772")


@pytest.mark.parametrize("key", ["41111111-1111-1111-aaaa-aaaaaaaaaaaa", "41111111-1111-1111-8aaa-aaaaaaaaaaaa"])
def test_a_key_shaped_like_a_uuid_but_no_random_one_is_read_as_any_other(key):
    """Found by a review: any uuid-shaped key was taken, with a card in its groups."""
    assert holds_card_number(key)
