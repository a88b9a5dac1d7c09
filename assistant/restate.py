"""When the answer found is what the last reply already said.

A follow-up about one detail of the last reply ("how many times do you retry?" after the steps for a
failed charge, "does that change what the client pays?" after how to override a rate) finds the same
passage again, quoted as before. Saying it all again answers nothing; saying the one sentence that
answers does: the reply is narrowed to it (`restated`), when the customer's own words name something in it. When the customer's own words name nothing in
that sentence ("it didn't work", "it's been 2 days"), there is nothing new to say and a person takes
over (the `repeats_last_reply` handoff).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from assistant.answer_types import is_instruction
from assistant.compose import Quote
from assistant.evidence import Evidence
from assistant.lists import NEAR, table_header
from assistant.reader import Reading
from assistant.sentence_links import introduced, leans_back, points_on
from assistant.terms import QuestionTerms
from assistant.text import STOPWORDS, cited, straight_quotes
from assistant.unit_kinds import is_heading, is_list_item, is_question, is_step, is_table_row, item_text, row_key
from knowledge.lexical import tokenize
from knowledge.units import clean_markup

# A follow-up whose draft says again what the last reply said (this share of its words in it) is not
# sent as it is: "can I change how often it goes out?" after how to set up recurring invoices got the
# same set-up steps, at 0.99.
REPEAT_SHARE = 0.9


def beyond_last_reply(evidence: Evidence, said: Reading, asked: QuestionTerms) -> Evidence | None:
    """The evidence without the passage the last reply quoted (`said`), for a follow-up whose answer
    found says that passage again with nothing in it the follow-up names: "what if a sync fails?",
    after how often LedgerSync syncs, found that section again (and was handed to a person as a
    repeat), where "Fixing sync errors" came next. Only when the next passage's section is headed
    with a word of the follow-up as typed (`asked`): "what can a member do?" after the invite steps
    would have been sent, at 0.92, the plan limits headed "How many people can you add?". Not the
    section the quoted one sits in: "how do I set my own rate again?", after the steps under "How
    exchange rates work > Set your own rate", would have been sent what exchange rates are (QA,
    0.88). None otherwise."""
    rest = [r for r in evidence.readings if r.chunk_id != said.chunk_id and not r.points_elsewhere]
    if not rest or asked.heading_coverage(heading := rest[0].passage.hit.chunk.heading) == 0.0:
        return None
    if heading and said.passage.hit.chunk.heading.startswith(f"{heading} > "):
        return None
    return replace(evidence, readings=rest, continuation=None, lead=None)


def repeats_a_reply(draft: str, history: Sequence[tuple[str, str]]) -> bool:
    """The draft says again what a reply of the conversation said (`repeats_last_reply`), the last or
    one before it: "ok and what if the rate changes after i send it?" was sent, at 1.00, the steps to
    override a rate that the reply before last had given (the last had narrowed them to a sentence)."""
    return any(repeats_last_reply(draft, text) for who, text in history if who != "user")


def repeats_last_reply(draft: str, last_reply: str) -> bool:
    """The draft says again what the last reply said: nearly all of its words are in it. (A draft
    holding nearly all of the last reply's words, and more, was tried: sample DEV follow-ups, whose
    last reply is a person's short summary, were narrowed to a sentence, one of them wrong.)"""
    words = set(tokenize(draft))
    return len(words) >= 5 and len(words & set(tokenize(last_reply))) >= REPEAT_SHARE * len(words)


def brief_quote(units: list[str], best: int, scores: Sequence[float] = ()) -> Quote:
    """The answer alone: its sentence with the one it leans on and the one after that leans on it,
    and what it introduces ("… you can override it on any invoice:" and its steps); a table row
    under its header, or one list item. `scores`: the units' (for the list an introduction brings)."""
    n = len(units)
    while (is_question(units[best]) or is_heading(units[best])) and best + 1 < n:
        best += 1
    chosen = {best}
    if is_table_row(units[best]):
        header = table_header(units, best)
        chosen |= {header} if header is not None else set()
    elif is_step(units[best]) and units[best].rstrip().endswith(":"):
        # a step that introduces its own list ("3. Enter the details … for example:" and the
        # fields per country) brings it: alone it ended on a colon (QA, "I'm in the UK, what
        # details do I need to enter?")
        j = best + 1
        while j < n and is_list_item(units[j]) and not is_step(units[j]):
            chosen.add(j)
            j += 1
    elif not is_list_item(units[best]):
        if best > 0 and leans_back(units[best]) and not is_list_item(units[best - 1]):
            chosen.add(best - 1)
        following = units[best + 1] if best + 1 < n else ""
        # the next sentence when it leans on the answer, unless it leads on to more ("Then, … it will:")
        if following and leans_back(following) and not is_list_item(following) and not following.rstrip().endswith(":"):
            chosen.add(best + 1)
        chosen |= introduced(units, list(scores) or [0.0] * n, best)
    return Quote(sorted(chosen))


def _text(units: list[str], quote: Quote) -> str:
    text = quote.text(units)
    if len(quote.units) == 1 and is_list_item(units[quote.units[0]]):  # one item alone: no bullet or number
        text = text.split(None, 1)[1] if len(text.split(None, 1)) == 2 else text
        text = text[:1].upper() + text[1:]
    return text


def restated(
    reading: Reading, asked: QuestionTerms, earlier: str, last_reply: str = "", question: str = ""
) -> str | None:
    """The sentence of the reading that answers a follow-up about the last reply (cited "[1]"), or
    None when nothing in it is named by the words the follow-up adds to the customer's `earlier`
    questions (`asked`: the follow-up as they typed it): "can I change how often it goes out?" is
    not answered by the frequencies a profile may have, nor "it's been 2 days" by "Within 24 hours,
    you can reverse an import", nor "how long do I have to respond to a webhook?", after why an
    endpoint was disabled, by the sentence on disabling it that says "Webhooks". Nor when the
    sentence is all the last reply said (`last_reply`): "and after the first one?" after "Your first
    payout arrives 7 days after your first successful payment" had it again, word for word, at 0.99.
    `question`: the follow-up as typed, whose own phrase may name the sentence (`phrased_unit`). A
    follow-up asking what happens in a case gets the sentence saying that case, named or not
    (`_the_case`)."""
    units = list(reading.passage.units)
    if not units:
        return None
    answer = _the_case(units, reading.best_unit, reading.quote_scores, question)
    brief = brief_quote(units, answer, list(reading.quote_scores))
    text = _text(units, brief)
    words, topic = set(tokenize(text)), set(tokenize(earlier))
    if answer == reading.best_unit and not any(t in words and t not in topic for t in asked.terms):
        # its words name nothing new; the follow-up may still say a sentence's own words in its
        # order ("should she just pay again?" and "Don't ask your client to pay again …")
        phrased = phrased_unit(units, question)
        if phrased is None:
            return None
        answer = phrased
        brief = brief_quote(units, phrased, list(reading.quote_scores))
        text = _text(units, brief)
    if asked.answer_type != "procedure" and brief.units == [answer] and _lone_step(units, answer):
        # a step out of its steps answers no question but "how …?": "what can a member do?" after
        # the steps to invite someone got "Click Invite member." (QA, sent at 0.97)
        return None
    if (key := row_key(units, answer)) and not set(tokenize(key)) <= set(asked.terms) | set(tokenize(question)):
        # one row of the table said before, for a follow-up that names no row ("when are they
        # sent?" after the reminder rules: "Due today — On the due date" alone, sent at 0.94)
        return None
    if points_on(units[brief.units[-1]]):
        # "… then follow the matching steps below." alone, the steps left out as said before: a
        # pointer at nothing the customer sees ("i checked spam already" got it, at 0.96)
        return None
    if repeats_last_reply(last_reply, text):  # nothing left out: it is the last reply again
        return None
    return cited(clean_markup(text), "[1]")


# "what if I miss the deadline?", "what happens if I go over?": a case asked about; and a sentence
# that says a case ("If you don't respond in time, the dispute is automatically lost.")
_ASKS_A_CASE = re.compile(r"\bwhat\s+(?:if|happens\s+(?:if|when))\b", re.I)
_SAYS_A_CASE = re.compile(r"^\W*(?:if|when|unless|otherwise)\b|,\s*(?:if|unless|otherwise)\b", re.I)


def _the_case(units: Sequence[str], answer: int, scores: Sequence[float], question: str) -> int:
    """For a follow-up asking what happens in a case, the sentence beside the answer (two units either
    side, scoring within `NEAR` of it) that says a case, when the answer says none: "what if i miss
    the deadline", after the steps to respond to a dispute, was sent "The exact deadline is shown on
    the dispute." (QA, 0.98), the sentence after it being "If you don't respond in time, the dispute
    is automatically lost." Otherwise the answer."""
    if not _ASKS_A_CASE.search(question) or _SAYS_A_CASE.search(units[answer]):
        return answer
    beside = [
        i for i in range(max(0, answer - 2), min(len(units), answer + 3))
        if i != answer and not is_list_item(units[i]) and _SAYS_A_CASE.search(units[i])
        # what follows in that case, not steps it introduces ("If your accountant uses a particular
        # rate, … you can override it on any invoice:" said again for "what if the rate changes …")
        and not units[i].rstrip().endswith(":") and scores[i] >= scores[answer] - NEAR
    ]
    return max(beside, key=lambda i: scores[i]) if beside else answer


def _lone_step(units: Sequence[str], i: int) -> bool:
    """Unit `i` is one step of several that says what to do ("2. Click **Invite member**."; not "1.
    We retry automatically 3, 5 and 7 days after …", a fact numbered)."""
    return is_step(units[i]) and is_instruction(item_text(units[i])) and sum(is_step(u) for u in units) > 1


# Words that make no phrase of a follow-up's on their own ("the invoice", "to you")
_GLUE = frozenset("a an the to of in on at for and or is are was it its this that these those you your we our they".split())
_AS_WRITTEN = {"my": "your", "i": "you", "me": "you", "mine": "yours", "i'm": "you're", "im": "you're"}  # "my logo": "your logo"
_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _pairs(text: str) -> set[tuple[str, str]]:
    """The text's pairs of neighbouring words that say something: one of them a content word, and
    neither mere glue; a customer's "my" read as an article's "your"."""
    words = [_AS_WRITTEN.get(w, w) for w in _WORDS.findall(straight_quotes(clean_markup(text)).lower())]
    return {
        (a, b) for a, b in zip(words, words[1:])
        if a not in _GLUE and b not in _GLUE and (a not in STOPWORDS or b not in STOPWORDS)
    }


def phrased_unit(units: Sequence[str], question: str) -> int | None:
    """The one sentence (or item) that says words of the question in their order, most of them:
    "pay again" in "Don't ask your client to pay again during this time". None when no sentence
    does, or two do alike."""
    asked = _pairs(question)
    if not asked:
        return None
    found = [len(asked & _pairs(u)) for u in units]
    most = max(found, default=0)
    return found.index(most) if most and found.count(most) == 1 else None
