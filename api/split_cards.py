"""A card number typed across several lines ("4111 1111", then "1111 1111") is masked too.

`mask_card_numbers` reads one line at a time, and neither half of a card is one: each was stored
and shown in clear, and the agent read the whole number over two lines. So the digits a
customer's line starts with (all of it, if it is only digits) are read together with the digits
the customer's lines just before it end with, written within `WINDOW` ("my new card is 5555
5555", then "5555 4444 can you put it on my account"); lines between are only digits. If together
they hold a card number, the new line is stored with those digits masked but the last four of the
card ("•••• 4444"), and the earlier lines' digits are masked where they are stored (the line, and
the event that carried it, which a stream replays), each with a `message.masked` event so that
every console and chat page showing them replaces their text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.bot_turns import aware, public_message
from api.db import events, messages
from api.events import append_event
from api.masking import MASK, is_brand_card, mask_card_numbers

WINDOW = timedelta(minutes=5)  # lines further apart than this are not one card typed in parts
MAX_LINES = 8  # "4111", "1111", "1111", "1111" or "459", "360", …, "73": the most parts a card is typed in
_FRAGMENT = re.compile(r"[\d\s().\-–—/]*\d[\d\s().\-–—/]*")
_DIGIT = re.compile(r"\d")
_RUN = re.compile(r"\d+(?:[\s\-.–—/]{1,2}\d+)*")  # digit groups: "5555 4444", "4000-0566"
_CARD = re.compile(rf"{MASK}{{4}} {MASK}{{4}} {MASK}{{4}} \d{{4}}(?!\d)")  # as `mask_card_numbers` shows one


@dataclass(frozen=True)
class Masked:
    """The new line's text to store, and the earlier lines whose stored text changes (id -> text)."""

    text: str
    earlier: dict[int, str]


def is_fragment(text: str) -> bool:
    """A line that is nothing but digits and the marks that group them: perhaps part of a card."""
    return bool(_FRAGMENT.fullmatch(text.strip())) and len(_DIGIT.findall(text)) <= 19


def _trimmed(text: str) -> tuple[int, int]:
    """The span of the text without the spaces around it."""
    return len(text) - len(text.lstrip()), len(text.rstrip())


def _head(text: str) -> tuple[int, int] | None:
    """Where a card continued from earlier lines can be in this line: all of it, if it is only
    digits; else the digit groups it starts with ("5555 4444 can you put it on my account"), and
    none if it starts with words ("thanks! my phone is 07700 900123" is no card's end)."""
    if is_fragment(text):
        return _trimmed(text)
    run = _RUN.match(text, _trimmed(text)[0])  # the digits it starts with, no others
    return run.span() if run and len(_DIGIT.findall(run.group(0))) <= 19 else None


def _tail(text: str) -> tuple[int, int] | None:
    """Where a card can begin in an earlier line: all of it, if it is only digits; else the digit
    groups it ends with ("my new card is 5555 5555", "it's 4000 0566 5566.")."""
    if is_fragment(text):
        return _trimmed(text)
    runs = list(_RUN.finditer(text))
    if not runs or text[runs[-1].end() :].strip(" \t.,;:!?") or MASK in text[runs[-1].start() - 2 : runs[-1].start()]:
        return None
    return runs[-1].span()


async def mask_across_lines(conn: AsyncConnection, conversation_id: str, text: str, now: datetime) -> Masked:
    """In the caller's transaction, before the customer's line `text` is stored: what to store, and
    which earlier lines to mask, if this line completes a card number begun in them. The card may
    start at the end of a line with words ("my new card is 5555 5555") and end at the start of one
    ("5555 4444 can you put it on my account"); lines between are only digits."""
    head = _head(text)
    if head is None:
        return Masked(text, {})
    rows = (
        await conn.execute(
            sa.select(messages.c.id, messages.c.role, messages.c.text, messages.c.created_at)
            .where(messages.c.conversation_id == conversation_id)
            .order_by(messages.c.id.desc())
            .limit(MAX_LINES * 3)  # replies of the bot may sit between the parts
        )
    ).all()
    parts: list[tuple[int, str, tuple[int, int]]] = []  # earlier customer lines, newest first, with the card's part
    for row in rows:
        if now - aware(row.created_at) > WINDOW or len(parts) == MAX_LINES - 1:
            break
        if row.role != "customer":
            continue
        tail = _tail(row.text)
        if tail is None or MASK in row.text[tail[0] : tail[1]]:
            break
        parts.append((row.id, row.text, tail))
        if not is_fragment(row.text):  # words before its digits: the card cannot start earlier
            break
    start, end = head
    for n in range(1, len(parts) + 1):
        pieces = [t[a:b] for _, t, (a, b) in reversed(parts[:n])]
        joined = mask_card_numbers(" ".join([*pieces, text[start:end]]))
        only_digits = is_fragment(text) and all(is_fragment(t) for _, t, _ in parts[:n])
        if not _CARD.search(joined) and only_digits:  # lines of odd widths ("459", "360", …, "11", "73"): in a row
            digits = "".join(_DIGIT.findall("".join([*pieces, text[start:end]])))
            joined = mask_card_numbers(digits) if is_brand_card(digits) else digits
        if card := _CARD.search(joined):
            # the card's last four stay, as on one line; digits typed after it (a security code
            # with no label, "1111 123") are no part of it to keep
            after_card = _DIGIT.search(joined[card.end() :])
            own = text[start:end]
            own = _DIGIT.sub(MASK, own) if after_card else _masked_keeping_last_four(own)
            earlier = {i: t[:a] + _DIGIT.sub(MASK, t[a:b]) + t[b:] for i, t, (a, b) in parts[:n]}
            return Masked(text[:start] + own + text[end:], earlier)
    return Masked(text, {})


def same_line(stored: str, sent: str) -> bool:
    """A line sent again is the one stored, though the store masked digits of it since."""
    return len(stored) == len(sent) and all(a == b or (a == MASK and b.isdigit()) for a, b in zip(stored, sent))


def _masked_keeping_last_four(text: str) -> str:
    digits = [m.start() for m in _DIGIT.finditer(text)]
    keep = set(digits[-4:])
    return "".join(MASK if i in set(digits) - keep else ch for i, ch in enumerate(text))


async def store_masked_earlier(conn: AsyncConnection, conversation_id: str, earlier: dict[int, str]) -> None:
    """In the caller's transaction: the earlier lines' new text, where they are stored (the line,
    and the `message.created` event that carried it, which a stream replays), each announced."""
    if not earlier:
        return
    for message_id, text in sorted(earlier.items()):
        await conn.execute(messages.update().where(messages.c.id == message_id).values(text=text))
        row = (await conn.execute(sa.select(messages).where(messages.c.id == message_id))).one()
        await append_event(conn, conversation_id, "message.masked", {"message": public_message(row).model_dump(mode="json")})
    created = await conn.execute(
        sa.select(events.c.id, events.c.data)
        .where(events.c.conversation_id == conversation_id, events.c.type == "message.created")
        .order_by(events.c.id.desc())
        .limit(MAX_LINES * 4)  # the parts are among the conversation's last few lines
    )
    for event_id, data in created.all():
        message = (data or {}).get("message") or {}
        if message.get("id") in earlier:
            masked = {**data, "message": {**message, "text": earlier[message["id"]]}}
            await conn.execute(events.update().where(events.c.id == event_id).values(data=masked))
