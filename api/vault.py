"""The card vault: card numbers entered in the chat's secure form, validated and encrypted at rest.

Only the vault's key opens a stored card, and only a payment integration holding the vault's own
reader credential (`SWITCHBOARD_VAULT_READER_TOKEN`) reads one back through the API; agents and
transcripts see a summary ("card ending 1111, exp 12/29, reference card_…"). The CVC is checked
for form and never stored.

The key is `SWITCHBOARD_VAULT_KEY` (a Fernet key: `switchboard vault new-key` prints one). Without
it, a key is generated once into the data directory (`vault.key`, readable by its owner only), so
the embedded default works out of the box; production sets its own and keeps it out of the data
directory's backups. Workers sharing a database need the same key: a card one sealed with a key of
its own gave a 500 on every other worker; now a 409 that says so (and `serve` refuses to start
without the key when cards are read back from a shared database: api/preflight.py).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from api.errors import Conflict, Invalid

_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$", re.ASCII)
_SEPARATORS = re.compile(r"[\s-]")
_BRANDS = (
    ("visa", re.compile(r"^4\d{12}(?:\d{3}){0,2}$")),
    ("mastercard", re.compile(r"^(?:5[1-5]\d{2}|222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720)\d{12}$")),
    ("amex", re.compile(r"^3[47]\d{13}$")),
    ("discover", re.compile(r"^(?:6011|65\d{2}|64[4-9]\d)\d{12,15}$")),
)


@dataclass(frozen=True)
class Card:
    """A validated card, in memory only for as long as it takes to seal it."""

    number: str
    exp_month: int
    exp_year: int  # four digits
    brand: str

    @property
    def last4(self) -> str:
        return self.number[-4:]


def ascii_digits(text: str) -> str:
    """The text with every script's decimal digits as ASCII ones: a card typed with full-width
    digits ("４１１１…", a Japanese keyboard) or Arabic-Indic ones ("٤١١١…") is the same card.
    Other characters, superscripts among them ("²"), stay as they are, and are refused."""
    return "".join(str(d) if (d := unicodedata.decimal(ch, None)) is not None else ch for ch in text)


def luhn_valid(digits: str) -> bool:
    if not (digits.isascii() and digits.isdigit()):
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def parse_card(number: str, expiry: str, cvc: str, today: date | None = None) -> Card:
    """A card from the form's three fields, or `Invalid` naming the field (never echoing it)."""
    today = today or date.today()
    # the date and code as their compatibility forms ("１２／２９", ideographic spaces); not the number,
    # where NFKC would read a superscript "²" or a circled "①" as a digit
    number = ascii_digits(number)
    expiry, cvc = (ascii_digits(unicodedata.normalize("NFKC", f)) for f in (expiry, cvc))
    digits = _SEPARATORS.sub("", number)
    if not (digits.isascii() and digits.isdigit()) or not 12 <= len(digits) <= 19 or not luhn_valid(digits):
        raise Invalid("the card number is not valid: please check it")
    m = _EXPIRY.match(expiry)
    if not m or not 1 <= int(m.group(1)) <= 12:
        raise Invalid("the expiry date must be MM/YY")
    month, year = int(m.group(1)), int(m.group(2))
    year = year + 2000 if year < 100 else year
    if (year, month) < (today.year, today.month):
        raise Invalid("the card has expired")
    if year > today.year + 20:
        raise Invalid("the expiry date is too far ahead: please check it")
    brand = next((name for name, pattern in _BRANDS if pattern.match(digits)), "card")
    if not re.fullmatch(r"\d{4}" if brand == "amex" else r"\d{3}", cvc.strip(), re.ASCII):
        raise Invalid("the security code (CVC) must be 4 digits on this card" if brand == "amex" else "the security code (CVC) must be 3 digits")
    return Card(digits, month, year, brand)


def summary(brand: str, last4: str, exp_month: int, exp_year: int, reference: str) -> str:
    """What the transcript and the agent see."""
    name = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}.get(brand, "Card")
    return f"{name} card ending {last4}, exp {exp_month:02d}/{exp_year % 100:02d}, reference {reference}"


class Vault:
    def __init__(self, key: bytes | str) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as e:
            raise ValueError("SWITCHBOARD_VAULT_KEY is not a Fernet key (32 url-safe base64 bytes); make one with `switchboard vault new-key`") from e

    @classmethod
    def from_key_or_file(cls, key: str | None, data_dir: Path) -> Vault:
        if key:
            return cls(key)
        path = data_dir / "vault.key"
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    def seal(self, card: Card, reference: str) -> str:
        """The card encrypted and authenticated, bound to its reference (a sealed card copied to
        another row does not open)."""
        plain = f"{reference}|{card.number}|{card.exp_month}|{card.exp_year}"
        return self._fernet.encrypt(plain.encode()).decode("ascii")

    def open(self, sealed: str, reference: str) -> tuple[str, int, int]:
        """The card's number, expiry month and year; `Conflict` when this key does not open it."""
        try:
            bound, number, month, year = self._fernet.decrypt(sealed.encode("ascii")).decode().split("|")
        except InvalidToken as e:
            raise Conflict(
                f"{reference} was sealed with another vault key (or altered): every worker needs the same SWITCHBOARD_VAULT_KEY"
            ) from e
        if bound != reference:
            raise Conflict(f"the card stored as {reference} was sealed for another reference")
        return number, int(month), int(year)


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")
