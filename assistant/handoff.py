"""When the conversation goes to a person: the customer asks for one, or the bot is not sure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_WHO = r"(?:a\s+|an\s+|the\s+|some\s+|real\s+|live\s+|actual\s+)*(?:human|person|people|agent|representative|rep|operator|staff|someone|somebody|support\s+team|customer\s+(?:service|support))"
_PATTERNS = [
    rf"\b(?:talk|speak|chat|connect|transfer|escalate|put)\b(?:\s+\w+){{0,3}}?\s+(?:to|with|me\s+(?:to|through\s+to))\s+{_WHO}\b",
    rf"\b(?:want|need|get|see|like|request)\b(?:\s+\w+){{0,2}}?\s+{_WHO}\b",
    r"\b(?:real|live|actual)\s+(?:human|person|agent)\b",
    # "a human agent", not "what makes a human being happy" ("talk to a human being" is above)
    r"\bhuman\s+(?:agent|support|help)\b",
    r"^\W*(?:human|agent|representative|operator|person|a\s+human|a\s+person)(?:\s+please)?\W*$",
]
_ASKS = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.I)

Decision = Literal["send", "low_confidence", "repeated_low_confidence"]
# Sample DEV (stop 29): of the replies sent at threshold 0.85, those at 0.85-0.90 were right 0.84
# of the time, 0.90-0.95 0.86, 0.95 and over 0.86; with a margin of 0.1, half of all sent replies
# were doubtful and a quarter of second answers went to a person for no gain.
DOUBT_MARGIN = 0.05


def asks_for_human(text: str) -> bool:
    """True when the customer is asking to be handed to a person."""
    return bool(_ASKS.search(text))


@dataclass(frozen=True)
class HandoffPolicy:
    """Send a reply whose confidence clears the threshold; hand off otherwise.

    A reply that clears it by less than `doubt_margin` is *doubtful*: sent, but a second doubtful
    reply in a row hands the conversation off, even above the threshold — a customer who needed
    two uncertain answers needs a person.
    """

    threshold: float
    doubt_margin: float = DOUBT_MARGIN

    def is_doubtful(self, confidence: float) -> bool:
        return confidence < self.threshold + self.doubt_margin

    def decide(self, confidence: float, *, previous_confidence: float | None = None) -> Decision:
        if confidence < self.threshold:
            return "low_confidence"
        if self.is_doubtful(confidence) and previous_confidence is not None and self.is_doubtful(previous_confidence):
            return "repeated_low_confidence"
        return "send"

    def should_hand_off(self, confidence: float) -> bool:
        return confidence < self.threshold
