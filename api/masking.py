"""Card numbers are masked before a message is stored, so no agent, event or log ever sees one."""

from __future__ import annotations

import re

# 13 to 19 digits, optionally grouped by single spaces or dashes.
_CANDIDATE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def mask_card_numbers(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if not luhn_valid(digits):
            return match.group(0)
        return "•••• •••• •••• " + digits[-4:]

    return _CANDIDATE.sub(replace, text)
