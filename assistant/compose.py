"""Composing an extractive reply that stands alone: the passage's answer with the context it needs.

Given a chunk's units and where its answer is (the reader's best unit), choose what to quote:

- a list item or table row brings its list (or the matching rows of a long table) and the sentence
  that introduces it (`assistant.lists` finds them); a sentence introducing something ("… parts:",
  "Here are the steps …") brings what it introduces: the next sentence, or the list just after it;
- a short section made of (numbered) steps is quoted whole when its answer is the steps or what
  leads to them: it is the answer to "how do I ..."; a section of bullet points is a list of
  facts, and only the list holding the answer is quoted, and of a list of more than three named
  facts ("- Live chat: …") only the items that score near the answer;
- a sentence of a short paragraph brings the rest of it (a paragraph is one thought), and one of a
  longer paragraph, still short in characters, the sentence before it, which it goes on from ("From
  your next renewal date, you pay the full Pro price." after the prorated amount due now and its
  example); a neighbouring sentence joining the answer brings it too, or does not join; a sentence right
  after one that introduces it ("… in these 14 currencies:") brings that one;
- a sentence that leans on the one before it ("It", "This", "However", "Beyond that",
  "Re-enable it ...") brings that one, and the answer brings the sentence after it that leans on it;
- a quoted question ("Can I pause a plan?"), a heading ("Creating a custom policy") or a pointer to
  another article ("See Accept card payments.") is never the answer: the sentence after it is; a
  pointer, even after the case it is for ("If the payment for your own Tally subscription failed,
  see Update your payment card."), or a sentence about the page ("This article covers payments
  your clients make to you.") is brought by no rule, and a pointer the reader chose brings nothing;
- neighbouring sentences that score nearly as well join, up to a length budget;
- a sentence pointing at text the customer cannot see ("the steps above") is left out unless
  what it points at is quoted too (a step or a table row that points is kept, and its pointer
  mended: `assistant.pointers`); an answer that ends its passage pointing forward ("then follow
  the steps below") brings the start of the next section (`sentence_links.leads_on`);
- a table row the customer quotes ("ledgersync says Invoice number already exists") is quoted
  with the table's header alone, not beside the rows they did not ask about (`assistant.asked_rows`);
- a quote that starts with a list item gets the section's heading as its lead-in, and so does a
  quote that opens a section whose heading names its scope in brackets when the quote does not
  ("Add late fees (Pro)").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer_types import is_instruction
from assistant.asked_rows import rows_asked_about
from assistant.lists import NEAR, continues_list, introduces_next, list_block, list_intro, list_run
from assistant.pointers import is_pointer
from assistant.sentence_links import introduced, leads_on, leans_back
from assistant.text import content_terms
from assistant.unit_kinds import (
    is_about_the_page, is_heading, is_list_item, is_question, is_step, is_table_row, references,
)
from knowledge.units import clean_markup, is_code_block

_POINTS_AWAY = re.compile(r"\b(above|below|the following|previous|preceding|as shown)\b", re.I)
_SCOPE = re.compile(r"\(([^()]+)\)$")  # "Add late fees (Pro)": the plans, products or platforms it applies to
SCOPE_WORDS = 4
_WORD = re.compile(r"\w+")
_SENTENCE_START = re.compile(r"^[\"'“‘(\[`*]*[A-Z0-9]")  # not a piece cut from a sentence ("of winning the contest , she ...")
WHOLE_SECTION_CHARS = 900  # a section of steps this short is quoted whole
PARAGRAPH_UNITS = 3  # a paragraph of at most this many sentences ...
PARAGRAPH_CHARS = 400  # ... and characters is quoted whole when one of its sentences is the answer
MAX_CHARS = 480  # budget for the sentences added around the answer
LEANS_BACK_STEPS = 2  # sentences leaning back, each on the one before, brought before the answer


@dataclass(frozen=True)
class Quote:
    units: list[int]  # indices into the chunk's units, in order
    lead_in: str = ""

    def text(self, units: Sequence[str]) -> str:
        """Prose runs on; a list item, and the prose after a list, start a new line."""
        parts = [self.lead_in] if self.lead_in else []
        after_item = False
        for i in self.units:
            unit = clean_markup(units[i])
            item = is_list_item(unit) or is_code_block(unit)  # nothing shares a line with its fences
            if parts and (item or after_item or parts[-1].endswith(":")):
                parts.append("\n" + unit)
            else:
                parts.append((" " if parts else "") + unit)
            after_item = item
        return "".join(parts).strip()


def _pointers(units: Sequence[str], heading: str) -> set[int]:
    """The units that only point elsewhere (`references`), and the pointers after the case they
    are for (`pointers.is_pointer`)."""
    return references(units, heading) | {i for i, u in enumerate(units) if is_pointer(u)}


def list_ending(units: Sequence[str], continued_by: str) -> Quote:
    """The list a passage ends with, and the sentence introducing it, when `continued_by` (the next
    chunk's first unit) goes on with it (`continues_list`): the start of a list that goes on in the
    next chunk. Nothing otherwise."""
    if not continues_list(units, continued_by):
        return Quote([])
    start, end = list_run(units, len(units) - 1)
    intro = list_intro(units, start)
    return Quote(([intro] if intro is not None else []) + list(range(start, end)))


def quote(
    units: Sequence[str], scores: Sequence[float], best: int, heading: str = "", *, whole_sections: bool = True,
    continued: bool = False, leave_out: frozenset[int] = frozenset(), how_to: bool = False, echo: bool = False,
    asked: str = "", paragraphs: Sequence[int] = (), titled: bool = False, named: Sequence[int] = (),
    fails: bool = False,
) -> Quote:
    """What to quote from one chunk whose answer is at unit `best`; `whole_sections`: a short section
    of steps is quoted whole, and a list of facts holding the answer too, and a sentence brings the
    one before it in its paragraph (False, for a second source: only its items that answer, with
    the list's introduction, and a sentence with only a short paragraph's); `continued`: the next chunk is
    quoted after this one, so the quote runs to this chunk's end, pointer included; `leave_out`:
    units never quoted unless they are the answer itself (how to turn 2FA off, for "turn it on");
    `echo`: the answer says little beyond the question's own words, so the sentence after it comes too;
    `how_to`: the customer asked how to do something, so a quote without an instruction brings the
    first one within three units after the answer ("You can switch to yearly billing at any time."
    and "All plan changes happen in Settings → Billing → Plan."); `asked`: the customer's words, for
    the table rows they quote; `paragraphs`: the paragraph of each unit, so that a short one is
    quoted whole, and of a longer one the sentence the answer goes on from; `titled`: the section's
    heading names the action a how-to question asks ("Create a
    recurring profile" for "how do I create a recurring invoice?"), so its steps are the answer
    wherever in the section the reader found it ("To turn an invoice you've already sent into a
    recurring one, …", after the steps); `named`: list items the question names by a word the
    answer lacks (`assistant.lists.named_items`), quoted with the sentence introducing their list;
    `fails`: the customer says something fails, and wants what to do about it as a how-to does ("This
    means the 6-digit code from your authenticator app wasn't accepted." was sent alone, at 0.97, for
    "my authenticator code is not accepted", above the list of what to check)."""
    n = len(units)
    if not n:
        return Quote([])
    # a quoted question or a heading is not an answer: what follows it is
    while (is_question(units[best]) or is_heading(units[best])) and best + 1 < n:
        best += 1
    steps = [i for i, u in enumerate(units) if is_step(u)]
    # a how-to question whose answer comes after its section's steps and says nothing to do ("The
    # details appear in a How to pay box on the invoice", for "how do I put my bank details on the
    # invoice": sent at 0.97 without the steps) is answered by those steps
    after_steps = how_to and bool(steps) and best > steps[-1] and not is_instruction(units[best])
    # a short section of steps is quoted whole when its answer is the steps or what leads to them
    if whole_sections and steps and (best <= steps[-1] or titled or after_steps) and sum(len(u) for u in units) <= WHOLE_SECTION_CHARS:
        chosen = {i for i in range(n) if not (is_question(units[i]) and i + 1 < n)}
    else:
        pointers = _pointers(units, heading)
        # a second source says only what answers: no sentences that lead up to it (the currency
        # one is billed in, before "If you add a valid VAT number, … the reverse charge")
        lead_ups = paragraphs if whole_sections else ()
        chosen = _around(
            units, scores, best, pointers, whole_lists=whole_sections, all_facts=titled, paragraphs=lead_ups
        )
        chosen |= _rest_of_paragraph(units, paragraphs, best, pointers, lead_up=whole_sections)
    if echo:  # the answer only says the question back ("Many clients prefer to pay by bank transfer.")
        chosen |= _next_sentence(units, scores, max(chosen))
    if continued:
        chosen |= set(range(best, n))
    if (how_to or fails) and not any(is_instruction(units[i]) for i in chosen):
        chosen |= _next_instruction(units, scores, best, leave_out)
    if asked and is_table_row(units[best]):
        chosen = rows_asked_about(units, list_run(units, best), chosen, asked)
    for i in named:
        intro = list_intro(units, list_run(units, i)[0])
        chosen |= {i} | ({intro} if intro is not None else set())
    chosen = _with_what_they_introduce(units, scores, chosen, best, continued)
    chosen = {i for i in chosen if i == best or i not in leave_out}
    if not chosen:
        chosen = {best}
    ordered = sorted(chosen)
    section = heading.split(" > ")[-1]
    lead_in = ""
    opens = ordered[0] == 0  # the quote opens the passage, just under its heading
    if section and (is_list_item(units[ordered[0]]) or (opens and _scope_unsaid(section, [units[i] for i in ordered]))):
        lead_in = as_lead_in(section)
    return Quote(ordered, lead_in)


def _with_what_they_introduce(
    units: Sequence[str], scores: Sequence[float], chosen: set[int], best: int, continued: bool
) -> set[int]:
    """`chosen`, where a quoted sentence that ends introducing what follows ("Then, depending on
    your choice, it will:") brings it (the table or list after it): quoted without it, the reply
    ended on a colon that pointed at nothing. At the passage's end, with no next chunk quoted,
    nothing follows it to bring: such a sentence is left out instead, unless it is the answer."""
    out = set(chosen)
    for i in sorted(chosen):
        if i + 1 in chosen or not introduces_next(units[i]):
            continue
        if i + 1 < len(units) and is_list_item(units[i + 1]) and chosen & set(range(*list_run(units, i + 1))):
            continue  # the items of its list that answer are quoted already
        brought = introduced(units, scores, i)
        if brought:
            out |= brought
        elif i != best and not continued:
            out.discard(i)
    return out


def _scope_unsaid(section: str, quoted: Sequence[str]) -> bool:
    """The section's heading ends with the scope it applies to, in brackets ("Add late fees (Pro)",
    "Refund to card (Tally Payments)"), and the quote does not say it: without the heading, "Late
    fees are added to an invoice automatically", for "can I add late fees on Starter?", reads as
    true on every plan. Only for a quote that opens its passage, where the heading is the line
    above it: further down a section, a sentence on a detail ("Reminders go out at 09:00") is
    answer enough without the title of the steps before it."""
    m = _SCOPE.search(section.strip())
    if m is None or len(m.group(1).split()) > SCOPE_WORDS:
        return False
    said = set(_WORD.findall(" ".join(quoted).lower()))
    return not set(_WORD.findall(m.group(1).lower())) <= said


def _rest_of_paragraph(
    units: Sequence[str], paragraphs: Sequence[int], best: int, pointers: set[int], lead_up: bool = True
) -> set[int]:
    """The other sentences of a short paragraph (at most `PARAGRAPH_UNITS` and `PARAGRAPH_CHARS`)
    whose sentence is the answer: a help-centre paragraph is one thought, and a sentence of it
    often leans on the others without a word that says so ("If delivery fails, Tally retries up to
    8 times over 3 days." before "If an endpoint is still failing after 3 days, we disable it.").
    Of a paragraph of more sentences, the one before the answer (`_lead_up`; not when `lead_up` is
    False). Never a pointer, a
    question, a heading or a piece cut from a sentence at a chunk's edge, and nothing for an answer
    that is itself a pointer ("If the payment for your own Tally subscription failed, see Update
    your payment card." is said alone, not after the sentence on clients' failed payments before it).
    `paragraphs[i]`: the paragraph of unit i (`knowledge.units.unit_paragraphs`); none known, none added;
    `pointers`: the units that only point elsewhere (`_pointers`)."""
    if len(paragraphs) != len(units) or is_list_item(units[best]) or best in pointers:
        return set()
    same = [i for i, p in enumerate(paragraphs) if p == paragraphs[best]]
    if len(same) > PARAGRAPH_UNITS or sum(len(units[i]) for i in same) > PARAGRAPH_CHARS:
        return _lead_up(units, paragraphs, best, pointers) if lead_up else set()
    return {i for i in same if _may_come(units, i, pointers)}


def _lead_up(units: Sequence[str], paragraphs: Sequence[int], index: int, pointers: set[int]) -> set[int]:
    """The sentence before unit `index` in its paragraph, when it goes on from it (they share a
    word: "Pro", "fail"), and the one before that while each leans on the one before it ("For
    example, …"), when the paragraph up to it is short (`PARAGRAPH_CHARS`): a sentence that goes on
    a paragraph says what it says with the one it goes on from. "From your next renewal date, you
    pay the full Pro price." without "If you're already on a paid plan, you pay a prorated amount
    for the rest of the current billing period." and its example (QA: "if I upgrade mid-month do I
    pay the full price", at 0.99) said the opposite of the answer. Not a sentence on something else
    ("Your billing currency is set from your billing address …" before "Prices don't include VAT
    or sales tax."), nor the paragraph's start, nor the sentences after it: a paragraph of four or
    more sentences is not quoted whole. Nothing for a list item, nor with no paragraphs known."""
    if len(paragraphs) != len(units) or is_list_item(units[index]):
        return set()
    before = [i for i in range(index) if paragraphs[i] == paragraphs[index]]
    if not before or sum(len(units[i]) for i in [*before, index]) > PARAGRAPH_CHARS:
        return set()
    if not _words(units[before[-1]]) & _words(units[index]):
        return set()
    out: set[int] = set()
    for i in reversed(before):
        if not _may_come(units, i, pointers):
            break
        out.add(i)
        if not leans_back(units[i]):
            break
    return out


# an address's or a link's parts are no word a sentence says: "Email billing@tally.example." shares
# no "billing" with "Plans renew … at the end of each billing period" (a review: it led that answer)
_ADDRESS = re.compile(r"\S+@\S+|\bhttps?://\S+|\]\([^)]*\)")


def _words(unit: str) -> set[str]:
    return content_terms(_ADDRESS.sub(" ", clean_markup(unit)))


def _said_before_in_paragraph(index: int, quoted: set[int], paragraphs: Sequence[int]) -> bool:
    """A unit of unit `index`'s paragraph before it is quoted (paragraphs unknown: any unit before it)."""
    if len(paragraphs) <= index:
        return any(i < index for i in quoted)
    return any(i < index and paragraphs[i] == paragraphs[index] for i in quoted)


def _may_come(units: Sequence[str], i: int, pointers: set[int]) -> bool:
    """Unit i may come with a sentence of its paragraph: no pointer (to another article, to the text
    around it, or about the page), question, heading or piece cut from a sentence at a chunk's edge."""
    return (
        i not in pointers and not _POINTS_AWAY.search(units[i]) and not is_question(units[i])
        and not is_heading(units[i]) and bool(_SENTENCE_START.match(units[i]))
    )


def as_lead_in(section: str) -> str:
    """A section's heading as the line before its list: "Support hours:"; a heading that is a
    question or a quoted message keeps its own mark ("How many people can you add?", "`Invalid
    email or password.`"), not "?:"."""
    text = section.strip().rstrip(":")
    return text if text.rstrip("`*\"'”").endswith((".", "?", "!")) else f"{text}:"


def _next_sentence(units: Sequence[str], scores: Sequence[float], last: int) -> set[int]:
    """The sentence after unit `last`, with what it introduces; nothing if a list, a heading, a
    question, a pointer or a sentence about the page comes next."""
    j = last + 1
    labels = (is_list_item, is_heading, is_question, is_pointer, is_about_the_page)
    if j >= len(units) or any(f(units[j]) for f in labels):
        return set()
    return {j} | introduced(units, scores, j)


def _next_instruction(units: Sequence[str], scores: Sequence[float], best: int, leave_out: frozenset[int]) -> set[int]:
    for j in range(best + 1, min(best + 4, len(units))):
        if is_heading(units[j]) or is_question(units[j]):
            break
        if j in leave_out or is_pointer(units[j]) or is_about_the_page(units[j]):
            continue
        if is_instruction(units[j]):
            return {j} | (list_block(units, scores, j) if is_list_item(units[j]) else introduced(units, scores, j))
    return set()


def _around(
    units: Sequence[str], scores: Sequence[float], best: int, pointers: set[int], whole_lists: bool = True,
    all_facts: bool = False, paragraphs: Sequence[int] = (),
) -> set[int]:
    """`all_facts`: a list of named facts comes whole, its section being what was asked about (the
    things to check when "the PDF doesn't open or download", not the one that scored best);
    `paragraphs`: the paragraph of each unit, for the sentences a neighbour goes on from (`_lead_up`)."""
    n = len(units)
    if is_list_item(units[best]):
        chosen = list_block(units, scores, best, whole=whole_lists, all_facts=all_facts)
        # the sentence introducing the list brings the one of its paragraph it goes on from: "If a
        # credit note is wrong:" and its cases, without "Issued credit notes can't be edited or
        # deleted" before it, left "can I edit it after?" unanswered (QA, sent at 0.99)
        intro = min(chosen)
        if not is_list_item(units[intro]):
            chosen |= _lead_up(units, paragraphs, intro, pointers)
    else:
        chosen = {best} | introduced(units, scores, best, all_facts=all_facts)
    # the sentence before, and the one before that while each leans on the one before it ("For
    # example, …" after "However, for the last point, …" after what the last point is an exception
    # to: mtrag DEV had the two without the third, at 0.93)
    for step in range(LEANS_BACK_STEPS):
        first = min(chosen)
        if first == 0 or not leans_back(units[first]):
            break
        prev = first - 1
        if is_list_item(units[prev]):
            chosen |= list_block(units, scores, prev)
        elif step == 0 or _may_come(units, prev, pointers):  # no piece cut at the chunk's edge
            chosen.add(prev)
        else:
            break
    first = min(chosen)
    if first > 0 and not is_list_item(units[first]) and introduces_next(units[first - 1]):
        chosen.add(first - 1)  # "... in these 14 currencies:" before "USD, EUR, GBP ..."
    budget = MAX_CHARS - sum(len(units[i]) for i in chosen)
    top = scores[best]
    for i in sorted(range(n), key=lambda i: -scores[i]):
        if budget <= 0 or scores[i] < top - NEAR:
            break
        if i in chosen or is_question(units[i]) or is_heading(units[i]) or is_list_item(units[i]):
            continue
        # a code block comes as what its sentence introduces, or as the answer: not as a neighbour
        # ("Authorization: Bearer tk_live_…" opened "what happens if I go over?"'s answer, QA)
        if is_code_block(units[i]):
            continue
        if len(units[i]) > budget:
            continue
        if abs(i - best) > 2 or _POINTS_AWAY.search(units[i]) or i in pointers:
            continue
        # a sentence that introduces something ("If a credit note is wrong:") comes with it or not at
        # all, and so does one with the sentences of its paragraph it goes on from: "If an endpoint
        # is still failing after 3 days, we disable it" joined "Click an endpoint to see recent
        # deliveries …, and to Resend any event" without "If delivery fails, Tally retries up to 8
        # times over 3 days" (QA: "my endpoint was down all weekend, did I lose the events?")
        added = {i} | introduced(units, scores, i) | _lead_up(units, paragraphs, i, pointers)
        # and one that leans back, with nothing before it in its paragraph quoted, brings the sentence
        # before it ("Re-enable it in Settings" joined "Use Send test event", of the next paragraph,
        # without "we disable it": QA, "what if my endpoint is down")
        if leans_back(units[i]) and i > 0 and not _said_before_in_paragraph(i, chosen | added, paragraphs):
            if is_list_item(units[i - 1]) or not _may_come(units, i - 1, pointers):
                continue
            added.add(i - 1)
        cost = sum(len(units[j]) for j in added - chosen)
        if cost > budget:
            continue
        chosen |= added
        budget -= cost
    # the sentence right after, when it leans on what we quote ("It takes 2 days."), with what it
    # introduces ("Changing it doesn't affect:" and its list)
    after = max(chosen) + 1
    if after < n and leans_back(units[after]) and not is_list_item(units[after]) and len(units[after]) <= max(budget, 160):
        chosen |= {after} | introduced(units, scores, after)
    # a sentence that points at text we do not show is dropped, unless it is the answer itself
    return {
        i for i in chosen
        if i == best or not (i in pointers or _POINTS_AWAY.search(units[i]) and not is_list_item(units[i]))
    }
