"""A first message that only names a topic ("invoices", "2FA?") gets a question back, not a quote.

Searched on one word, the knowledge base returns sentences that mention it, and the best of them
reads like the answer to a question nobody asked: "invoice" got the invoice numbering rule and the
line-item limit, sent at 0.93. A help desk answers a keyword with "what would you like to know?"
and the articles on it; so does the assistant (`Assistant.reply`). Only a conversation's opening
message is read this way: later, one word is a follow-up ("payouts?" after a question about card
fees), which the conversation makes a question.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.rewrite import WORD
from assistant.smalltalk import smalltalk_reply
from assistant.text import STOPWORDS

MAX_ARTICLES = 3
# Words that ask for help but name no topic: the usual path reads them (and hands off when unsure).
_NO_TOPIC = frozenset(
    "help question questions issue issues problem problems support info information urgent asap query".split()
)


def bare_topic(message: str, history: Sequence[tuple[str, str]] = ()) -> str | None:
    """The topic, when the customer's first real message is a single word that asks nothing."""
    if any(speaker == "user" and smalltalk_reply(text) is None for speaker, text in history):
        return None
    words = WORD.findall(message)
    if len(words) != 1 or words[0].lower() in STOPWORDS or words[0].lower() in _NO_TOPIC:
        return None
    return words[0]


def clarifying_text(topic: str, titles: Sequence[str]) -> str:
    """What would you like to know about it, with the articles that cover it, each cited."""
    lines = [f"What would you like to know about {topic}? These articles may help:"]
    lines += [f"- {title} [{i}]" for i, title in enumerate(titles, start=1)]
    return "\n".join(lines)
