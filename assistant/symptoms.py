"""A problem stated with nothing about what happens ("I can't sign in", "payments not working") gets
a question back: which of the cases its troubleshooting article covers is theirs.

Such a message names a feature and says it fails; the knowledge base answers it with one case
among many ("You stay signed in for up to 30 days …", sent at 0.93 for "I can't sign in", from the
article whose sections are each an error message: "`Invalid email or password.`", "`Too many
sign-in attempts …`", "Signing in on the mobile apps"). A support agent asks what they see. So
does the assistant, when the best passages found are sections of one article: it lists those
sections, cites the article, and the customer's answer ("it says too many attempts") is then a
question the knowledge base answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.reader import Reading
from assistant.text import content_terms
from knowledge.documents import Hit

# "I can't sign in", "cant log in anymore", "unable to export"; "payments not working", "my PDF
# download is broken": a feature and that it fails, nothing more
_CANNOT = re.compile(
    r"^\W*(?:(?:hi|hello|hey|help)[\s,!.]+)*(?:i|we)?\s*(?:can'?t|cannot|can\s+not|couldn'?t|could\s+not|"
    r"(?:am|are|'m|'re)?\s*unable\s+to)\s+(?P<what>[a-z][a-z\s'-]{1,40}?)"
    r"(?:\s+(?:any\s*more|now|today|again|at\s+all))?\W*$",
    re.I,
)
_FAILS = re.compile(
    r"^\W*(?:(?:hi|hello|hey|help)[\s,!.]+)*(?:(?P<owner>my|the|our)\s+)?(?P<what>[a-z][a-z\s'-]{1,30}?)\s+"
    r"(?:is\s+|are\s+|'s\s+)?(?:not\s+working|doesn'?t\s+work|don'?t\s+work|isn'?t\s+working|aren'?t\s+working|"
    r"won'?t\s+work|(?:is\s+|are\s+)?broken|(?:keeps?\s+)?failing|fails)(?:\s+(?:any\s*more|now|today|again))?\W*$",
    re.I,
)
_POINTING = frozenset("it this that they them these those".split())  # "it doesn't work": what "it" is came before
# "and if the last try also fails?", "what if sign-in fails": a question about a case, not a problem
_ASKING = frozenset("if when whether what why how which and or also after before".split())
MAX_WORDS = 3
_YOURS = {"my": "your", "our": "your", "me": "you", "us": "you", "i": "you", "we": "you"}  # said back to them  # of content words naming the feature
READINGS = 6  # the best passages looked at
MIN_CASES = 3  # sections of one article among them, for the article to be a list of cases
MAX_CASES = 5


def stated_problem(message: str) -> str | None:
    """The problem said back, when the message only says that something fails ("you can't sign in"
    for "I can't sign in", "about the trouble with your pdf download" for "my pdf download is broken")."""
    text = message.strip().replace("’", "'")
    cannot = _CANNOT.match(text)
    match = cannot or _FAILS.match(text)
    if match is None:
        return None
    words = match.group("what").split()
    what = " ".join(_YOURS.get(w.lower(), w) for w in words)
    named = content_terms(what)
    if not words or words[0].lower() in _POINTING or {w.lower() for w in words} & _ASKING or not 0 < len(named) <= MAX_WORDS:
        return None
    if cannot:
        return f"you can't {what}"
    owner = (match.group("owner") or "").lower()
    return " ".join(["about the trouble with", *([_YOURS.get(owner, owner)] if owner else []), what])



# a section named for what goes wrong: the message shown ("`Invalid email or password.`") or the
# symptom ("The PDF doesn't open or download", "Payments marked Processing"); not for a task
# ("Turn reminders off for one client"), which is no case to pick
_SYMPTOM = re.compile(
    r"^`|\b(?:not|no|n't|cannot|wrong|errors?|fail(?:s|ed|ing|ure)?|missing|declined|expired|locked|blocked|"
    r"stuck|bounced|rejected|disabled|marked|problems?|issues?)\b",
    re.I,
)
_STILL = re.compile(r"^\W*still\b", re.I)  # "Still not working?": where the cases end and support begins


def cases(readings: Sequence[Reading]) -> tuple[Hit, list[str]] | None:
    """The article the best passages are sections of, and the names of those sections that each
    name a case (what goes wrong), when there are enough of them; None when the passages come
    from several articles, or name too few cases."""
    best = [r for r in readings[:READINGS] if not r.points_elsewhere]
    if not best:
        return None
    article = best[0].passage.hit
    names: list[str] = []
    for r in best:
        chunk = r.passage.hit.chunk
        if chunk.doc_id != article.chunk.doc_id:
            return None  # another article is among the best: it may be the answer
        name = chunk.heading.split(" > ")[0].strip()  # the section, not a part of it ("On the web")
        if name and _SYMPTOM.search(name) and not _STILL.match(name) and name not in names:
            names.append(name)
    return (article, names[:MAX_CASES]) if len(names) >= MIN_CASES else None


def case_question(problem: str, title: str, names: Sequence[str]) -> str:
    """Which case is theirs: the article's sections, and the article, cited."""
    lines = [f"Sorry {problem}. What happens when you try? If you see one of these, tell me which:"]
    lines += [f"- {name}" for name in names]
    lines.append(f"\nEach of them, and what to do, is in {title} [1].")
    return "\n".join(lines)
