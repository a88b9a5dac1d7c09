"""Greetings ("how are you?" too), thanks, acknowledgements ("ok", "got it"), goodbyes, openers
("quick question"), "what can you help me with?" and "are you a bot?" get a friendly word, not a knowledge-base
search or a handoff.

Only a message that is nothing but one of these: "hello again" or "no, that's all, thanks" is
small talk; "hello, how do I cancel?" is a question, answered as one. Greetings, thanks and goodbyes
are known as customers type them: misspelled or short ("helo", "thx", "ty", "cheers mate") and in
the common other languages ("grazie mille", "merci beaucoup", "vielen Dank", "muchas gracias",
"muito obrigado", "dank je wel", "tack så mycket", "hola", "tschüss").
"""

from __future__ import annotations

import re

_WHO = r"(?:\s+(?:there|again|all|everyone|everybody|team|folks|guys|support|bot))*"
# "hi", "hello" also as typed ("helo", "hii", "heyy"), and in other languages ("hola", "bonjour", "ciao", "hallo")
_HELLO = (
    r"(?:h+e+l+o+[uw]?|hal+o+|hul+o+|hi+|hey+a?|hiya|howdy|yo|greetings|g'?day|good\s+(?:morning|afternoon|evening|day)|"
    r"hola|buen[oa]s(?:\s+(?:d[ií]as|tardes|noches))?|bonjour|bonsoir|salut|coucou|ciao|salve|buongiorno|buonasera|"
    r"guten\s+(?:morgen|tag|abend)|servus|moin|hej|hei|hoi|goedemorgen|goedemiddag|ol[aá]|bom\s+dia|boa\s+(?:tarde|noite)|"
    r"namaste|merhaba|cze[sś][cć]|ahoj|privet|привет|здравствуйте|こんにちは|你好|안녕하세요)"
)
_GREETING = re.compile(rf"^\W*(?:{_HELLO}|morning|evening){_WHO}\W*$", re.I)
# "how are you (doing) (today)?", "how's it going?", alone or after a greeting
_HOW_ARE_YOU = r"(?:how\s+are\s+(?:you|u)(?:\s+doing)?|how'?s\s+it\s+going|how\s+is\s+it\s+going|how\s+do\s+you\s+do)(?:\s+today)?"
_HELLO_HOW = re.compile(
    rf"^\W*(?:{_HELLO}{_WHO}[\s,!.]*)?{_HOW_ARE_YOU}\W*$", re.I
)
# A closing: nothing but words that take in the last reply ("ok", "got it", "that helps"), thank
# ("thanks", "thank you so much for your help"), say it is over ("that's all I needed", "bye"), the
# one they are said to ("friend", "mate"), in any order and number: "ok thanks, that's all",
# "perfect, that's everything", "thank you friend", "got it, thank you!", "cheers man". A closing asks
# nothing: "thanks! and how do I export?" is a question, and "that's it?" is not said to close.
_NOD = (
    r"(?:ok(?:ay|ey)?|k|kk|alright|all\s+right|right|cool|great(?:\s+stuff)?|perfect|nice|awesome|excellent|wonderful|"
    r"brilliant|fantastic|amazing|lovely|sweet|super|good|fine|oh|ah|got\s+it|gotcha|i\s+see|(?:i\s+)?understood|"
    r"i\s+understand|makes\s+sense|sounds\s+good|fair\s+enough|noted|will\s+do|good\s+to\s+know|(?:all|crystal)\s+clear|"
    r"sorted|problem\s+solved|(?:that|it)\s+(?:helps|helped|works|worked|did\s+it|makes\s+sense|(?:fixed|solved|answers|answered)\s+(?:it|that|my\s+question))|"
    # in other languages: "d'accord", "va bene", "vale", "alles klar", "perfeito"
    r"d'accord|parfait|tr[eè]s\s+bien|c'est\s+(?:bon|parfait|clair)|va\s+bene|perfetto|capito|vale|perfecto|entendido|claro|"
    r"alles\s+klar|klar|prima|perfekt|verstanden|perfeito|entendi|beleza|"
    r"(?:that'?s|that\s+(?:is|was))\s+(?:(?:very|really|super|so)\s+)?(?:great|perfect|helpful|good|fine|clear|brilliant|awesome)|"
    r"(?:very|really|super|so)\s+helpful|(?:i'?ll|i\s+will|will)\s+(?:try\s+(?:that|it|this)|give\s+(?:it|that)\s+a\s+(?:try|go|shot)))"
)
_THANKS_CORE = (
    r"(?:thanks?(?:\s+(?:you|u|ya))?|thankyou|thx|thnx|thnks|tx|ty|tysm|tyvm|cheers|ta|many\s+thanks|much\s+appreciated|"
    r"appreciated|(?:i\s+)?appreciate\s+(?:it|that|(?:the|your)\s+help)|thanx|thanq|thanku|tnx|tks|thks|tq|"
    # in other languages: "grazie mille", "merci beaucoup", "vielen Dank", "muchas gracias", "dank je wel"
    r"(?:mille|molte|tante)\s+grazie|grazie(?:\s+(?:mille|tante|infinite|di\s+tutto|davvero|ancora))*|"
    r"merci(?:\s+(?:beaucoup|bcp|bien|infiniment|mille\s+fois|encore|pour\s+tout|[àa]\s+(?:vous|toi)))*|"
    r"danke(?:\s*sch(?:ö|oe?)n|\s+sehr|\s+vielmals|\s+dir|\s+ihnen|\s+euch)*|(?:vielen|besten|herzlichen|tausend)(?:\s+lieben)?\s+dank|"
    r"(?:muchas|much[ií]simas|mil)\s+gracias|gracias(?:\s+(?:mil|por\s+todo|de\s+nuevo|otra\s+vez))*|"
    r"(?:muito\s+)?obrigad[oa](?:\s+(?:mesmo|por\s+tudo))*|valeu|"
    r"dank\s*(?:je|u)(?:\s*wel)?|bedankt|hartelijk\s+dank|(?:tusen\s+)?(?:tack|takk)(?:\s+(?:s[åa]\s+mycket|ska\s+du\s+ha|skal\s+du\s+ha))?|"
    r"(?:mange|tusind)\s+tak|tak\s+for\s+(?:hj[æa]lpen|det)|kiitos|dzi[eę]kuj[eę]|dzi[eę]ki|d[eě]kuji|d[ií]ky|k[oö]sz[oö]n[oö]m|"
    r"spasibo|спасибо|arigat[oō]u?|ありがとう(?:ございます)?|xie\s*xie|谢谢|감사합니다|te[sş]ekk[uü]rler|te[sş]ekk[uü]r\s+ederim|"
    r"shukran|toda(?:\s+raba)?|efharisto|ευχαριστώ|mul[tț]umesc|hvala|asante|terima\s+kasih|salamat|dhanyavaa?d|"
    r"you\s+rock|you'?re\s+(?:the\s+best|a\s+star|a\s+lifesaver)|"
    r"you(?:'ve|\s+have)\s+been\s+(?:(?:very|really|so|super)\s+helpful|(?:a\s+)?(?:great|big|huge)\s+help))"
    r"(?:\s+(?:so|very)\s+much|\s+a\s+(?:lot|bunch|million|ton)|\s+heaps|\s+kindly|\s+again|\s+anyway)*"
    # "thanks for the help earlier!", "thank you for your time"
    r"(?:\s+for\s+(?:(?:all\s+)?(?:the|your|that)\s+)?(?:help(?:ing)?|info(?:rmation)?|answers?|time|quick\s+(?:reply|answer|response)|that)"
    r"(?:\s+(?:earlier|today|before|again))?)?"
)
_BYE = (
    r"(?:bye(?:\s+bye)?(?:\s+for\s+now)?|goodbye|see\s+(?:you|ya)(?:\s+(?:later|soon|around))?|cya|take\s+care|"
    r"talk\s+(?:to\s+you\s+)?(?:later|soon)|good\s*night|have\s+a\s+(?:good|nice|great|lovely)\s+(?:day|one|evening|night|weekend)|"
    r"(?:that'?s|that\s+(?:is|was)|that'?ll\s+be)\s+(?:all|everything|it)(?:\s+i\s+(?:need|needed|wanted)(?:\s+to\s+know)?)?(?:\s+for\s+(?:now|today))?|"
    r"that'?s\s+(?:just\s+)?what\s+i\s+needed|nothing\s+(?:else|more)(?:\s+for\s+now)?|no\s+(?:more|other|further)\s+questions|"
    r"i'?m\s+(?:all\s+)?(?:good|set|done|sorted)(?:\s+(?:now|for\s+now))?|we'?re\s+(?:all\s+)?(?:good|set|done|sorted)|all\s+(?:good|set|done|sorted)|"
    # in other languages: "ciao", "au revoir", "tschüss", "adiós", "tot ziens", "hej då"
    r"ciao|arrivederci|a\s+presto|buona\s+(?:giornata|serata)|au\s+revoir|[àa]\s+bient[oô]t|bonne\s+(?:journ[ée]e|soir[ée]e)|"
    r"tsch[üu]ss?|tschuess|auf\s+wiedersehen|bis\s+(?:bald|sp[äa]ter|dann)|sch[öo]nen\s+tag|adi[oó]s|hasta\s+(?:luego|pronto|ma[ñn]ana)|"
    r"chao|buen\s+d[ií]a|tot\s+(?:ziens|straks)|doei|adeus|tchau|at[ée]\s+(?:logo|mais)|hej\s+d[åa]|ha\s+det(?:\s+bra)?|farvel|"
    r"do\s+widzenia|sayonara|さようなら|再见|пока)"
)
_TO = (
    r"(?:(?:my\s+)?(?:friend|mate|buddy|bud|man|dude|pal|bro|guys|all|everyone|everybody|folks|team|bot|sir|ma'?am|madam|love|boss|chief)"
    r"|amig[oa]|amic[oa]|(?:mon\s+|mein\s+)?(?:ami|amie|freund))"
)
_ALONE = r"(?![\w'])"  # a whole word: "ok" is not the start of "okta"
_BETWEEN = r"[\W_]*(?:(?:and|&|e|y|et|und|en|och|og)[\W_]+)?"  # "ok thanks", "thanks, bye!", "thanks and bye", "grazie e ciao"
_NO = r"(?:no|nope|nah|non|nein|nee|n[aã]o)"  # "no thanks", "non merci", "nein danke"
_CLOSING = re.compile(
    rf"^[\W_]*(?:{_NO}{_ALONE}{_BETWEEN})?(?:{_BYE}|{_THANKS_CORE}|{_NOD}){_ALONE}"
    rf"(?:{_BETWEEN}(?:{_BYE}|{_THANKS_CORE}|{_NOD}|{_TO}){_ALONE})*[\W_]*$",
    re.I,
)
_SAYS_BYE = re.compile(rf"^[\W_]*{_NO}{_ALONE}|(?<![\w']){_BYE}{_ALONE}", re.I)  # "no thanks": no more to ask
_SAYS_THANKS = re.compile(rf"(?<![\w']){_THANKS_CORE}{_ALONE}", re.I)

# An opening line that only announces a question ("quick question", "I need some help with my
# account please"): nothing to search yet, and no reason for a person; the bot asks what it is.
_OPENER = re.compile(
    rf"^\W*(?:{_HELLO}{_WHO}[\s,!.]+)?"
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
    rf"^\W*(?:{_HELLO}{_WHO}[\s,!.]+)?(?:so\s+)?(?:what\s+(?:can|do)\s+(?:you|u)\s+(?:help(?:\s+(?:me|us))?\s+with|do)"
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
    rf"^\W*(?:(?:{_HELLO}|ok(?:ay)?|cool|thanks|great){_WHO}[\s,!.]+)?(?:wait[\s,]+|so[\s,]+)?"
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


def _closing(text: str) -> str | None:
    """The goodbye, the welcome or the nod a closing gets: a goodbye for any word that it is over."""
    if text.rstrip().endswith("?") or not _CLOSING.match(text):
        return None
    if _SAYS_BYE.search(text):
        return FAREWELL_REPLY
    return THANKS_REPLY if _SAYS_THANKS.search(text) else ACKNOWLEDGED_REPLY


def smalltalk_reply(text: str) -> str | None:
    text = text.replace("’", "'")  # "that’s all", typed on a phone
    if asks_who_answers(text):
        return IDENTITY_REPLY
    if _GREETING.match(text):
        return GREETING_REPLY
    if _HELLO_HOW.match(text):
        return HOW_ARE_YOU_REPLY
    if closing := _closing(text):
        return closing
    if _OPENER.match(text):
        return OPENER_REPLY
    signs = _signs(text)
    if signs and signs <= _THANKS_SIGNS | _NODS:
        return THANKS_REPLY if signs & _THANKS_SIGNS else ACKNOWLEDGED_REPLY
    if _CAPABILITIES.match(text):
        return CAPABILITIES_REPLY
    return None
