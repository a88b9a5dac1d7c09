"""When the conversation goes to a person: the customer asks for one, or the bot is not sure."""

from __future__ import annotations

import re
from dataclasses import dataclass

_WHO = r"(?:a\s+|an\s+|the\s+|some\s+|real\s+|live\s+|actual\s+)*(?:human|person|people|agent|representative|rep|operator|staff|someone|somebody|support\s+team|customer\s+(?:service|support))"
_PATTERNS = [
    rf"\b(?:talk|speak|chat|connect|transfer|escalate|put)\b(?:\s+\w+){{0,3}}?\s+(?:to|with|me\s+(?:to|through\s+to))\s+{_WHO}\b",
    rf"\b(?:want|need|get|see|like|request)\b(?:\s+\w+){{0,2}}?\s+{_WHO}\b",
    r"\b(?:real|live|actual)\s+(?:human|person|agent)\b",
    r"\bhuman\s+(?:agent|support|being|help)\b",
    r"^\W*(?:human|agent|representative|operator|person|a\s+human|a\s+person)(?:\s+please)?\W*$",
]
_ASKS = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.I)


def asks_for_human(text: str) -> bool:
    """True when the customer is asking to be handed to a person."""
    return bool(_ASKS.search(text))


@dataclass(frozen=True)
class HandoffPolicy:
    threshold: float

    def should_hand_off(self, confidence: float) -> bool:
        return confidence < self.threshold
