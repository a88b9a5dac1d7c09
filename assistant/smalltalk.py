"""Greetings ("how are you?" too), thanks, acknowledgements ("ok", "got it"), goodbyes, openers
("quick question"), "what can you help me with?" and "are you a bot?" get a friendly word, not a knowledge-base
search or a handoff.

Only a message that is nothing but one of these: "hello again" or "no, that's all, thanks" is
small talk; "hello, how do I cancel?" is a question, answered as one.
"""

from __future__ import annotations

import re

_WHO = r"(?:\s+(?:there|again|all|everyone|everybody|team|folks|guys|support|bot))*"
_GREETING = re.compile(
    rf"^\W*(?:hi+|hello|hey+|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day)){_WHO}\W*$", re.I
)
# "how are you (doing) (today)?", "how's it going?", alone or after a greeting
_HOW_ARE_YOU = r"(?:how\s+are\s+(?:you|u)(?:\s+doing)?|how'?s\s+it\s+going|how\s+is\s+it\s+going|how\s+do\s+you\s+do)(?:\s+today)?"
_HELLO_HOW = re.compile(
    rf"^\W*(?:(?:hi|hello|hey|hiya|good\s+(?:morning|afternoon|evening|day)){_WHO}[\s,!.]*)?{_HOW_ARE_YOU}\W*$", re.I
)
# a word that only takes in the last reply ("ok", "got it", "makes sense"): nothing asked
_ACKNOWLEDGED = re.compile(
    r"^\W*(?:ok(?:ay)?|k|kk|alright|all\s+right|cool|great|perfect|nice|got\s+it|i\s+see|understood|"
    r"makes\s+sense|sounds\s+good|fair\s+enough|noted)(?:[\s,!.]+(?:got\s+it|cool|great|thanks?|perfect))?\W*$",
    re.I,
)
_THANKS_CORE = (
    r"(?:thanks?(?:\s+(?:you|u))?|thx|thnx|ty|tysm|cheers|many\s+thanks|gracias|merci|danke|grazie|obrigad[oa])(?:\s+(?:so|very)\s+much|\s+a\s+lot|\s+again)?"
    # "thanks for the help earlier!", "thank you for your time"
    r"(?:\s+for\s+(?:(?:all\s+)?(?:the|your|that)\s+)?(?:help(?:ing)?|info(?:rmation)?|answers?|time|quick\s+(?:reply|answer|response)|that)"
    r"(?:\s+(?:earlier|today|before|again))?)?"
)
_THANKS = re.compile(
    rf"^\W*(?:(?:great|perfect|ok(?:ay)?|got\s+it|awesome|that\s+helps|that\s+helped),?\s+)?{_THANKS_CORE}\W*$", re.I
)
_FAREWELL = re.compile(
    rf"^\W*(?:{_THANKS_CORE}[\s,.!]+)?(?:no,?\s+)?(?:(?:bye|goodbye|bye\s+bye|see\s+you|that'?s\s+all(?:\s+for\s+now)?|that\s+is\s+all|"
    rf"nothing\s+else|i'?m\s+(?:all\s+)?good|all\s+good|no\s+more\s+questions)(?:[\s,.!]+{_THANKS_CORE})?)\W*$",
    re.I,
)

# An opening line that only announces a question ("quick question", "I need some help with my
# account please"): nothing to search yet, and no reason for a person; the bot asks what it is.
_OPENER = re.compile(
    r"^\W*(?:(?:hi|hello|hey)(?:\s+there)?[\s,!.]+)?"
    r"(?:(?:i\s+(?:have|got|had)|i'?ve\s+got)\s+(?:a\s+)?(?:quick\s+|small\s+|few\s+)?questions?"
    r"|(?:a\s+)?quick\s+question|(?:just\s+)?a\s+question"
    r"|i\s+(?:need|want|would\s+like|'d\s+like)\s+(?:some\s+)?help(?:\s+with\s+(?:my\s+account|something|an?\s+issue|a\s+problem))?"
    r"|(?:can|could)\s+(?:you|someone|anyone)\s+help(?:\s+me)?(?:\s+with\s+(?:my\s+account|something))?"
    r"|help|need\s+help|anyone\s+there|is\s+anyone\s+there|are\s+you\s+there)"
    r"(?:[\s,]+(?:please|pls|thanks?))?\W*$",
    re.I,
)

# "what can you help me with?", "what can you do?", "who are you?": what the bot is for
_CAPABILITIES = re.compile(
    r"^\W*(?:(?:hi|hello|hey)(?:\s+there)?[\s,!.]+)?(?:so\s+)?(?:what\s+(?:can|do)\s+(?:you|u)\s+(?:help(?:\s+(?:me|us))?\s+with|do)"
    r"|what\s+(?:kind|sort)\s+of\s+(?:things|questions)\s+can\s+(?:you|u|i\s+ask)(?:\s+(?:answer|help\s+with))?"
    r"|who\s+are\s+(?:you|u)|what\s+are\s+(?:you|u))(?:\s+exactly)?\W*$",
    re.I,
)

# "are you a bot?", "am I talking to a real person?", "is this automated?": who answers. A question
# about the bot, not yet a request for a person ("I want a real person" is one: `asks_for_human`)
_BOT = r"(?:an?\s+)?(?:bot|robot|chat\s*bot|ai|machine|computer|automated(?:\s+(?:system|assistant|reply|replies|response))?)"
_HUMAN = r"(?:an?\s+)?(?:(?:real|live|actual)\s+)?(?:human(?:\s+being)?|person|agent|people)"
_WHAT = rf"(?:{_BOT}|{_HUMAN}|real)(?:\s+or\s+(?:{_BOT}|{_HUMAN}|not))?"
_IDENTITY = re.compile(
    r"^\W*(?:(?:hi|hello|hey|ok(?:ay)?|cool|thanks|great)(?:\s+there)?[\s,!.]+)?(?:wait[\s,]+|so[\s,]+)?"
    rf"(?:(?:are\s+(?:you|u)|is\s+(?:this|that|it))(?:\s+(?:a|an))?\s+{_WHAT}"
    rf"|am\s+i\s+(?:talking|speaking|chatting)\s+(?:to|with)\s+{_WHAT}"
    r"|is\s+(?:this|that|it)\s+(?:a\s+)?(?:real\s+)?(?:person|human)\s+(?:typing|answering|replying|writing))\W*$",
    re.I,
)

IDENTITY_REPLY = (
    "I'm the help centre's automated assistant: I answer from our help centre articles and show you where each "
    "answer comes from. If you'd rather talk to a person, just say so and I'll pass you to a member of our team."
)
CAPABILITIES_REPLY = (
    "I'm the help centre's assistant: ask me how something works, what a plan includes or how to fix a problem, "
    "and I'll answer from our help centre articles, with links to them. Anything I can't answer, or that needs "
    "a change to your account, I pass to a member of our team. What would you like to know?"
)
HOW_ARE_YOU_REPLY = "I'm well, thanks for asking! Ask me anything about our product and I'll answer from our help centre. You can ask for a person at any time."
ACKNOWLEDGED_REPLY = "Great. Is there anything else I can help you with?"
GREETING_REPLY = "Hi! Ask me anything about our product and I'll answer from our help centre. You can ask for a person at any time."
THANKS_REPLY = "You're welcome! Is there anything else I can help you with?"
OPENER_REPLY = "Of course. What would you like to know? Ask in a sentence or two and I'll answer from our help centre; you can ask for a person at any time."
FAREWELL_REPLY = "Glad I could help. Have a good day! If anything else comes up, just write here."


def asks_who_answers(text: str) -> bool:
    """The message only asks whether a bot or a person is answering."""
    return bool(_IDENTITY.match(text))


# a message of nothing but these: a thumbs-up or a smile takes in the last reply, folded hands thank
_NODS = frozenset("👍👌🙂😊😀😃🙌✅👏💯🆗")
_THANKS_SIGNS = frozenset("🙏❤♥💙💚")


def _signs(text: str) -> frozenset[str]:
    """The message's characters but spaces, punctuation and emoji modifiers (skin tones, variation selectors)."""
    return frozenset(c for c in text if not c.isspace() and c not in ".,!" and not 0x1F3FB <= ord(c) <= 0x1F3FF and c != "\ufe0f")


def smalltalk_reply(text: str) -> str | None:
    if asks_who_answers(text):
        return IDENTITY_REPLY
    if _GREETING.match(text):
        return GREETING_REPLY
    if _HELLO_HOW.match(text):
        return HOW_ARE_YOU_REPLY
    if _THANKS.match(text):
        return THANKS_REPLY
    if _FAREWELL.match(text):
        return FAREWELL_REPLY
    if _OPENER.match(text):
        return OPENER_REPLY
    if _ACKNOWLEDGED.match(text):
        return ACKNOWLEDGED_REPLY
    signs = _signs(text)
    if signs and signs <= _THANKS_SIGNS | _NODS:
        return THANKS_REPLY if signs & _THANKS_SIGNS else ACKNOWLEDGED_REPLY
    if _CAPABILITIES.match(text):
        return CAPABILITIES_REPLY
    return None
