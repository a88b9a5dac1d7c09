"""What a question asks for: its words weighted by rarity, its numbers, the type of answer it expects
(`assistant.answer_types`) and the action it asks about.

Rarity comes from the knowledge base itself (BM25's inverse document frequency), so "invoice" says
little in an invoicing help centre while "Shopify" says a lot. The action ("how do I turn on 2FA?")
sets aside what is about its opposite (turning it off).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from assistant.answer_types import AnswerType, expected_type, holds, is_instruction
from assistant.definitions import defined_term
from assistant.restated_headings import asked_which, asks, restates
from assistant.text import STOPWORDS, straight_quotes
from knowledge.lexical import tokenize

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# What a customer quotes from a screen: an error or record code ("PDF-422", "INV-0231") or an identifier
# (`expired_card`, `tk_live`); not an ordinal ("31st") or a measure ("7-day")
_CODE = re.compile(r"(?<![\w-])(?:[A-Za-z]{2,}[-_]?\d{2,}(?:[-_][A-Za-z0-9]+)*|[a-z]+(?:_[a-z0-9]+)+)(?![\w-])")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


_GAP = r"(?:\S+\s+){0,3}?"
# Opposite actions: "how do I turn on 2FA?" is not answered by how to turn it off, though the two
# sentences embed almost alike. Each pair: (this action, its opposite).
_OPPOSITES = [
    # setting something going against ending it: "how do I stop a recurring invoice?" is not answered
    # by how to create one or turn one on
    (
        rf"\b(?:enable|activate|(?:turn|switch)\w*\s+{_GAP}on|start|starts|started|starting|"
        r"create|creates|created|creating|(?:set|sets|setting)\s+up)\b",
        rf"\b(?:disable|deactivate|(?:turn|switch)\w*\s+{_GAP}off|stop|stops|stopped|stopping|"
        r"delete|deletes|deleted|deleting|cancel|cancels|cancell?ed|cancell?ing)\b",
    ),
    (r"\b(?:upgrad\w*)\b", r"\b(?:downgrad\w*)\b"),
    (r"\b(?:import\w*)\b", r"\b(?:export\w*)\b"),
    (r"\b(?:lock|locks|locked|locking)\b", r"\b(?:unlock\w*)\b"),
    (r"\b(?:connect|connects|connected|connecting)\b", r"\b(?:disconnect\w*)\b"),
    (r"\b(?:pause\w*)\b", r"\b(?:resum\w*|unpause\w*)\b"),
    (r"\b(?:add|adds|added|adding)\b", r"\b(?:remov\w*)\b"),
    # done for you against done by hand: "can it send every month automatically?" is not answered by
    # how to send a reminder by hand
    (r"\b(?:automatic\w*)\b", r"\b(?:manual\w*|by\s+hand)\b"),
]
_OPPOSITES_RE = [(re.compile(a, re.I), re.compile(b, re.I)) for a, b in _OPPOSITES]


# Undoing an action against doing it: "how do I undo cancelling my plan?" is not answered by the
# steps to cancel but by how to resume ("Changed your mind? ... click Resume subscription"). Only
# an action undone, said as one ("cancelling", "the deletion"): undoing a thing ("undo a payment",
# answered by deleting it) or "reverse" as an adjective ("reverse charge VAT") is no such question.
_UNDO = re.compile(
    r"\b(?:undo|undoing|reverse|reversing|revert|reverting|take\s+back|taking\s+back)\s+"
    r"(?:(?:my|the|a|an|this|that|our|your)\s+)?([a-z]{2,}(?:ing|ion|ions))\b",
    re.I,
)
_UNDOING = re.compile(
    r"\b(?:undo\w*|undid|revers\w*|revert\w*|resum\w*|restor\w*|reactivat\w*|reinstat\w*|recover\w*|"
    r"change[ds]?\s+(?:your|my|their)\s+mind)",
    re.I,
)


# Something that never came, said as a customer says it ("I didn't get the reset email", "never
# received the link", "not getting the code") and as a help centre heads that case ("If the reset
# email doesn't arrive", "Invoice emails not delivered"). The steps to ask for it again answer
# nothing: "i didnt get the password reset email" had been sent the reset steps at 0.91 (QA), as the
# heading's words ("reset", "email") are the steps' heading's too ("Reset a forgotten password").
_NEVER_CAME = re.compile(
    r"\b(?:didn'?t|did\s+not|don'?t|do\s+not|doesn'?t|does\s+not|haven'?t|have\s+not|hasn'?t|has\s+not|"
    r"never|not|isn'?t|is\s+not|wasn'?t|was\s+not|aren'?t|are\s+not|weren'?t|won'?t)\s+(?:\w+\s+){0,2}?"
    r"(?:get|gets|got|gotten|getting|receiv\w*|arriv\w*|deliver\w*|come|comes|came|coming|show(?:s|n|ed|ing)?\s+up)\b",
    re.I,
)


def says_never_came(text: str) -> bool:
    """The text says something never came: "didn't get", "never received", "doesn't arrive", "not delivered"."""
    return bool(_NEVER_CAME.search(straight_quotes(text)))


# Something that fails, said as a customer says it ("my 2fa code doesn't work", "the code is not
# accepted", "the import keeps failing", "it was rejected"): what they want is what to do about it.
_FAILS = re.compile(
    r"\b(?:(?:doesn'?t|does\s+not|don'?t|do\s+not|didn'?t|did\s+not|isn'?t|is\s+not|wasn'?t|was\s+not|"
    r"aren'?t|are\s+not|won'?t|will\s+not|not)\s+(?:be(?:ing)?\s+|been\s+|get(?:ting)?\s+)?"
    r"(?:work\w*|accept\w*|go\s+through|going\s+through|load\w*|open\w*|valid|sen[dt]\w*|sync\w*|sav\w*|"
    r"updat\w*|show\w*|appear\w*|download\w*|upload\w*|import\w*|export\w*|connect\w*|print\w*)|"
    r"stopped\s+working|fail(?:s|ed|ing)?|rejected|refused|broken)\b",
    re.I,
)
_PEOPLE = frozenset({"i", "we", "you"})  # "if I don't send it": what they do not do, nothing failing
# a question asked besides ("… do I have to wait for you to try again?", "did it not save?")
_ASKING = re.compile(
    r"\?|\b(?:do|does|did|can|could|should|will|would|is|are|was|were|have|has)\s+(?:i|we|you|it|they|he|she|that|this)\b|"
    r"\b(?:how|what|why|when|where|which|who)\b",
    re.I,
)


def says_it_fails(text: str) -> bool:
    """The text says something fails: "doesn't work", "not accepted", "keeps failing", "rejected";
    not what the customer does not do ("what happens if I don't send the invoice?")."""
    text = straight_quotes(text)
    for m in _FAILS.finditer(text):
        before = text[: m.start()].split()
        if not before or before[-1].lower() not in _PEOPLE:
            return True
    return False


# A moment asked about: "what should I do before deleting my account?" is answered by the section
# "Before you delete", not by the steps to delete ("before" is a stopword, so the heading's words
# were only "delete" and the steps' heading had them too: QA, the steps drafted at 0.77). Read as the
# preposition and the action's first five letters: ("before", "delet").
_MOMENT = re.compile(
    r"\b(before|after)\s+(?:(?:i|we|you|they|he|she|my|our|your|their|the)\s+)?(?:\w+['’]?\w*\s+)?"
    r"(?!(?:that|this|then|it|them|these|those|the|a|an|i|we|you)\b)([a-z]{3,})",
    re.I,
)


def asked_moment(text: str) -> tuple[str, str] | None:
    """("before", "delet") for "before deleting my account" or "Before you delete"; None when the
    text names no action before or after which."""
    m = _MOMENT.search(straight_quotes(text))
    return (m.group(1).lower(), m.group(2).lower()[:5]) if m else None


# The customer reports what the app says or shows ("my csv import says invalid date", "it shows an
# error"), in their own words more often than quoted.
_REPORTS = re.compile(r"\b(?:says?|said|saying|shows?|showed|showing|shown|reads|error|errors|message|pops?\s+up)\b", re.I)


def _asked_actions(question: str) -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    """(the action asked, its opposite) for each opposite pair the question takes one side of."""
    if undo := _UNDO.search(question):
        # the action undone, by its first letters: "cancelling" -> cancel, cancellation, Cancel subscription
        done = re.compile(rf"\b{re.escape(undo.group(1)[:5].lower())}\w*", re.I)
        return [(_UNDOING, done)]
    out = []
    for a, b in _OPPOSITES_RE:
        if a.search(question) and not b.search(question):
            out.append((a, b))
        elif b.search(question) and not a.search(question):
            out.append((b, a))
    return out


# the action a how-to question asks about: "how do I edit an invoice after sending it?" -> edit
_ASKED_VERB = re.compile(
    r"\b(?:how\s+(?:do|can|should|would|could|will|must)\s+(?:i|we|you)|how\s+to|can\s+(?:i|we)|"
    r"where\s+(?:do|can)\s+(?:i|we))\s+(?:\w+ly\s+)?([a-z]+)",
    re.I,
)


# the customer doing something, asked about: "what happens if I disconnect it?", "when we cancel, …"
_DOING = re.compile(r"\b(?:if|when|once|after)\s+(?:i|we)\s+(?:\w+ly\s+)?[a-z]+", re.I)

# verbs that name no action of their own: "how do I do that on my phone?", "can I get it in euros?"
_NO_ACTION = frozenset({"", "do", "get", "make", "use", "be", "have", "go", "see", "find", "know", "ask", "say"})


def asked_verb(question: str) -> str:
    """The verb right after "how do I", "how to", "can I" or "where do I", as the lexical index
    stems it; "" if there is none."""
    words = tokenize(asked_verb_word(question))
    return words[0] if words else ""


def asked_verb_word(question: str) -> str:
    """That verb as the customer wrote it, lowercased ("fix"); "" if there is none."""
    m = _ASKED_VERB.search(question)
    return m.group(1).lower() if m else ""


# a heading's or a control's first word, and one made of a verb that names no action ("Fixed amount")
_FIRST_WORD = re.compile(r"\W*([A-Za-z]+)")
_MADE_OF_A_VERB = re.compile(r"[a-z]ed$", re.I)


# Verbs a heading may name the asked action with: "Create a recurring profile" for "how do I set up
# a recurring invoice?", "Edit an invoice" for "how can I change an invoice?" (stemmed as the
# lexical index stems them; "set" only in "set up", which is not "set the payment terms").
_SAME_ACTION = [
    # "Invite someone" for "how do I add a team member?" (QA: it had how many people you can add)
    frozenset(w for word in ("create", "creating", "add", "make", "making", "set", "invite", "inviting") for w in tokenize(word)),
    frozenset(w for word in ("change", "changing", "edit", "update", "updating") for w in tokenize(word)),
    # "Edit, pause or stop a profile" for "how do I cancel a recurring invoice?" (QA: how to make one
    # recurring was sent at 0.88)
    frozenset(w for word in ("cancel", "cancelling", "canceling", "stop", "stopping", "end", "ending") for w in tokenize(word)),
    # "can I force everyone to use 2FA?": "Require 2FA for your whole team" (QA: it got how to turn
    # 2FA off, whose sentence names a team that requires it, at 0.97)
    frozenset(w for word in ("require", "requiring", "force", "forcing", "enforce", "enforcing", "mandate") for w in tokenize(word)),
]
_SET_UP = re.compile(r"\bset\s*up\b", re.I)


# Verbs that ask to change something that is wrong, named by a heading as changing it: "Edit an
# invoice" for "how do I fix an invoice I sent with the wrong amount?" (QA: it got "Void or delete
# an invoice", and before that the late-fee steps)
_MENDING = frozenset(w for word in ("fix", "correct", "amend") for w in tokenize(word))


def same_actions(verb: str, question: str) -> frozenset[str]:
    """The asked verb and the verbs that name the same action."""
    if not verb or (verb == "set" and not _SET_UP.search(question)):
        return frozenset({verb}) if verb else frozenset()
    if verb in _MENDING:  # "how do I fix the invoice?": "Edit an invoice" (not "Fixing sync errors" for "change")
        return _SAME_ACTION[1] | {verb}
    return next((group for group in _SAME_ACTION if verb in group), frozenset({verb}))


# Words a section heading may name a question's word with: "Prices" for "what does Pro cost?"
_SAME_WORD = [frozenset(w for word in ("cost", "costs", "price", "prices", "pricing") for w in tokenize(word))]


def same_words(word: str) -> frozenset[str]:
    """The word (stemmed) and the words that mean the same in a heading."""
    return next((group for group in _SAME_WORD if word in group), frozenset({word}))


# Endings that make another form of a word the stemmer leaves apart: "Transfer ownership" names the
# "owner" of "how do I change the owner of the account?" (QA: it had the section on changing the
# payout bank account, whose heading names "change" and "account"); not "accountant" for "account".
_FORMS = ("s", "es", "e", "ed", "d", "ing", "ship", "er", "ers", "ion", "ions", "ation", "ment", "ments")
_FORM_STEM = 4  # the shorter of the two at least this long


def _same_form(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    return len(short) >= _FORM_STEM and long.startswith(short) and long[len(short):] in _FORMS


def names_word(word: str, present: set[str]) -> bool:
    """A heading's words (`present`, tokenized) name the question's word: itself, a word meaning
    the same (`same_words`), or another form of it (`_FORMS`)."""
    return bool(same_words(word) & present) or any(_same_form(word, p) for p in present)


def quoted_codes(text: str) -> frozenset[str]:
    """The codes and identifiers the text quotes, lowercased ("PDF-422" -> "pdf-422", `expired_card`)."""
    return frozenset(c.lower() for c in _CODE.findall(text))




@dataclass(frozen=True)
class QuestionTerms:
    terms: dict[str, float]  # tokenized content word -> inverse document frequency
    numbers: frozenset[str]
    answer_type: AnswerType
    actions: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = ()  # asked action, its opposite
    verb: str = ""  # what a how-to question asks to do, stemmed ("edit")
    verb_word: str = ""  # as written ("editing")
    verbs: frozenset[str] = frozenset()  # it and the verbs naming the same action ("change": "edit")
    codes: frozenset[str] = frozenset()  # codes and identifiers quoted, lowercased ("pdf-422")
    never_came: bool = False  # it says something never came ("I didn't get the reset email")
    fails: bool = False  # it says something fails ("my 2fa code doesn't work")
    only_fails: bool = False  # and asks nothing else ("… do I have to wait?")
    moment: tuple[str, str] | None = None  # the moment asked about: ("before", "delet")
    reports: bool = False  # it reports what the app says or shows ("my csv import says invalid date")
    defined: tuple[str, ...] = ()  # the thing it asks to be told what it is ("what is a credit note?": credit, note)
    asks: str = ""  # the question word it asks with ("what", "how often")
    which: str = ""  # the thing it asks which of ("what events …": "event")

    @classmethod
    def of(cls, question: str, idf: Callable[[str], float]) -> QuestionTerms:
        words = " ".join(w for w in _WORD.findall(straight_quotes(question).lower()) if w not in STOPWORDS)
        return cls(
            terms={t: idf(t) for t in dict.fromkeys(tokenize(words))},
            numbers=frozenset(_NUMBER.findall(question)),
            answer_type=(answer_type := expected_type(question)),
            actions=tuple(_asked_actions(question)),
            verb=(verb := asked_verb(question)),
            verb_word=asked_verb_word(question),
            verbs=same_actions(verb, question),
            codes=quoted_codes(question),
            never_came=says_never_came(question),
            fails=(fails := says_it_fails(question)),
            only_fails=fails and not _ASKING.search(question),
            moment=asked_moment(question),
            reports=bool(_REPORTS.search(question)),
            # "what's the fee?" asks for an amount, not what a fee is
            defined=() if answer_type else defined_term(question),
            asks=asks(question),
            which=asked_which(question),
        )

    def inheriting_actions(self, earlier: str) -> QuestionTerms:
        """A follow-up that asks for no action of its own keeps the one the customer asked for
        before: after "how do I turn on 2FA?", "what if I lose my phone?" is not about turning it off.
        One that asks to do something else keeps none: after "how do I create a credit note?",
        "can I edit it after?" is about editing, and "Change or cancel a credit note" no opposite."""
        if self.actions or self.verb not in _NO_ACTION:
            return self
        return replace(self, actions=tuple(_asked_actions(earlier)))

    def acting_as(self, question: str, earlier: str) -> QuestionTerms:
        """These terms (a follow-up's standalone form: the question plus words of the customer's
        earlier turns, added to find its documents), for a question as asked that asks to do
        something ("can I edit it after?"), with that question's own actions: the earlier words
        ("create credit note") are no action of its own; so does one asking what happens if the
        customer does something ("what happens if I disconnect it?"). Otherwise as they are ("how
        long until it unlocks?" after "it says my account is locked" asks about the lock, not to
        undo it), or, with none, the one asked before (`inheriting_actions`)."""
        verb = asked_verb(question)
        if verb not in _NO_ACTION:
            return replace(self, actions=tuple(_asked_actions(question)), verb=verb, verb_word=asked_verb_word(question))
        if _DOING.search(question) and (own := _asked_actions(question)):
            # "what happens if I disconnect it?" after "how do I connect LedgerSync?" is about
            # disconnecting: the Disconnect section had been set aside as the opposite (QA: it got
            # "Fix the cause, then click Retry." at 0.87)
            return replace(self, actions=tuple(own))
        return self.inheriting_actions(earlier)

    def restates(self, heading: str) -> bool:
        """The section's heading is the question asked ("What syncs" for "what gets synced?"), or
        names the thing it asks which of ("Events" for "what events can webhooks send?")."""
        return restates(self.asks, list(self.terms), heading, self.which)

    @property
    def asks_an_action(self) -> bool:
        """It asks how to do something, or whether it can ("how do I edit …", "can I cancel …"); not
        "how do I get …" or "can I see …"."""
        return self.verb not in _NO_ACTION

    def starts_with_action(self, text: str) -> bool:
        """The text ("Edit an invoice", "Roll key") starts with the verb a how-to question asks about;
        not with a word made of it ("Choose a **fixed amount**" names no fixing: it had lifted the
        late-fee steps for "how do I fix an invoice I sent with the wrong amount", QA)."""
        first = tokenize(text)[:1]
        if not (self.verb and first and first[0] in (self.verbs or {self.verb})):
            return False
        written = _FIRST_WORD.match(text)
        return not (written and _MADE_OF_A_VERB.search(written.group(0)) and not self.verb_word.endswith("ed"))

    def weighted_coverage(self, text: str) -> float:
        """Share of the question's words found in the text, each weighted by its rarity."""
        total = sum(self.terms.values())
        if not total:
            return 0.0
        present = set(tokenize(text))
        return sum(w for t, w in self.terms.items() if t in present) / total

    def coverage(self, text: str) -> float:
        """Share of the question's words found in the text, each counted once."""
        if not self.terms:
            return 0.0
        present = set(tokenize(text))
        return sum(t in present for t in self.terms) / len(self.terms)

    def heading_coverage(self, heading: str) -> float:
        """Share of the question's words a heading names, itself or by a word meaning the same
        ("Prices" names "cost")."""
        if not self.terms:
            return 0.0
        present = set(tokenize(heading))
        return sum(names_word(t, present) for t in self.terms) / len(self.terms)

    def rarest_found(self, text: str, n: int = 2) -> float:
        """Share of the question's n rarest words found in the text."""
        rare = sorted(self.terms, key=self.terms.__getitem__, reverse=True)[:n]
        if not rare:
            return 0.0
        present = set(tokenize(text))
        return sum(t in present for t in rare) / len(rare)

    def opposes(self, text: str) -> bool:
        """The text is about the opposite of what the question asks to do (turn off, for turn on)."""
        return any(opposite.search(text) and not asked.search(text) for asked, opposite in self.actions)

    def numbers_found(self, text: str) -> float:
        """Share of the question's numbers found in the text (1.0 when it has none)."""
        if not self.numbers:
            return 1.0
        found = set(_NUMBER.findall(text))
        return len(self.numbers & found) / len(self.numbers)

    def codes_found(self, text: str) -> bool:
        """The text quotes every code the question quotes (False when it quotes none)."""
        if not self.codes:
            return False
        return self.codes <= quoted_codes(text)

    def type_found(self, text: str) -> float:
        """1.0 if the text holds something of the expected answer type beyond the question's own
        words, 0.0 if not, 0.5 when the question expects no particular type."""
        if not self.answer_type:
            return 0.5
        return 1.0 if holds(self.answer_type, text, set(self.terms)) else 0.0
