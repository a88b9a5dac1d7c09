"""What each answer unit of a chunk is: a list item, a step, a table row, a question, a heading, or
a pointer elsewhere (another article, a list of links, a sentence about the page itself). The
composer (`assistant.compose`) and the reader (`assistant.reader`) decide by these what can be an
answer and what comes with one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.units import clean_markup, is_code_block

_LIST_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s+")
_STEP = re.compile(r"^(\d+)[.)]\s+")  # its number


def is_list_item(unit: str) -> bool:
    return bool(_LIST_ITEM.match(unit))


def is_step(unit: str) -> bool:
    """A numbered list item ("2. Click Save"): a step of a procedure, not one of a list of facts."""
    return bool(_STEP.match(unit))


def item_text(unit: str) -> str:
    """A list item without its bullet or number ("Click Save" for "2. Click Save"); other units as they are."""
    return _LIST_ITEM.sub("", unit, count=1)


def step_number(unit: str) -> int | None:
    """The number of a step ("6. Restart the app." -> 6); None for anything else."""
    m = _STEP.match(unit)
    return int(m.group(1)) if m else None


def is_table_row(unit: str) -> bool:
    return unit.startswith("- ") and " — " in unit


def row_key(units: Sequence[str], i: int) -> str:
    """What a table row is about: its first cell ("Starter" in "Starter — $12 / month"). A table's
    header row, and any other unit, has none."""
    unit = units[i]
    if not is_table_row(unit) or i == 0 or not is_table_row(units[i - 1]):
        return ""
    return unit[2:].split(" — ", 1)[0].replace("**", "")


def is_question(unit: str) -> bool:
    return unit.rstrip().endswith("?")


_REFERENCE = re.compile(
    r"^\W*(?:see|read|refer to|check out|learn more|more (?:about|on)|(?:for|to) [^,]{1,80},\s*(?:see|read|check out))\b",
    re.I,
)
_LINK_LIST = re.compile(
    r"^\W*(?:related(?: articles| topics| guides| links| help)?|see also|further reading|learn more|more help|"
    r"read next|useful links)\W*$",
    re.I,
)


def is_reference(unit: str) -> bool:
    """A pointer to another article ("See Accept card payments.", "For more sign-in problems, see
    Troubleshoot login problems."): it names where an answer is, it is not one."""
    text = clean_markup(unit)
    return len(text) <= 120 and ":" not in text and bool(_REFERENCE.match(text))


_LINK_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+\[[^\]]+\]\([^)]+\)\W*$")
# "This article covers …", "In this tutorial, you …", "This page contains archived content": what
# the page is about, said to a reader who has it in front of them
_ABOUT_THE_PAGE = re.compile(
    r"^\W*(?:in\s+)?this\s+(?:help\s+)?(?:article|guide|page|topic|tutorial|section|document)\b", re.I
)


def is_about_the_page(unit: str) -> bool:
    return bool(_ABOUT_THE_PAGE.match(clean_markup(unit)))


def references(units: Sequence[str], heading: str = "") -> set[int]:
    """The units that only point elsewhere: pointers, list items that are only a link, a sentence
    about the page itself ("This article covers creating, sending and editing an invoice"), and a
    list of links with its label ("Related articles:" and the article titles under it, or every
    list item of a section so headed)."""
    out = {
        i for i, u in enumerate(units) if is_reference(u) or _LINK_ITEM.match(u) or is_about_the_page(u)
    }
    if _LINK_LIST.match(heading.split(" > ")[-1]):
        out |= {i for i, u in enumerate(units) if is_list_item(u)}
    for i, unit in enumerate(units):
        if _LINK_LIST.match(clean_markup(unit)):
            out.add(i)
            j = i + 1
            while j < len(units) and is_list_item(units[j]):
                out.add(j)
                j += 1
    return out


def is_heading(unit: str) -> bool:
    """A short line without closing punctuation ("Creating a custom policy"): a label, not an answer.
    A short fenced code block is none: it is quoted, as what its sentence introduces or as the answer."""
    text = unit.strip()
    return (
        not is_list_item(text) and not is_code_block(text) and len(text) <= 80 and len(text.split()) <= 10
        and not text.endswith((".", "!", "?", ":", ";", ")", '"', "'"))
    )


def list_kind(unit: str) -> str:
    """"row" for a table row, "item" for another list item, "" for prose."""
    return "row" if is_table_row(unit) else "item" if is_list_item(unit) else ""
