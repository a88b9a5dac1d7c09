"""Follow-up questions made standalone from the conversation before retrieval.

"Is there a limit on the file size?" means nothing to a search index on its own. Without an LLM
to rewrite it, we add the key terms of the customer's earlier turns that the follow-up lacks, and
search with both phrasings, fused: the question's own words keep their weight, so a question that
changes the subject still finds its own documents. Prepending whole earlier turns drowns the
follow-up's words instead (measured: recall@1 drops and the confidence signal collapses).

The reader answers the *standalone* form: a question that looks like a follow-up (it refers back,
"does it…", "what about…", or names no topic of its own, "How much?") gains the key terms of the
customer's previous two turns; a new subject is read as asked.

Retrieval searches several phrasings, fused by the retriever: the question as asked, the question
with the customer's earlier terms, and the question with a few terms of the bot's (or agent's) last
reply, which names what "it" and "that" were. On mtrag_govt_cloud DEV (answerable, hybrid
retrieval with the weighted fusion), recall@1 / recall@5 (follow-ups' recall@5): the question with
the customer's terms for follow-ups only 0.636 / 0.855 (0.838); for every question with history
0.636 / 0.864 (0.848); plus 4 terms of the last reply 0.651 / 0.886 (0.873); with 10 terms 0.639 /
0.884; with the last reply's first 300 characters whole 0.622 / 0.861 (drowns the question).
The customer's previous turn, or the last reply's opening, as one more phrasing weighed 0.2–0.4 of
the others (a prior on the conversation's documents): recall@5 0.852–0.875 — mtrag's follow-ups
change documents more often than they stay.
"""

from __future__ import annotations

import re

from assistant.text import STOPWORDS, stem

WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_ANAPHORA = frozenset("it its it's they them their theirs this that these those he she his her such".split())
_CONTINUATION = re.compile(r"^\W*(and|also|what about|how about|what if|same|then|so)\b", re.I)
MAX_TERMS = 8
REPLY_TERMS = 4  # terms taken from the last reply
REPLY_CHARS = 300  # of its opening, where it names its subject


def _terms(text: str) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for word in WORD.findall(text):
        low = word.lower()
        if low in STOPWORDS or low in _ANAPHORA or len(low) < 3:
            continue
        key = stem(low)
        if key not in seen:
            seen.add(key)
            out.append(word)
    return out


# "no, I meant Pro", "sorry - I mean the Business plan", "I was asking about refunds"
_CORRECTION = re.compile(
    r"^\W*(?:(?:no|nope|nah|sorry|oops|actually|wait)\b[\s,.!-]*)*"
    r"i\s*(?:meant|mean|was\s+asking|am\s+asking|'m\s+asking|’m\s+asking)(?:\s+(?:about|for|on))?\s+"
    r"(?:the\s+|a\s+)?(?P<subject>[^?.!]{1,60})[?.!]*\s*$",
    re.I,
)

_QUESTION_START = re.compile(r"(?i)(?:how|what|why|when|where|who|which|can|could|do|does|is|are|should|will|would)\b")


def corrected(question: str, history: list[tuple[str, str]]) -> str | None:
    """The customer's previous question asked again about what they now say they meant ("How many
    seats on Starter?" then "no, I meant Pro": "How many seats on Pro?"), or None if this is no
    correction. A name in the correction takes the place of the name in the question; otherwise
    the question gains the correction's words."""
    match = _CORRECTION.match(question)
    users = [text for speaker, text in history if speaker == "user"]
    if not match or not users:
        return None
    subject, before = match.group("subject").strip(), users[-1]
    if len(WORD.findall(subject)) > 4 or _QUESTION_START.match(subject):
        return None  # "I mean, how do I delete a client?" is a question of its own
    names = [w for w in WORD.findall(subject) if _is_name(w)]
    # the name it takes the place of: the question's one name (not its first word, capitalized as
    # a sentence's; not "I"; not an acronym, "SSO", which is what is asked about, not which one)
    candidates = [w for w in list(WORD.finditer(before))[1:] if _is_name(w.group(0)) and w.group(0).lower() not in {n.lower() for n in names}]
    if names and len(candidates) == 1:
        w = candidates[0]
        return before[: w.start()] + " ".join(names) + before[w.end() :]
    return f"{before.rstrip()} {subject}"


# "what about Pro?", "and free?", "and on yearly?", "how about for admins", "same for the Pro plan"
_SWAP = re.compile(
    r"^\W*(?:(?:and|but|so|ok|okay|also)\b[\s,]*)?"
    r"(?:(?:what|how)\s+about|and|also|same\s+(?:for|with|on))\s+"
    r"(?:(?:for|on|in|with|if)\s+)?(?:the\s+|a\s+|an\s+|i'?m\s+on\s+|we'?re\s+on\s+)?"
    r"(?P<subject>[^?.!,]{1,40}?)\s*[?.!]*\s*$",
    re.I,
)
_SWAP_WORDS = 3  # "the Pro plan", "admins", "yearly": a name, not a question of its own


def swapped(question: str, history: list[tuple[str, str]], siblings: dict[str, frozenset[str]]) -> str | None:
    """The customer's previous question asked again of another of its kind ("how many team members
    on Starter?" then "what about Pro?": "how many team members on Pro?"), where the knowledge
    base lists the two together (`knowledge.siblings`); None if this is no such follow-up."""
    users = [text for speaker, text in history if speaker == "user"]
    if not users or not siblings:
        return None
    before = users[0]  # the question asked last, as meant: "and Free?" after "what about Pro?" swaps that one's
    for later in users[1:]:
        before = _swapped_in(later, before, siblings) or later
    return _swapped_in(question, before, siblings)


def _swapped_in(question: str, before: str, siblings: dict[str, frozenset[str]]) -> str | None:
    match = _SWAP.match(question)
    if not match:
        return None
    words = WORD.findall(match.group("subject"))
    if not 0 < len(words) <= _SWAP_WORDS:
        return None
    for n in (2, 1):
        for i in range(len(words) - n + 1):
            said = " ".join(words[i : i + n])
            for name in _forms(said.lower()):
                if name not in siblings or _find(before, name):
                    continue
                found = [(other, hit) for other in sorted(siblings[name]) for hit in [_find(before, other)] if hit]
                if len(found) == 1:  # the one name of that kind it asked about
                    other, (form, stemmed) = found[0]
                    new = name[: -len(stemmed)] if stemmed and name.endswith(stemmed) else said
                    return re.sub(rf"(?i)\b{re.escape(form)}\b", new, before)
    return None


def _forms(word: str) -> list[str]:
    """A name as said, and as listed: "admins" may be listed as "admin"."""
    return [word, word[:-1]] if word.endswith("s") and len(word) > 3 else [word]


def _find(text: str, name: str) -> tuple[str, str] | None:
    """How the text says the name: as listed or plural ("admins"), or without the "-ly" of a
    listed "monthly" ("per month"); with the ending left out, if any. None if it does not."""
    for form, stemmed in ((name, ""), (name + "s", ""), (name[:-2], "ly") if name.endswith("ly") else (None, None)):
        if form and re.search(rf"(?i)\b{re.escape(form)}\b", text):
            return form, stemmed
    return None


def _is_name(word: str) -> bool:
    """Capitalized like a product, plan or place ("Pro", "Starter"); not "I", not an acronym."""
    return word[0].isupper() and word != "I" and not (len(word) > 1 and word.isupper())


def is_follow_up(question: str) -> bool:
    """Refers back ("does it…", "what about…") or names no topic of its own ("How much?")."""
    words = [w.lower() for w in WORD.findall(question)]
    return bool(_ANAPHORA.intersection(words)) or bool(_CONTINUATION.match(question)) or len(_terms(question)) < 2


def standalone_query(question: str, history: list[tuple[str, str]]) -> str:
    """A follow-up plus the topic terms it lacks from the customer's previous two turns.

    `history` holds (speaker, text) pairs, oldest first; speaker is "user" or "agent".
    """
    fixed = corrected(question, history)
    if fixed is not None:
        return fixed
    user_turns = [text for speaker, text in history if speaker == "user"]
    if not user_turns or not is_follow_up(question):
        return question
    return _with_terms(question, list(reversed(user_turns[-2:])), MAX_TERMS)


def _with_terms(question: str, texts: list[str], n: int) -> str:
    have = {stem(t.lower()) for t in _terms(question)}
    extra: list[str] = []
    for text in texts:
        for term in _terms(text):
            key = stem(term.lower())
            if key not in have and len(extra) < n:
                have.add(key)
                extra.append(term)
    return f"{question} {' '.join(extra)}" if extra else question


def search_queries(question: str, history: list[tuple[str, str]]) -> list[str]:
    """What retrieval searches for: the question as asked, with the customer's earlier terms, and
    with a few terms of the last reply (see the module docstring for the measurements)."""
    users = [text for speaker, text in history if speaker == "user"]
    replies = [text for speaker, text in history if speaker != "user"]
    phrasings = [question]
    fixed = corrected(question, history)
    if fixed is not None:
        phrasings.insert(0, fixed)
    elif users:
        phrasings.append(_with_terms(question, list(reversed(users[-2:])), MAX_TERMS))
    if replies:
        phrasings.append(_with_terms(question, [replies[-1][:REPLY_CHARS]], REPLY_TERMS))
    return list(dict.fromkeys(phrasings))
