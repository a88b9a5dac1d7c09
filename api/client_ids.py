"""A customer line's `client_id` (the sender's idempotency key) must hold no card number.

Agents and the event streams see the key as sent, never masked: a card number a client put there
would reach them in clear. So a key is refused when its digits hold one, whatever letters stand
around them ("c-4436-1575-8121-1772", "x4130316382358203"): a run of digit groups, whole or joined
by the key's separators ("-", "_", ".", ":"), of 13 to 19 digits that pass the Luhn check and
start as a card brand's numbers do (`is_brand_card`). The brand is what lets ordinary ids through:
a millisecond timestamp ("1712345678901") passes the Luhn check one time in ten, and no brand's
numbers start with 1.

A random (version 4) uuid is never refused. Its hex may hold such a run ("39123346-8143-4233-
b510-…": 16 digits, a Diners Club prefix, Luhn-valid), once in some ten thousand random uuids,
but nobody writes a card number in a random uuid's groups. Anything else shaped like one
("41111111-1111-1111-aaaa-…", 32 digits starting with a card's) is read as any other key.
"""

from __future__ import annotations

import re

from api.masking import is_brand_card, luhn_valid

# a random (version 4) uuid, as `crypto.randomUUID()` makes them: "…-4xxx-[89ab]xxx-…"
_UUID = re.compile(r"(?i)[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}")
_JOINED_GROUPS = re.compile(r"\d+(?:[-_.:]+\d+)*")  # letters end a run: they join no digits
_GROUP = re.compile(r"\d+")


def holds_card_number(key: str) -> bool:
    if _UUID.fullmatch(key):
        return False
    return any(_run_holds_card(run.group()) for run in _JOINED_GROUPS.finditer(key))


def _run_holds_card(run: str) -> bool:
    """Some groups in a row, from any one of them, make a card number."""
    groups = _GROUP.findall(run)
    return any(_card_starts_at(groups[first:]) for first in range(len(groups)))


def _card_starts_at(groups: list[str]) -> bool:
    digits = ""
    for group in groups:
        digits += group
        if len(digits) > 19:
            return False
        if len(digits) >= 13 and luhn_valid(digits) and is_brand_card(digits):
            return True
    return False
