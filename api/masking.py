"""Card data is masked before a message is stored, so no agent, event or log ever sees it.

What is masked:

- A card number: 13 to 19 digits that pass the Luhn check, written whole or in groups joined by
  a short run (up to eight characters) of spaces (no-break and thin ones too), tabs, newlines,
  brackets, quotes, dashes (en, em, minus, full-width), dots, commas, semicolons, colons,
  underscores, slashes, stars, bars or middle dots (their full-width and ideographic forms too). It
  becomes "•••• •••• •••• 1111" (its last four digits). Digits of other scripts count, and so do
  superscript, subscript, circled and full-width ones ("⁴¹¹¹", "④①①①", "４１１１"): each
  character whose compatibility form (NFKC) is one ASCII letter or digit is read as that, and a
  message holding card data is stored so (its length unchanged).
- A security code wherever the message names one ("cvc 123", "CVV: 1234", "cvv2 123",
  "security code is 123", "CID 1234", "cvv123"; a label inside a word, "acid 123", is none): its
  digits become "•".
- An expiry date, but only in a message that also carries a card number (masked or not) or a
  security code: PCI DSS counts the expiry as cardholder data when it is stored with the card
  number. There a labelled date ("exp 12/29", "expires 12/2029", "valid thru 12/29") and an
  MM/YY typed right after the number (with a 3 or 4 digit code right after it) lose their
  digits. Elsewhere dates are left alone; so is "card ending 1111, exp 12/29" (last four
  digits are not a card number).

Digits joined to letters, directly or by "-", "_" or "/", are often an id ("INV-0142",
"TXN7123…"), so there a number is masked only when it is a card of a real brand: its first digits
and length those of Visa, Mastercard, American Express, Discover, Diners Club, JCB, UnionPay,
Maestro, Mir, RuPay or Troy ("card4111…", "VISA4111…", and in languages written without spaces, "カード番号は4111…").
Only the group that touches the letters is held to that: in "INV1043 4111 1111 1111 1111" the
invoice number is left and the card after it masked.

Characters that show nothing are no disguise: a zero-width space, soft hyphen, word joiner,
combining mark or blank filler (Hangul, braille) typed among a card's digits ("4111\u200b1111…")
is left out when the digits are read, and so is a bidirectional control beside a digit. A message
in which that finds card data is stored without them; any other keeps them (a keycap emoji "1️⃣"
is a digit and a combining mark). A bidirectional override (U+202D, U+202E) is dropped from every
message: it would show "\u202e1111 … 1114" as "4111 … 1111" while no card number was stored.

What is not taken for a card number, though its digits may pass the Luhn check:

- an id whose digits are no card brand's;
- a number after "+" (a phone number with its country code);
- a group that starts with 0, a first group under four digits, or a later group under three
  (dates, times, phone numbers, IP addresses, amounts such as "1,250.00"), unless every group
  is as wide as the first, one or two digits, joined by spaces or dashes, and together they make a card brand's number
  ("41 11 11 11 11 11 11 11", "4 1 1 1 …": a card read out in pairs or digit by digit);
- groups joined by different marks ("1250.500 3000.750"); spaces and dashes count as one, and
  ", " is a comma.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator

import regex

MASK = "•"
# with the no-break, en to hair (U+2000-U+200A), narrow, medium and ideographic spaces
_SPACES = " \t\r\n\u00a0" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
# hyphens, en and em dashes, the minus sign, the full-width hyphen and the katakana long vowel mark
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d\u30fc"
# "(4111) 1111 …", "[4111]", "'4111' '1111'": brackets and quotes around a group join like spaces
_BRACKETS = "()[]{}\"'`\u2018\u2019\u201c\u201d\u300c\u300d\uff08\uff09\uff3b\uff3d"
# other marks that join groups, each a kind of its own: full stops, commas (the ideographic and
# full-width ones too), semicolons, colons, underscores, slashes, stars, bars and middle dots
_MARKS = ".,;:_/*|\u00b7\u2022\u30fb\u3001\u3002\uff0c\uff0e\uff1a\uff1b\uff0f\uff0a\uff5c"
# marks that join the cells of a table, the items of a list or quoted values: numbers of any kind
_TABLE_LIKE = set("|*:\"'`[]{}\u2018\u2019\u201c\u201d\u300c\u300d\u00b7\u2022\u30fb\uff5c\uff0a\uff1a\uff3b\uff3d")
_SEPARATOR = "[" + "".join(re.escape(ch) for ch in f"{_SPACES}{_BRACKETS}{_MARKS}{_DASHES}") + "]{1,8}"
_DIGIT_RUN = re.compile(rf"\d+(?:{_SEPARATOR}\d+)*")
_GROUP = re.compile(r"\d+")
_JOINED_BEFORE = re.compile(r"(?:[^\W_]|[^\W_][-_/]|\+)$")
_JOINED_AFTER = re.compile(r"^[-_/]?[^\W_]")
_LENGTHS = (16, 15, 19, 14, 13, 17, 18)  # when digits typed after a card (a code) could make a longer one, the commoner length wins

# Bidirectional overrides: they reorder what is shown, and typed text never needs them.
_OVERRIDES = regex.compile(r"[\u202d\u202e]")
# Format characters (zero-width, soft hyphen, word joiner, BOM, bidirectional controls), combining
# marks and blank fillers beside a digit: what a card's digits may be disguised with.
_BLANK = r"\u115f\u1160\u3164\uffa0\u2800"
_INVISIBLE_BY_DIGIT = regex.compile(rf"(?<=\d)[\p{{Cf}}\p{{Mn}}\p{{Me}}{_BLANK}]+|[\p{{Cf}}{_BLANK}]+(?=\d)")
_MASKED_CARD = re.compile(rf"{MASK}{{4}} \d{{4}}(?!\d)")
_SECURITY_CODE = re.compile(
    r"(?i)(?<![^\W\d_])(?:cvv2|cvc2|cvv|cvc|cvn|cid|csc|(?:card\s+)?security\s+code|card\s+verification\s+(?:code|value))(?![^\W\d_])"
    r"(?:[\s:=#-]|\b(?:is|was|code|number|no)\b\.?)*"
    r"(?P<secret>\d{3,4})(?!\d)"
)
_DATE = r"(?P<secret>(?:0?[1-9]|1[0-2])\s?[/.-]\s?(?:20)?\d{2}|(?:0[1-9]|1[0-2])(?:20)?\d{2})(?!\d)"
_LABELLED_EXPIRY = re.compile(
    r"(?i)(?<![^\W\d_])(?:expiry|expiration|expires|expiring|exp|valid\s+(?:thru|through|until|till)|good\s+(?:thru|through))(?![^\W\d_])"
    r"(?:[\s:=.-]|\b(?:date|is|on|in|at|end|of)\b)*" + _DATE
)
_EXPIRY_AFTER_CARD = re.compile(
    rf"(?<={MASK}{{4}} \d{{4}})[\s,;]+(?P<secret>(?:0?[1-9]|1[0-2])\s?/\s?(?:20)?\d{{2}}(?:[\s,;]+\d{{3,4}})?)(?!\d)"
)


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
    """The text with its card numbers, security codes and (beside them) expiry dates masked."""
    text = _OVERRIDES.sub("", text)
    shown = _as_digits(_INVISIBLE_BY_DIGIT.sub("", text))
    masked = _mask(shown)
    return masked if masked != shown else text


def holds_card_data(text: str) -> bool:
    """Whether `mask_card_numbers` would mask anything in the text (a card number, a security code
    or an expiry beside one): for text a person writes once to be sent many times, refused rather
    than stored masked."""
    text = _OVERRIDES.sub("", text)
    return mask_card_numbers(text) != text


def _as_digits(text: str) -> str:
    """The text with each character whose compatibility form (NFKC) is one ASCII letter or digit
    written as that: superscript, subscript, circled and full-width digits ("⁴¹¹¹", "④①①①",
    "４１１１") read as the digits they are, and full-width labels ("ｃｖｖ") as theirs. Character
    for character, so the text keeps its length ("…" and "ﷺ" stay as they are). A message that
    holds card data is stored in this form."""
    return text if text.isascii() else "".join(map(_ascii_form, text))


@functools.lru_cache(maxsize=4096)
def _ascii_form(ch: str) -> str:
    form = unicodedata.normalize("NFKC", ch)
    return form if len(form) == 1 and form.isascii() and form.isalnum() else ch


def _mask(text: str) -> str:
    text = _DIGIT_RUN.sub(lambda run: _mask_cards_in_run(run, text), text)
    carries_card = bool(_MASKED_CARD.search(text) or _SECURITY_CODE.search(text))
    text = _SECURITY_CODE.sub(_mask_secret, text)
    if carries_card:
        text = _EXPIRY_AFTER_CARD.sub(_mask_secret, text)
        text = _LABELLED_EXPIRY.sub(_mask_secret, text)
    return text


def _mask_secret(match: re.Match[str]) -> str:
    """The match with the digits of its `secret` group masked."""
    whole, start, end = match.group(0), match.start("secret") - match.start(), match.end("secret") - match.start()
    return whole[:start] + re.sub(r"\d", MASK, whole[start:end]) + whole[end:]


def _mask_cards_in_run(run: re.Match[str], text: str) -> str:
    """A run of digit groups, each card number in it masked; one that touches letters (an id's
    digits, perhaps) only if it is a brand's card number; none after "+" (a phone number)."""
    before, after = text[max(0, run.start() - 2) : run.start()], text[run.end() : run.end() + 2]
    if before.endswith("+"):
        return run.group(0)
    value = run.group(0)
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(value)]
    joined_first, joined_last = bool(_JOINED_BEFORE.search(before)), bool(_JOINED_AFTER.match(after))

    def accept(first: int, last: int, digits: str) -> bool:
        touches_letters = (first == 0 and joined_first) or (last == len(groups) - 1 and joined_last)
        return not touches_letters or is_brand_card(digits)

    out: list[str] = []
    done = 0
    for first, last in _cards(value, groups, accept):
        digits = "".join(value[s:e] for s, e in groups[first : last + 1])
        out += [value[done : groups[first][0]], f"{MASK * 4} {MASK * 4} {MASK * 4} {digits[-4:]}"]
        done = groups[last][1]
    return "".join(out) + value[done:]


def _cards(
    value: str, groups: list[tuple[int, int]], accept: Callable[[int, int, str], bool]
) -> Iterator[tuple[int, int]]:
    """(first, last) group index of each card number among the groups that `accept` takes, left to right."""
    i = 0
    while i < len(groups):
        last = _card_from(value, groups, i)
        if last is not None and not accept(i, last, "".join(value[s:e] for s, e in groups[i : last + 1])):
            last = None
        if last is None:
            i += 1
        else:
            yield i, last
            i = last + 1


def _card_from(value: str, groups: list[tuple[int, int]], first: int) -> int | None:
    """The last group of a card number starting at group `first`, or None."""
    start, end = groups[first]
    if value[start] == "0":
        return None
    if end - start < 3:
        return _spelled_card_from(value, groups, first)
    if end - start < 4:
        return None
    found: dict[int, int] = {}  # length -> last group
    digits, kind, table_like = value[start:end], None, False
    for i in range(first, len(groups)):
        if i > first:
            s, e = groups[i]
            separator = value[groups[i - 1][1] : s]
            joint = _joint_kind(separator)
            if e - s < 3 or joint is None or (kind is not None and joint != kind):
                break
            table_like = table_like or bool(set(separator) & _TABLE_LIKE)
            if table_like and "\n" in separator:  # the next row of a table, the next item of a list
                break
            kind, digits = joint, digits + value[s:e]
        if len(digits) > 19:
            break
        # groups joined as cells, list items or quotes are often numbers of other kinds: a card
        # brand's number only ("| 4111 | 1111 | …" but not a table of order numbers)
        if len(digits) >= 13 and luhn_valid(digits) and (not table_like or is_brand_card(digits)):
            found[len(digits)] = i
    return next((found[n] for n in _LENGTHS if n in found), None)


def _spelled_card_from(value: str, groups: list[tuple[int, int]], first: int) -> int | None:
    """The last group of a brand's card number read out in pairs or digit by digit from group
    `first`: every group as wide as the first (one digit or two; the last may be shorter), joined
    by spaces or dashes alone. A count ("… 8 9 10 11 …") changes width, a card read out does not."""
    width = groups[first][1] - groups[first][0]
    digits, found = "", None
    for i in range(first, len(groups)):
        s, e = groups[i]
        if i > first:
            narrower_before = groups[i - 1][1] - groups[i - 1][0] < width
            if narrower_before or _joint_kind(value[groups[i - 1][1] : s]) != "-":
                break
        if e - s > width:
            break
        digits += value[s:e]
        if len(digits) > 19:
            break
        if len(digits) >= 13 and luhn_valid(digits) and is_brand_card(digits):
            found = i
            if len(digits) == 16:
                break
    return found


# (first digits, lowest, highest), lengths: the card brands' number ranges (ISO/IEC 7812 IINs)
_BRANDS: tuple[tuple[tuple[int, int], range], ...] = (
    ((4, 4), range(13, 20)),  # Visa (13, 16 and 19 in use; any of them Luhn-valid is taken)
    ((51, 55), range(16, 17)), ((2221, 2720), range(16, 17)),  # Mastercard
    ((34, 34), range(15, 16)), ((37, 37), range(15, 16)),  # American Express
    ((6011, 6011), range(16, 20)), ((644, 649), range(16, 20)), ((65, 65), range(16, 20)),  # Discover
    ((62, 62), range(16, 20)),  # UnionPay
    ((300, 305), range(14, 20)), ((36, 36), range(14, 20)), ((38, 39), range(14, 20)),  # Diners Club
    ((3528, 3589), range(16, 20)),  # JCB
    ((50, 50), range(13, 20)), ((56, 58), range(13, 20)), ((63, 63), range(13, 20)), ((67, 67), range(13, 20)),  # Maestro
    ((2200, 2204), range(16, 20)),  # Mir
    ((60, 60), range(16, 17)), ((6521, 6522), range(16, 17)), ((81, 82), range(16, 17)),  # RuPay
    ((9792, 9792), range(16, 17)),  # Troy
)


def is_brand_card(digits: str) -> bool:
    """The digits (Luhn-valid already) have the first digits and length of a card brand's numbers."""
    digits = "".join(str(int(d)) for d in digits)  # full-width and other scripts' digits too
    for (low, high), lengths in _BRANDS:
        width = len(str(low))
        if len(digits) in lengths and low <= int(digits[:width]) <= high:
            return True
    return False


def _joint_kind(separator: str) -> str | None:
    """What joins two groups: spaces, brackets, quotes and dashes are one kind; ".", ",", ";", ":",
    "_", "/", "*", "|" and a middle dot each another (a full-width one the same as its like)."""
    marks = set(unicodedata.normalize("NFKC", separator)) - set(_SPACES) - set(_BRACKETS)
    if marks <= set(_DASHES):
        return "-"
    return marks.pop() if len(marks) == 1 else None
