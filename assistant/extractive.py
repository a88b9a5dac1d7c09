"""The embedded default provider: a reply made of the knowledge base's own sentences.

The best reading's passage is quoted where the reader found its answer, with the context it needs
to stand alone (`assistant.compose`). When another document answers too, nearly as surely, its
answer is added and cited as well: customers' questions often span two articles. Every word comes
from a verified document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from assistant.asked_rows import quotes_row
from assistant.compose import Quote, as_lead_in, list_ending, quote
from assistant.cut_sentences import cut_at_start, sentence_start
from assistant.evidence import Evidence, Passage
from assistant.lists import continues_list, list_run, named_items
from assistant.pointers import Place, mend_pointers, places_below, shows
from assistant.providers import DeltaCallback, Draft
from assistant.reader import TYPED_ANSWERS, Reading, names_action
from assistant.selection import how_to_for_a_fault
from assistant.table_columns import column_text, named_column, names_row
from assistant.terms import QuestionTerms
from assistant.text import cited as with_marker, clean_markup, content_terms, straight_quotes
from assistant.unit_kinds import is_list_item, is_table_row
from knowledge.lexical import tokenize
from knowledge.units import unit_paragraphs

# A second document is quoted when its best unit's answer probability reaches SECOND_SOURCE_MIN and
# SECOND_SOURCE_RATIO of the first's. On DEV (gold citation rate; second sources added, gold of
# them): mtrag 0.668 -> 0.707 (115 added, 70 gold); clapnq 0.956 -> 0.967 (13, 2); sample 0.984 (1).
SECOND_SOURCE_MIN = 0.3
SECOND_SOURCE_RATIO = 0.7
# ... and the question's words, weighted by rarity, cover its passage (with its title and heading)
# at least SECOND_SOURCE_WORDS as well as the first's.
SECOND_SOURCE_WORDS = 0.75
# ... and its answer is of the kind asked for, where the question asks for one (an instruction for
# "how do I ...?"): "How do I turn on two-factor authentication?" also quoted, from the password
# article, that 2FA still asks for a code. DEV: sample and clapnq no reply changed; mtrag 14 drafts
# lost a second source, gold cited 0.719 -> 0.716, token-F1 0.288 -> 0.285, one right reply wrong.
# ... and its section (title and heading) is at least SECOND_SOURCE_SECTION as like the question as
# the first's, in a knowledge base with headings (`evidence.with_sections`; elsewhere both are 0):
# "can I turn them off for one client?" (reminders) also quoted the plan article's table of what
# stops on a downgrade (0.30 of the first's), "is my data encrypted?" the account-deletion grace
# period (0.49; QA). Sample DEV at 0.75: 3 such second sources gone, and 2 that answered (0.66,
# 0.69: a foreign card declined, an expired confirmation link) with them; at 0.6 those 2 stay.
SECOND_SOURCE_SECTION = 0.6
# ... and, when the first passage's section is named for the action a how-to asks ("Turn on 2FA
# with an authenticator app"), its section is named for it too: the steps asked for are already
# quoted, and another article's instruction is about something else ("Use a recovery code" from the
# login troubleshooting article, "choose Delete payment" for "how do i delete the invoice").


class ExtractiveProvider:
    name = "extractive"

    def answer(self, question: str, evidence: Evidence, on_delta: DeltaCallback | None = None) -> Draft:
        draft = self._compose(evidence)
        if on_delta is not None and draft.text:
            on_delta(draft.text)  # composed at once: one delta, the whole reply
        return draft

    def _compose(self, evidence: Evidence) -> Draft:
        readings = [r for r in evidence.readings if r.passage.units and not r.points_elsewhere]
        if not readings:
            return Draft(text="", cited=[])
        first = readings[0]
        how_to = evidence.terms.answer_type == "procedure"
        best = first.passage.units[first.best_unit]
        echo = not is_list_item(best) and echoes(evidence.query, best)
        heading = first.passage.hit.chunk.heading
        # its section is what was asked: named for the action ("Create a recurring profile") or
        # for the case ("If the status is Bounced" for "status says bounced")
        # (only for "how do I …?": "how many webhook endpoints can I add?" is no how-to, and "can I
        # turn 2FA off completely?" is answered by its sentence, not by its section's steps; both
        # got the whole section, QA at fed86ea)
        titled = (how_to and names_action(evidence.terms, heading)) or names_the_case(evidence.terms, heading)
        # or it is the question asked ("What syncs" for "what gets synced?", `QuestionTerms.restates`)
        titled = titled or evidence.terms.restates(heading)
        column = named_column(first.passage.units, evidence.terms)
        if column is not None and not column.start < first.best_unit < column.end:
            column = None
        if column is not None:
            # "what can an accountant see?": the Accountant column, beside what each row is about
            body = f"{as_lead_in(heading.split(' > ')[-1]) if heading else ''}\n{column_text(first.passage.units, column)}".strip()
        else:
            body = _quote_text(
                first, continuation=evidence.continuation, how_to=how_to, echo=echo, lead=evidence.lead,
                asked=evidence.question, titled=titled, terms=evidence.terms, article=evidence.readings,
            )
        text = with_marker(body, "[1]")
        cited = [first.passage.hit]
        # the row or column of a table the question names is all it asked ("how much does Starter
        # cost?": not also an upgrade's worked example that mentions Starter's price)
        named = column is not None or names_row(first.passage.units, first.best_unit, evidence.terms, heading)
        # nor does a question whose case a section is named for ("the pdf won't download") ask for
        # another article besides that section (it had the subscription's receipt download steps)
        named = named or (not how_to and titled)  # not a how-to: titled is names_the_case, or the question restated
        # nor one quoting the row it asks about ("error PDF-504": not also how to write to support)
        # (a row's: a sentence opening with the question's words, "The Governor General of Canada
        # is …" for "how do you become the governor general of canada", quotes no row)
        named = named or (is_table_row(best) and quotes_row(evidence.question, best))
        second = None if named else _second_source(first, readings[1:], evidence.terms, titled=titled and how_to)
        if second is not None:
            cited.append(second.passage.hit)
            # what the reply already says (one page under two addresses, a sentence two articles
            # share) is cited, not repeated
            said = _said_units(second.passage.units, text)
            extra = "" if second.best_unit in said else _quote_text(
                second, whole_sections=False, how_to=how_to, said=said
            )
            text = f"{text}[2]" if not extra or _repeats(extra, text) else f"{text}\n\n{with_marker(extra, '[2]')}"
        return Draft(text=text, cited=cited, support=float(first.answerability))


def _quote_text(
    reading: Reading, whole_sections: bool = True, continuation: Passage | None = None, how_to: bool = False,
    said: frozenset[int] = frozenset(), echo: bool = False, lead: Passage | None = None, asked: str = "",
    titled: bool = False, terms: QuestionTerms | None = None, article: Sequence[Reading] = (),
) -> str:
    """`terms`: the question's, when list items it names by a word the answer lacks join the quote
    (`lists.named_items`), for a question asking for a kind of answer (a number, a date, a
    price) the item holds: "i already sent this months invoice … can i turn that one into the
    repeating one" had the frequencies list ("monthly") added to its one-sentence answer.
    `article`: the passages read for the question, where the place further down the article that
    the answer points at is looked for (`_place_below`)."""
    p = reading.passage
    scores = list(reading.quote_scores)
    options = dict(
        whole_sections=whole_sections, continued=continuation is not None, leave_out=reading.opposed | said,
        how_to=how_to, echo=echo, asked=asked, paragraphs=unit_paragraphs(p.hit.chunk.text), titled=titled,
        fails=terms is not None and terms.fails,
    )
    q = quote(p.units, scores, reading.best_unit, p.hit.chunk.heading, **options)
    if terms is not None and terms.answer_type in TYPED_ANSWERS:  # "how long …, in the UK?", not any word
        said_words = set(tokenize(q.text(p.units)))
        missing = sorted((t for t in terms.terms if t not in said_words), key=lambda t: -terms.terms[t])
        named = named_items(p.units, q.units, missing, lambda u: terms.type_found(u) > 0)
        named = [i for i in named if i not in reading.opposed]
        if named:
            q = quote(p.units, scores, reading.best_unit, p.hit.chunk.heading, named=named, **options)
    text = q.text(p.units)
    if lead is not None and q.units and q.units[0] == 0 and not q.lead_in and cut_at_start(p.units, 0):
        # the answer is a piece of a sentence cut at the chunk's start: from the sentence's start
        if (before := sentence_start(lead.hit.chunk.text, p.units[0])) is not None:
            text = f"{before} {text}"
    start = list_ending(lead.units, p.units[0]) if lead is not None else None
    if start is not None and start.units:
        # the passage opens partway through the list holding the answer: the list from its start
        start = replace(start, lead_in=q.lead_in if is_list_item(lead.units[start.units[0]]) else "")
        text = f"{start.text(lead.units)}\n{replace(q, lead_in='').text(p.units)}"
    if continuation is not None and continuation.units:
        if continues_list(p.units, continuation.units[0]):
            # the list holding the answer goes on in the next chunk: the rest of that list, no more
            rest = Quote(list(range(*list_run(continuation.units, 0))))
            text = f"{text}\n{rest.text(continuation.units)}"
        else:
            # what the answer points at ("the steps below") starts the next section: quoted from its start
            following = quote(continuation.units, list(continuation.similarity), 0, continuation.hit.chunk.heading)
            text = f"{text}\n\n{following.text(continuation.units)}"
    if article:
        passages = [r.passage for r in article] + ([continuation] if continuation is not None else [])
        below = _place_below(p, reading.best_unit, text, passages)
        if below:
            text = f"{text}\n\n{below}"
    return mend_pointers(text)


def _place_below(passage: Passage, best: int, text: str, read: Sequence[Passage]) -> str:
    """What the answer (unit `best` of `passage`, quoted as `text`) points at further down its
    article and the reply does not show yet ("Sync paused: the app can't reach Tally. See the
    troubleshooting steps below."), quoted from the start of its section: the nearest later chunk
    of the article that shows it (steps, for "the troubleshooting steps"; the section of that
    heading, for 'see "Large logos and long invoices" below'), with the rest of its list when the
    chunk after it, of the same section, goes on with it. Found among the passages `read` for the
    question only: a chunk between the answer's and that one not read may be what is pointed at,
    and then nothing is brought (the pointer says "in the article", `mend_pointers`). Without it, "my app says sync
    paused" got the three sync states and "See the troubleshooting steps in the article" at 1.00
    (QA), the steps being the answer. Only the answer's own pointers: a step of a procedure that
    points at a table of reasons is not what was asked."""
    places = places_below(text, within=clean_markup(passage.units[best]))
    if not places:
        return ""
    chunk = passage.hit.chunk
    later = {
        p.hit.chunk.ordinal: p for p in read
        if p.hit.chunk.doc_id == chunk.doc_id and p.hit.chunk.content_hash == chunk.content_hash
        and p.hit.chunk.ordinal > chunk.ordinal and p.units
    }
    for place in places:
        target = _nearest_showing(place, passage, later)
        if target is None:
            continue
        following = quote(target.units, list(target.similarity), 0, target.hit.chunk.heading, titled=True)
        quoted = following.text(target.units)
        after = later.get(target.hit.chunk.ordinal + 1)
        if (
            after is not None and after.hit.chunk.heading == target.hit.chunk.heading
            and continues_list(target.units, after.units[0])
        ):
            quoted = f"{quoted}\n{Quote(list(range(*list_run(after.units, 0)))).text(after.units)}"
        return quoted
    return ""


def _nearest_showing(place: Place, passage: Passage, later: dict[int, Passage]) -> Passage | None:
    """The first chunk after `passage` (of those `later`, by ordinal) that shows `place`; None when
    one before it was not read (it may be the one), except for a section known by its heading,
    whose first chunk it must be (the chunk before it read, and of another section)."""
    ordinal = passage.hit.chunk.ordinal
    for k in range(ordinal + 1, max(later, default=ordinal) + 1):
        p = later.get(k)
        if p is None:
            if place.name:
                continue
            return None
        if shows(place, p.units, p.hit.chunk.heading):
            before = passage if k - 1 == ordinal else later.get(k - 1)
            if place.name and (before is None or before.hit.chunk.heading == p.hit.chunk.heading):
                return None
            return p
    return None


_DASHES = str.maketrans({"–": "-", "—": "-"})


def _plain(text: str) -> str:
    return " ".join(straight_quotes(text).translate(_DASHES).lower().split())


# Of a second source's words, the share already in the reply for it to say nothing new: "Every new
# account starts with a 14-day free trial of the Pro plan. When the trial ends, your account moves to
# the Free plan …" after "Every new account gets a 14-day free trial of Pro … your account moves to
# Free when the trial ends" (QA: the same facts twice, from two articles).
SAID_ALREADY = 0.8
_FIGURES = re.compile(r"\d+(?:[.,]\d+)?|`[^`]+`")
_DENIAL = re.compile(r"\b(?:not|no|never|cannot|can't|don't|doesn't|isn't|aren't|won't|without|only)\b", re.I)


def _denies(text: str) -> set[str]:
    return {m.lower() for m in _DENIAL.findall(straight_quotes(text))}


def _repeats(text: str, earlier: str) -> bool:
    """`text` says nothing `earlier` does not: every line of it is there (spacing, case and curly
    quotes aside), or nearly all its words are (`SAID_ALREADY`)."""
    said = _plain(earlier)
    if all(_plain(u) in said for u in text.splitlines() if u.strip()):
        return True
    words = content_terms(clean_markup(text))
    if not words or len(words & content_terms(clean_markup(earlier))) < SAID_ALREADY * len(words):
        return False
    # the same facts: its figures and codes are all said, and it denies nothing the reply does not
    # ("refunds are not available after 30 days" says the opposite of "refunds are available for 14 days")
    return set(_FIGURES.findall(text)) <= set(_FIGURES.findall(earlier)) and _denies(text) <= _denies(earlier)



def echoes(question: str, unit: str) -> bool:
    """The unit says little the question does not: at most a third of its words are new."""
    words = content_terms(clean_markup(unit))
    return bool(words) and len(words - content_terms(question)) <= len(words) / 3


def _said_units(units: list[str], text: str) -> frozenset[int]:
    """The sentences `text` already holds (list items stay with their list: a step left out of its
    steps would leave a gap)."""
    said = _plain(text)
    return frozenset(
        i for i, u in enumerate(units)
        if not is_list_item(u) and len(u.split()) >= 4 and _plain(clean_markup(u)) in said
    )


CASE_WORDS = 2 / 3  # of the question's words a section's own heading names, for the section to be its case


def names_the_case(terms: QuestionTerms, heading: str) -> bool:
    """The section's heading, or the heading it is part of, names most of the question's words, and
    two at least: "If the status is Bounced" for "status says bounced", "The PDF doesn't open or
    download > On the web" for "the pdf won't download"; so the whole section (its steps, or its
    list of things to check) is the answer."""
    parts = heading.split(" > ")
    # the heading it is part of counts when its own names none of the question's words ("On the
    # web"), not when it names the asked thing itself ("API keys > Create a key": the article's
    # topic, not a case, for "how many API keys can I have?")
    if len(parts) > 1 and terms.heading_coverage(parts[-1]) > 0:
        parts = parts[-1:]
    for part in parts:
        named = terms.heading_coverage(part) * len(terms.terms)
        if part and named >= 2 and named >= CASE_WORDS * len(terms.terms):
            return True
    return False


def _second_source(first: Reading, rest: list[Reading], terms: QuestionTerms, titled: bool = False) -> Reading | None:
    """The next document's reading, when it answers nearly as surely as the first and holds nearly
    as much of the question's words, weighed by their rarity ("how many API keys?": not the article
    on security keys). `titled`: the first is the section named for the action asked, and so must
    the second be."""
    for r in rest:
        if r.passage.hit.chunk.doc_id == first.passage.hit.chunk.doc_id or not r.passage.units:
            continue
        if (
            r.answerability >= SECOND_SOURCE_MIN and r.answerability >= SECOND_SOURCE_RATIO * first.answerability
            and terms.weighted_coverage(_passage_text(r))
            >= SECOND_SOURCE_WORDS * terms.weighted_coverage(_passage_text(first))
            # "how do I turn on 2FA?": a sentence that only mentions 2FA codes is no second answer
            and terms.type_found(r.passage.units[r.best_unit]) > 0.0
            and r.passage.section >= SECOND_SOURCE_SECTION * first.passage.section
            and (not titled or names_action(terms, r.passage.hit.chunk.heading))
            # "my 2fa code doesn't work": not also how to turn 2FA off
            and not how_to_for_a_fault(r, terms)
        ):
            return r
        return None  # only the next document is considered
    return None


def _passage_text(reading: Reading) -> str:
    chunk = reading.passage.hit.chunk
    return f"{chunk.title or ''}\n{chunk.heading}\n{chunk.text}"
