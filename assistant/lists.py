"""Lists and tables in a passage: the run of items (or rows) holding a unit, the sentence that
introduces it, which of its items a quote takes, and whether a list goes on across a chunk's edge.

`assistant.compose` chooses what to quote; for a list or a table it asks here:

- a list item or table row brings its list and the sentence that introduces it (`list_block`): the
  list whole (its first `MAX_LIST_ITEMS` items), but of a long table its header and at most
  `MAX_TABLE_ROWS` rows that score near the answer, and of a list of more than `LONG_LIST` named facts
  ("- Live chat: …") only the items that score near the answer;
- a list item the question names by a word the answer lacks joins the quote (`named_items`);
- a passage may open partway through the list holding its answer (`opens_mid_list`) or end with it
  (`runs_on`), and `continues_list` tells whether the next chunk's first unit goes on with it
  (`one_list`, of two chunks).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from assistant.unit_kinds import is_heading, is_list_item, is_question, is_step, is_table_row, list_kind, step_number
from knowledge import Chunk
from knowledge.lexical import tokenize
from knowledge.units import split_units

NEAR = 0.08  # an item (in `assistant.compose`, a neighbouring sentence) within this of the best unit's score joins
MAX_LIST_ITEMS = 12
LONG_LIST = 3  # a list of more named facts than this is quoted as its items that answer
MAX_TABLE_ROWS = 5


def list_run(units: Sequence[str], index: int) -> tuple[int, int]:
    """The run of consecutive list items (or table rows) around `index`: [start, end)."""
    kind = "row" if is_table_row(units[index]) else "item"
    start, end = index, index + 1
    while start > 0 and list_kind(units[start - 1]) == kind:
        start -= 1
    while end < len(units) and list_kind(units[end]) == kind:
        end += 1
    return start, end


def list_intro(units: Sequence[str], start: int) -> int | None:
    """The sentence that introduces a run starting at `start`, if there is one."""
    if start > 0 and not is_list_item(units[start - 1]) and not is_question(units[start - 1]):
        return start - 1
    return None


def list_block(
    units: Sequence[str], scores: Sequence[float], index: int, whole: bool = True, all_facts: bool = False
) -> set[int]:
    """The list (or table) holding unit `index`, with its introduction. A long table gives its
    header and best rows only; a list of more than `LONG_LIST` named facts ("- Live chat: …",
    "- UK: …") its items that score near the answer ("what time is live chat open": the live-chat
    line of the support hours, not the email and phone lines beside it); so does any
    list of facts or table when not `whole` (a second source's list: the items that answer, not the
    whole list). Steps always come whole, and `all_facts` (its section is what was asked) brings a
    list or table whole, up to `MAX_LIST_ITEMS`."""
    start, end = list_run(units, index)
    chosen: set[int] = set()
    long_facts = not all_facts and end - start > LONG_LIST and all(_named_fact(units[i]) for i in range(start, end))
    if (not whole or long_facts) and not is_step(units[index]):
        best = scores[index]
        chosen |= {i for i in range(start, end) if scores[i] >= best - NEAR} | {index}
        if is_table_row(units[index]):
            chosen.add(start)  # its header row
    elif is_table_row(units[index]) and end - start > MAX_TABLE_ROWS + 1 and not all_facts:
        best = scores[index]
        rows = sorted(range(start, end), key=lambda i: -scores[i])
        chosen |= {i for i in rows[:MAX_TABLE_ROWS] if scores[i] >= best - NEAR} | {index, start}
    else:
        chosen |= set(range(start, min(end, start + MAX_LIST_ITEMS)))
        chosen.add(index)
    intro = list_intro(units, start)
    if intro is not None:
        chosen.add(intro)
    return chosen


def table_header(units: Sequence[str], row: int) -> int | None:
    """The header row of the table holding `row` (its first row), None when `row` is it."""
    start = list_run(units, row)[0]
    return start if start < row else None


def introduces_next(unit: str) -> bool:
    """A sentence that ends introducing what follows it ("Tally can charge cards in these 14 currencies:")."""
    return not is_list_item(unit) and not is_heading(unit) and unit.rstrip().endswith(":")


def opens_mid_list(units: Sequence[str], best: int) -> bool:
    """The passage may open partway through a list, and its answer is in that list: it opens with
    a step after the first ("6. Restart the app.": the chunk before holds steps 1 to 5), or with a
    bullet point (the chunk before may end with the list's first items and the sentence
    introducing it; `continues_list` tells)."""
    if not units or list_kind(units[0]) != "item":
        return False
    number = step_number(units[0])
    return (number is None or number > 1) and best < list_run(units, 0)[1]


def runs_on(units: Sequence[str], best: int) -> bool:
    """The passage ends with a list of bullet points, and its answer is in that list or introduces
    it: the list may go on in the next chunk ("You also need to sort out the following:" and the
    first of its three points; `continues_list` tells). A list of steps is `compose.leads_on`'s or the
    reader's own."""
    n = len(units)
    if not n or list_kind(units[-1]) != "item" or is_step(units[-1]):
        return False
    start = list_run(units, n - 1)[0]
    return best >= start or (best == start - 1 and introduces_next(units[best]))


def continues_list(units: Sequence[str], continued_by: str) -> bool:
    """`continued_by` (the next chunk's first unit) goes on with the list `units` ends with: the
    step after its last ("5. …" then "6. …"), or another bullet point after bullet points (the
    caller checks both chunks are of one section)."""
    if not units:
        return False
    last, following = step_number(units[-1]), step_number(continued_by)
    if last is not None or following is not None:
        return last is not None and following == last + 1
    return list_kind(units[-1]) == "item" and list_kind(continued_by) == "item"


def named_items(units: Sequence[str], quoted: Sequence[int], missing: Iterable[str], typed: Callable[[str], bool]) -> list[int]:
    """The list items a question names by a word the quote lacks, one item of its list alone
    naming it: "how long until payouts reach my bank in the UK?" is answered by "After a payout is
    sent, your bank usually credits it within 1 business day." and by the item of the processing
    times that names the UK ("3 business days in the UK, the EEA, …"); quoted without that item,
    the reply left the UK out (QA: sent at 0.93). `missing`: the question's words (stemmed as the
    lexical index stems them) the quote does not hold; `typed`: a unit holds the kind of answer
    asked for. An item of a list already quoted, or of a table, is not added."""
    taken = set(quoted)
    out: list[int] = []
    for word in missing:
        holding = [i for i, u in enumerate(units) if word in tokenize(u)]
        if len(holding) != 1:  # a word of one unit alone names that item; of several, none
            continue
        i = holding[0]
        if i in taken or list_kind(units[i]) != "item" or is_step(units[i]) or not typed(units[i]):
            continue
        start, end = list_run(units, i)
        if taken & set(range(start, end)):
            continue
        out.append(i)
        taken.add(i)
    return out


# "- **Live chat:** Monday to …", "- UK: +44 …", "- **Phone (Pro plan):**" (its list follows)
_NAMED_FACT = re.compile(r"^\s*[-*+]\s+(?:\*\*[^*\n]{1,60}:\*\*|\*\*[^*\n]{1,60}\*\*:|[^:.!?`*\n]{1,60}:)(?:\s|$)")


def _named_fact(unit: str) -> bool:
    """A bulleted item that names what it is about before a colon ("- Live chat: Monday to Friday …")."""
    return bool(_NAMED_FACT.match(unit))


def one_list(before: Chunk, after: Chunk) -> bool:
    """`after` (the next chunk) goes on with the list `before` ends with: a list a chunk boundary cut
    in two ("You also need to sort out the following:" and the first point, then the other two).
    Steps say so by their numbers; bullet points by being of one section."""
    units, following = split_units(before.text), split_units(after.text)
    if not units or not following or not continues_list(units, following[0]):
        return False
    return step_number(following[0]) is not None or before.heading == after.heading
