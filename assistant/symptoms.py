"""A problem stated with nothing about what happens ("I can't sign in", "payments not working") gets
a question back: which of the cases its troubleshooting article covers is theirs.

Such a message names a feature and says it fails; the knowledge base answers it with one case
among many ("You stay signed in for up to 30 days …", sent at 0.93 for "I can't sign in", from the
article whose sections are each an error message: "`Invalid email or password.`", "`Too many
sign-in attempts …`", "Signing in on the mobile apps"). A support agent asks what they see. So
does the assistant, when most of the best passages found are sections of one article: it lists
that article's sections named for a case (those found first, then its others), cites the article,
and the customer's answer ("it says too many attempts") is then a question the knowledge base
answers. A message that already names one case by a word only that case has gets no question back.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from assistant.reader import Reading
from assistant.text import content_terms
from knowledge.documents import Hit

# who has the problem: "I", "we", "my customer", "our clients", "they"
_WHO = r"(?P<who>i|we|they|he|she|(?:my|our|a|the)\s+(?:customers?|clients?|users?|buyers?|payers?))"
_GREETED = r"^\W*(?:(?:hi|hello|hey|help)[\s,!.]+)*"
# that something fails, said with nothing about how: "is not working", "didn't go through", "won't
# load", "keeps failing", "failed", "was declined", "bounced", "got an error"
_DOES_NOT = r"(?:(?:does|do|did|is|are|was|were|wo|will|has|have)(?:n'?t|\s+not)|not)\s+(?:be\s+|being\s+|been\s+)?"
_FAILED = (
    r"(?:is\s+|are\s+|'s\s+|has\s+|have\s+|was\s+|were\s+|got\s+|gets\s+|just\s+|still\s+)*"
    rf"(?:{_DOES_NOT}(?:work|go|load|open|arriv|send|sent|sync|show|download|upload|connect|sav|updat|appear|print|deliver|receiv)"
    r"[a-z]*(?:\s+(?:through|up|out))?|stopped\s+working|broken|(?:keeps?|kept)\s+(?:failing|crashing|bouncing|getting\s+declined)|"
    r"fail(?:s|ed|ing)?|crash(?:es|ed|ing)?|bounc(?:es|ed|ing)|declined|(?:(?:get|getting)\s+)?an?\s+error)"
)
_AGAIN = r"(?:\s+(?:any\s*more|now|today|again|at\s+all|every\s+time|each\s+time|twice))?\W*$"
# "I can't sign in", "cant log in anymore", "unable to export", "my clients can't pay": what fails
_CANNOT = re.compile(
    rf"{_GREETED}(?:{_WHO}\s+)?\s*(?:can'?t|cannot|can\s+not|couldn'?t|could\s+not|"
    rf"(?:am|are|is|'m|'re)?\s*unable\s+to)\s+(?P<what>[a-z][a-z\s'-]{{1,40}}?){_AGAIN}",
    re.I,
)
# "payments not working", "my PDF download is broken", "the payment didn't go through": a feature
# and that it fails, nothing more
_FAILS = re.compile(
    rf"{_GREETED}(?:(?P<owner>my|the|our)\s+)?(?P<what>[a-z][a-z\s'-]{{1,30}}?)\s+{_FAILED}{_AGAIN}",
    re.I,
)
# "my customer tried to pay an invoice and it failed", "tried to export but it keeps failing": what
# was tried, and that it failed
_TRIED = re.compile(
    rf"{_GREETED}(?:{_WHO}\s+)?(?:just\s+)?(?:tried|try|(?:was|were|am|are|is|'m|'re)\s+trying|attempted)\s+to\s+"
    rf"(?P<what>[a-z][a-z\s'-]{{1,40}}?)(?:\s*[,.;]\s*|\s+)(?:(?:and|but|so)\s+)?(?:(?:it|that|this|they|i|we)\s+)?{_FAILED}{_AGAIN}",
    re.I,
)
# "it doesn't work": what "it" is came before; "keeps failing", "still broken": no feature named
_POINTING = frozenset("it this that they them these those keeps keep kept still just also always".split())
# "and if the last try also fails?", "what if sign-in fails": a question about a case, not a problem
_ASKING = frozenset("if when whether what why how which and or also after before".split())
# "she says her card was declined", "the app shows it failed": what someone was told, a detail of
# what happens, not a feature named alone (it had been said back as "the trouble with she says her
# card" and asked which case, QA)
_TELLING = frozenset("says said say saying tells told shows showed showing displays reads".split())
MAX_WORDS = 3  # of content words naming the feature
_YOURS = {"my": "your", "our": "your", "me": "you", "us": "you", "i": "you", "we": "you"}  # said back to them
READINGS = 6  # the best passages: most of them from one article, for it to be the one that lists the cases
MIN_CASES = 3  # sections of that article among the passages read, for it to be a list of cases
MAX_CASES = 5


def stated_problem(message: str) -> str | None:
    """The problem said back, when the message only says that something fails ("you can't sign in"
    for "I can't sign in", "about the trouble with your pdf download" for "my pdf download is broken",
    "your customer couldn't pay an invoice" for "my customer tried to pay an invoice and it failed")."""
    text = message.strip().replace("’", "'")
    match = _CANNOT.match(text) or _TRIED.match(text) or _FAILS.match(text)
    if match is None:
        return None
    words = match.group("what").split()
    what = " ".join(_YOURS.get(w.lower(), w) for w in words)
    named = content_terms(what)
    if not words or words[0].lower() in _POINTING or {w.lower() for w in words} & (_ASKING | _TELLING) or not 0 < len(named) <= MAX_WORDS:
        return None
    if match.re is _FAILS:
        owner = (match.group("owner") or "").lower()
        return " ".join(["about the trouble with", *([_YOURS.get(owner, owner)] if owner else []), what])
    who = " ".join(_YOURS.get(w.lower(), w.lower()) for w in (match.group("who") or "you").split())
    failed = "can't" if match.re is _CANNOT else "couldn't"
    return f"{who} {failed} {what}"


# a section named for what goes wrong: the message shown ("`Invalid email or password.`") or the
# symptom ("The PDF doesn't open or download", "Payments marked Processing", "Common decline codes")
_SYMPTOM = re.compile(
    r"^`|n't\b|\b(?:not|no(?!-)|cannot|wrong|errors?|fail(?:s|ed|ing|ure)?|missing|declined?|expired|locked|blocked|"
    r"stuck|bounced|rejected|disabled|marked|problems?|issues?)\b",
    re.I,
)
# not a task ("Turn reminders off for one client", "Find out why a payment failed") nor a topic
# ("What this doesn't change"), which are no case to pick
_TASK = re.compile(
    r"^\W*(?:what|when|how|why|where|find|check|turn|add|set|create|send|change|update|get|make|use|download|edit|"
    r"delete|remove|reset|connect|disconnect|invite|transfer|record|undo|respond|track|verify|keep|require|switch|"
    r"cancel|upgrade|downgrade|see|ask|contact|start|try|retry|fix|resolve|avoid|prevent|stop|request|report)\b",
    re.I,
)
_STILL = re.compile(r"^\W*still\b", re.I)  # "Still not working?": where the cases end and support begins


def cases(
    readings: Sequence[Reading], sections: Callable[[str], Sequence[str]] | None = None
) -> tuple[Hit, list[str]] | None:
    """The article most of the best passages are sections of, and the names of its sections that
    each name a case (what goes wrong), when there are enough of them; None when no article holds
    most of the best passages, or it names too few cases. `sections(doc_id)`: all of an article's
    section headings, in order; without it, only the sections among the passages read count ("my
    customer tried to pay an invoice and it failed" found the declined-payments article's task and
    intro, and none of its cases)."""
    best = [r for r in readings[:READINGS] if not r.points_elsewhere]
    held = Counter(r.passage.hit.chunk.doc_id for r in best)
    if not held:
        return None
    doc_id, count = held.most_common(1)[0]
    if 2 * count <= len(best):
        return None  # the best passages are spread over articles: any of them may be the answer
    ours = [r.passage.hit for r in readings if r.passage.hit.chunk.doc_id == doc_id and not r.points_elsewhere]
    # the sections the passages found are of first, then the article's others in its order
    headings = [hit.chunk.heading for hit in ours] + list(sections(doc_id) if sections else ())
    names: list[str] = []
    for heading in headings:
        name = heading.split(" > ")[0].strip()  # the section, not a part of it ("On the web")
        if name and _SYMPTOM.search(name) and not _TASK.match(name) and not _STILL.match(name) and name not in names:
            names.append(name)
    return (ours[0], names[:MAX_CASES]) if len(names) >= MIN_CASES else None


def names_a_case(message: str, names: Sequence[str]) -> bool:
    """The message already says which case it is: it uses a word of one case's name that no other
    case's name has ("my invoice email bounced" and "If the status is Bounced"; "the pdf won't
    download" and "The PDF doesn't open or download"), and of no other case: that section answers
    it, and asking which case would ask again what it said."""
    said = content_terms(message)
    words = [content_terms(name) for name in names]
    own = [w - set().union(*(o for j, o in enumerate(words) if j != i)) for i, w in enumerate(words)]
    return sum(bool(said & mine) for mine in own) == 1


def case_question(problem: str, title: str, names: Sequence[str]) -> str:
    """Which case is theirs: the article's sections, and the article, cited."""
    lines = [f"Sorry {problem}. What happens when you try? If you see one of these, tell me which:"]
    lines += [f"- {name}" for name in names]
    lines.append(f"\nEach of them, and what to do, is in {title} [1].")
    return "\n".join(lines)
