"""Text people send, made safe to store: control characters other than line breaks and tabs are
dropped (PostgreSQL refuses NUL in text, and the others only hide what a line says), and so are
lone surrogates ("\ud800" in the JSON, half of an emoji a broken client cut: no database can
store one, and it shows nothing)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # not \t, \n or \r
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")  # zero-width spaces and joiners


def without_controls(value: Any) -> Any:
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def shows_nothing(text: str) -> bool:
    """Nothing visible: only spaces, line breaks and zero-width characters."""
    return not _INVISIBLE.sub("", text).strip()


# A request field of free text, stored as sent less its control characters.
PlainText = Annotated[str, BeforeValidator(without_controls)]


def limited_text(min_length: int | None = None, max_length: int | None = None) -> Any:
    """PlainText within length limits, for an optional field: given to `Field` beside `| None`,
    pydantic would check them after the fact and say "at most 2000 items"."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length), BeforeValidator(without_controls)]
