"""Greetings and thanks get a friendly word, not a knowledge-base search or a handoff."""

from __future__ import annotations

import re

_GREETING = re.compile(r"^\W*(hi|hello|hey|hiya|good (morning|afternoon|evening)|howdy)(\s+there)?\W*$", re.I)
_THANKS = re.compile(r"^\W*(thanks?( you)?( so much| a lot)?|thx|ty|cheers|great,? thanks?|perfect,? thanks?|ok,? thanks?)\W*$", re.I)

GREETING_REPLY = "Hi! Ask me anything about our product and I'll answer from our help centre. You can ask for a person at any time."
THANKS_REPLY = "You're welcome! Is there anything else I can help you with?"


def smalltalk_reply(text: str) -> str | None:
    if _GREETING.match(text):
        return GREETING_REPLY
    if _THANKS.match(text):
        return THANKS_REPLY
    return None
