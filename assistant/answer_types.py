"""The kind of answer a question expects, and whether a text holds one.

"when" wants a date or a time, "how many" a number, "how much does it cost" an amount of money,
"how often" a frequency, "what time" a clock time, "who" a name, "how do I" an instruction: the
assistant checks that the passage it quotes holds something of that kind besides the question's own
words (`holds`).
"""

from __future__ import annotations

import re

from knowledge.lexical import tokenize
from knowledge.units import split_units

AnswerType = str  # "frequency" | "clock" | "date" | "money" | "number" | "name" | "place" | "procedure" | "" (none)

# "where can I see …", "where do I change …": a way there in the app; not "where should I keep my
# recovery codes?" (advice on a place)
_WHERE_DO_I = (
    r"(?:can|do|could)\s+(?:i|we)\s+(?:go\s+to\s+)?(?:find|see|get|change|set|turn|download|upload|add|edit|update|view|check|"
    r"enter|look|put|manage|cancel|delete|remove|switch|access|open|type|adjust|configure|export|import|pay|invite|"
    r"connect|disconnect|create|make|send|print|reset)\b"
)
_TYPES: list[tuple[AnswerType, re.Pattern[str]]] = [
    ("clock", re.compile(r"\bwhat\s+time\b|\bwhat\s+hour\b", re.I)),
    ("frequency", re.compile(r"\bhow\s+(often|frequently)\b|\bwhat\s+(frequency|interval|schedule)\b", re.I)),
    # "how much does a dispute cost me?", "how much do they take per payment?", "what's the fee?": an
    # amount of money ("You have 7 days to respond" holds a number, and no price: sent at 0.99, QA);
    # and "what does Pro cost (per year)?", not "what does the cost include?" (cost, a noun)
    ("money", re.compile(r"\bhow\s+much\s+(?:(?:do|does|did|will|would|is|are|was|were|can|could|should)\s+(?:[\w'-]+\s+){0,4}?)?"
                         r"(?:costs?|charge[sd]?|pay|fees?|take|paid|spend|price[sd]?)\b|"
                         r"\bwhat(?:'s|s|\s+is|\s+are)?\s+(?:the\s+|your\s+)?(?:[\w'-]+\s+)?(?:price|cost|fee|charge)s?\s*(?:$|[?.!,]|\b(?:for|of|on|per|if|when|to)\b)|"
                         r"\bwhat\s+(?:does|do|did|will|would)\s+(?:[\w'-]+\s+){0,4}?costs?\s*"
                         r"(?:$|[?.!,]|\b(?:per|for|on|a|an|to|us|me|you|in|each|monthly|yearly|now|after)\b)", re.I)),
    ("number", re.compile(r"\bhow\s+(many|much|long|old|far|big|tall|high|fast|often|large|deep|heavy|soon)\b|"
                          r"\bwhat(?:'s|s|\s+is|\s+are)?\s+(?:the\s+|your\s+)?(percentage|percent|number|amount|price|cost|size|fee|rate|"
                          r"limit|max(?:imum)?|min(?:imum)?|biggest|largest|smallest|highest|lowest|longest|shortest)s?\b|"
                          # "what android version do I need?": a version number ("Android 10 or later"; QA: 0.38)
                          r"\b(?:what|which)\s+(?:[\w'-]+\s+){0,2}?versions?\b(?!\s+of\s+the\s+(?:app|site|page|article)\b)", re.I)),
    # "when will it arrive?", "until when?"; not "PDF error when I download" (a conjunction: no auxiliary after it)
    ("date", re.compile(r"\bwhen\s+(?:exactly\s+|roughly\s+)?(?:will|would|do|does|did|is|are|was|were|can|could|"
                        r"should|shall|has|have|had|must|might|may|r|u)\b|\bwhen['’]s\b|\bwhen\s*(?:[?!.]|$)|\b(?:since|until|till|by)\s+when\b|"
                        r"\b(what|which)\s+(year|date|day|month|century|decade|time)\b|\bhow\s+long\s+ago\b", re.I)),
    ("name", re.compile(r"\bwho(m|se)?\b", re.I)),
    # "where can I see why it failed?" asks where in the app, a way there ("Go to Payments →
    # Transactions"), not a place: it had "Clients see a plain message such as `Your card …`" at 0.99
    ("place", re.compile(rf"\bwhere\b(?!\s+{_WHERE_DO_I})|\b(what|which)\s+(country|city|state|place|continent|region|county|island)\b", re.I)),
    ("procedure", re.compile(rf"\bhow\s+(?:do|can|should|would|could|will|must)\s+(?:i|we)\b|\bhow\s+to\b|\bwhere\s+{_WHERE_DO_I}|"
                             r"\bwhat\s+(?:are\s+)?the\s+steps\b|\bsteps\s+to\b", re.I)),
]
# "once a month", "only once", "once."; not the "once" that opens a clause ("Once Tally Payments is
# active, every new invoice shows a Pay now button": no number, and it was the answer to "how long
# does verification take?" over "Most accounts are verified within 1–2 business days", QA)
_ONCE = r"once(?=\s+(?:a|an|per|every|more|again|only|or|and|in|each)\b|\s*[.,;:)!?]|\s*$)"
# a name or a place: capitalized words, not at a sentence's start
_PROPER_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z.]+)*")
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DETECT: dict[AnswerType, re.Pattern[str]] = {
    "clock": re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s*(am|pm|a\.m\.|p\.m\.)|\b(noon|midday|midnight|o'clock)\b", re.I),
    "frequency": re.compile(rf"\b(every|each|per|{_ONCE}|twice|hourly|daily|weekly|fortnightly|monthly|quarterly|"
                            r"yearly|annually|times\s+a)\b", re.I),
    # an amount ($12, 2.9% + 30¢, 15 EUR) or none ("free", "no fee")
    "money": re.compile(r"[$€£¥₹¢%]|\b\d+(?:[.,]\d+)?\s*(?:usd|eur|gbp|cad|aud|dollars?|euros?|pounds?|cents?|pence)\b|"
                        r"\b(?:usd|eur|gbp)\s*\d|\bfree\b|\bno\s+(?:charge|fee|cost)s?\b|\bat\s+no\s+(?:extra\s+)?cost\b", re.I),
    "number": re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                         rf"hundred|thousand|million|billion|dozen|half|{_ONCE}|twice|several)\b|%|\$|€|£", re.I),
    # "when?" is answered by a date, a time of day ("Reminders go out at 09:00"), a span from a
    # moment ("3 days before the due date", "until the end of the period") or a moment told by
    # another ("soon after", "later"); not by any "before" ("ones you sent before turning it on")
    "date": re.compile(rf"\b(1[0-9]{{3}}|20[0-9]{{2}})s?\b|\b({_MONTHS})\b|\b(century|decade|days?|weeks?|months?|years?|hours?|minutes?|"
                       r"today|tomorrow|daily|weekly|monthly|yearly|annually|immediately|straight\s+away|right\s+away|"
                       r"(?:after|before|until|during|at)\s+(?:the\s+)?(?:end|start|beginning|next|same|time|moment)|"
                       r"(?:soon|shortly|right|just|long|immediately)\s+(?:after|before)|later|afterwards|"
                       r"\d{1,2}[:.]\d{2}|\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)|noon|midday|midnight|o'clock)\b", re.I),
    "name": _PROPER_NAME,
    "place": _PROPER_NAME,
}
_INSTRUCTION = re.compile(
    # "2. Click Save", "Go to Settings → Billing", "To stop reminders, open the invoice": what to do
    r"^\s*\d+[.)]\s|→|^\W*(?:to\s[^,]{1,80},\s*)?(?:then\s+|first,?\s+|next,?\s+)?(?:go|click|tap|select|choose|open|"
    r"enter|type|press|navigate|set|turn|switch|add|remove|sign|log|scroll|find|copy|paste|download|upload|install|"
    r"run|use|create|edit|delete|save|follow|contact|email|call|visit|check|make|update|change|confirm|verify|"
    r"submit|drag|pick|fill|specify|configure|define|assign|provide|complete|review|expand|start|stop|record|mark|"
    r"send|restart|reset|generate|apply|attach|connect|disconnect|enable|disable|request|ask|upgrade|downgrade)\b",
    re.I,
)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def is_instruction(text: str) -> bool:
    """What to do: a step, a path through the app ("Settings → Billing"), an imperative ("Click Save")."""
    return bool(_INSTRUCTION.search(text))


def says_what_to_do(reply: str) -> bool:
    """A sentence, step or list item of the reply is an instruction (`is_instruction`)."""
    return any(is_instruction(unit) for unit in split_units(reply))


# "where can I see how many codes I have left?", "how do I check how much credit he has?": the
# question asks for the way to see it, and its "how many" is only what is seen there (QA: the
# sentence saying "10 recovery codes" was sent at 0.97 over "To see how many codes you have left,
# go to Settings → Security → …", because the number type ruled out every unit without a number)
_WAY_TO_SEE = re.compile(
    r"\b(?:where\s+(?:can|do|could)\s+(?:i|we)|how\s+(?:do|can|could)\s+(?:i|we)|is\s+there\s+a\s+way\s+to|can\s+(?:i|we))\b"
    r"[^?.!]*?\b(?:see|check|find\s+out|find|view|know|look\s+up|tell)\s+"
    r"(?:how\s+(?:many|much|long|often)|what\s+time|when)\b",
    re.I,
)


def expected_type(question: str) -> AnswerType:
    if _WAY_TO_SEE.search(question):
        return "procedure"
    for name, pattern in _TYPES:
        if pattern.search(question):
            return name
    return ""


def holds(answer_type: AnswerType, text: str, question_words: set[str]) -> bool:
    """The text holds something of the answer type beyond `question_words` (the question's own,
    tokenized); for a procedure, an instruction, whatever its words."""
    if answer_type == "procedure":
        return is_instruction(text)
    text = _LIST_MARKER.sub("", text)  # "2. Click Create" holds no number: its "2." is the step's place
    for match in _DETECT[answer_type].finditer(text):
        if not set(tokenize(match.group(0))) <= question_words or not tokenize(match.group(0)):
            return True
    return False
