"""What a bot reply puts in front of someone: the reply the customer got, or, on a handoff, the
draft the agent sees (what the bot would have said)."""

from __future__ import annotations

from assistant.reply import Reply


def said(reply: Reply) -> str:
    return (reply.draft if reply.handoff else reply.text) or ""
