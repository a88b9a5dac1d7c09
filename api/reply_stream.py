"""A reply being written, as events: agents watch it grow, customers see only that the bot is
writing, and the reply itself once its confidence is known.

With an LLM provider the draft arrives piece by piece, and only when it is complete is its
confidence known, so whether it is sent or held back for a person. A customer must never read
an answer that is then withdrawn, so:

- `bot.typing` (on the customer's stream too) says the bot has started writing;
- `message.delta` events (agents only, never on a customer's stream) carry the draft as it is
  written, a few pieces at a time, so an agent watching the conversation sees it grow;
- the final `message.created` carries the reply with its confidence and sources, or the handoff
  notice, to everyone.

Every event is stored before it is sent, like any other, so a console that reconnects with
`Last-Event-ID` misses none. Card numbers are masked in each piece as in the reply itself; a piece
never ends inside a run of digits (held back until the run is complete), so no card number is
split between two pieces where neither would show it whole.
"""

from __future__ import annotations

import re
import time

from sqlalchemy.ext.asyncio import AsyncEngine

from api.events import LocalNotifier, append_event
from api.masking import mask_card_numbers

FLUSH_SECONDS = 0.25  # at most about four delta events a second per reply
_SENTENCE_END = re.compile(r"[.!?:\n](?=\s)")  # a sentence ends where whitespace follows
_DIGITS_AT_END = re.compile(r"\d[\d \t\r\n._/-]*$")  # a number that may go on in the next piece


class DraftEvents:
    """The events of one reply being written, for the customer lines up to `reply_to`."""

    def __init__(self, engine: AsyncEngine, notifier: LocalNotifier, conversation_id: str, reply_to: int) -> None:
        self.engine = engine
        self.notifier = notifier
        self.conversation_id = conversation_id
        self.reply_to = reply_to
        self._buffer = ""
        self._seq = 0
        self._last_flush = time.monotonic()
        self._started = False

    async def started(self) -> None:
        await self._append("bot.typing", {"reply_to": self.reply_to})
        self._started = True

    async def piece(self, text: str) -> None:
        """Sent a sentence at a time, or what there is every FLUSH_SECONDS."""
        if not self._started:
            await self.started()
        self._buffer += text
        ends = [m.end() for m in _SENTENCE_END.finditer(self._buffer)]
        if ends:
            await self.flush(upto=ends[-1], partial=True)
        elif time.monotonic() - self._last_flush >= FLUSH_SECONDS:
            await self.flush(partial=True)

    async def flush(self, upto: int | None = None, partial: bool = False) -> None:
        """Send the buffer (or its first `upto` characters) as one delta, its card numbers masked.
        `partial`: more is coming, so digits at the cut wait for the rest of their number."""
        cut = len(self._buffer) if upto is None else upto
        if partial and (digits := _DIGITS_AT_END.search(self._buffer[:cut])):
            cut = digits.start()
        if cut <= 0:
            return
        self._seq += 1
        delta, self._buffer = self._buffer[:cut], self._buffer[cut:]
        self._last_flush = time.monotonic()
        await self._append(
            "message.delta", {"reply_to": self.reply_to, "seq": self._seq, "delta": mask_card_numbers(delta)}
        )

    async def _append(self, type_: str, data: dict) -> None:
        async with self.engine.begin() as conn:
            await append_event(conn, self.conversation_id, type_, data)
        await self.notifier.publish()
