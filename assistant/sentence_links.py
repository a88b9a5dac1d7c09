"""How the sentences of a passage lean on one another, for the composer to quote them together: a
sentence that leans back on the one before it ("It takes 2 days."), one that introduces what
follows ("… override it on any invoice:" and its steps), and a passage that ends pointing on
("… then follow the steps below.")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.lists import list_block
from assistant.pointers import is_pointer
from assistant.unit_kinds import is_about_the_page, is_heading, is_list_item, is_question

_LEANS_BACK = re.compile(
    r"^(it|its|it's|this|that|these|those|they|them|their|there|he|she|his|her|however|but|also|so|then|"
    r"otherwise|instead|if so|if not|once (it|this|that)|which|such|both|"
    # "The one exception is bank matching", "The rest are paused": what they are the rest of came before
    r"the\s+(?:one\s+|only\s+)?exceptions?|the\s+(?:latter|former|rest)|"
    # "For example, moving to Pro halfway through a month costs $8.50 today.": an example of what came before
    r"for\s+(?:example|instance)|e\.g\.|"
    # "Beyond that, ...", "Until then, ...", "In this case, ...": a preposition and what came before
    r"(beyond|past|above|below|before|after|until|by|in|for|from|at|with|without|under|over|apart from)\s+"
    r"(that|this|then|these|those|it|which)( case| point| limit| time)?(?=[\s,.])|"
    # "Re-enable it in Settings once it's fixed.", "To use it:": an instruction about something named before
    r"(?:to\s+)?[a-z]+(?:-[a-z]+)?\s+(?:it|them)(?=[\s,.:]))\b",
    re.I,
)
# "below" as a place on the page; not "below zero", "preferably below ground", "below the limit"
# ... and "the following" as what comes next, not as a time ("released the following year")
_FOLLOWING = (
    r"the following(?!\s+(?:years?|days?|weeks?|months?|morning|afternoon|evening|night|season|spring|summer|"
    r"autumn|fall|winter|decades?|century|quarter|weekend|time)\b)"
)
_ONWARD = rf"below(?!\s+(?:ground|zero|freezing|average|sea\b|the\b|a\b|an\b|your\b|[$£€\d]))|{_FOLLOWING}|as follows"
_POINTS_ON = re.compile(rf"\b(?:{_ONWARD})\b|:$|^here (?:are|is)\b", re.I)  # anywhere in the sentence
# at its end, what follows is it: "… as follows.", "Calico policies add the following features.",
# "You can configure jumbo frames for the following operating systems." (quoted without their
# lists, QA of mtrag DEV drafts)
_INTRODUCES = re.compile(rf"\b(?:{_ONWARD})\W*$|\b{_FOLLOWING}(?:\s+[\w-]+){{1,3}}\W*$|:$|^here (?:are|is)\b", re.I)


def leans_back(unit: str) -> bool:
    """The sentence leans on the one before it ("It takes 2 days.", "This changes only …"). A
    sentence about the page ("This article covers payments your clients make to you.") or a pointer
    leans on nothing: after "When a client's card payment doesn't go through, …" it was quoted as
    the rest of the answer (QA, "will I lose my invoices if it doesn't go through")."""
    return bool(_LEANS_BACK.match(unit)) and not is_about_the_page(unit) and not is_pointer(unit)



def points_on(unit: str) -> bool:
    """The sentence points at what follows it ("then follow the matching steps below", "Here are
    the fields:"): quoted without it, it points at nothing the customer can see."""
    return bool(_POINTS_ON.search(unit.strip())) and not is_list_item(unit)


def dangles(units: Sequence[str], index: int) -> bool:
    """The sentence points at what follows it, and what follows it in its passage is a heading or a
    question: its list is on another page, the sentence was that page's link ("Here are steps you
    can take to help protect yourself from identity theft.", then "Protecting Your Identity" and
    "What can you do …?", in an mtrag page). Quoted, it points at nothing the customer can see."""
    following = units[index + 1] if index + 1 < len(units) else None
    return (
        following is not None and points_on(units[index]) and (is_heading(following) or is_question(following))
        # "A tag consists of multiple parts:", then the label "X.Y.Z-<date>" and the list of parts
        and not introduced(units, [0.0] * len(units), index)
    )


def leads_on(units: Sequence[str], best: int) -> bool:
    """The answer ends its passage, and the passage ends pointing at what comes next ("Start by
    checking the status, then follow the steps below."): what comes next belongs in the reply."""
    n = len(units)
    return n > 0 and best >= n - 2 and points_on(units[-1])



def introduced(units: Sequence[str], scores: Sequence[float], index: int, all_facts: bool = False) -> set[int]:
    """What a sentence introducing something ("A tag consists of these parts:", "Here are steps you
    can take.") brings: the next sentence, or the list that follows within three units with the
    labels before it ("X.Y.Z-<date>.[hash]", "Where"), whole if `all_facts` (`lists.list_block`).
    Nothing for a sentence that introduces nothing."""
    n = len(units)
    if index + 1 >= n or not _INTRODUCES.search(units[index].strip()) or is_list_item(units[index]):
        return set()
    taken: set[int] = set()
    for j in range(index + 1, min(index + 4, n)):
        if is_list_item(units[j]):
            return taken | list_block(units, scores, j, all_facts=all_facts)
        if is_question(units[j]):
            break
        taken.add(j)
        if units[j].rstrip().endswith((".", "!")):  # a sentence: what was introduced
            return taken
    following = units[index + 1]
    return set() if is_heading(following) or is_question(following) else {index + 1}

