"""One light stemmer for every word comparison: the BM25 index, the question's terms, coverage.

Light on purpose (Porter's first and last steps, no derivations): a word's plural, its "-ing" and
"-ed" forms and its base share a stem ("invoice", "invoices", "invoiced", "invoicing" -> "invoic";
"policy", "policies" -> "policy"; "cancel", "cancelled", "canceling" -> "cancel"; "change",
"changing" -> "chang"), and a few irregular verbs customers write meet their base ("lost" ->
"lose"). A final "e" goes only where what is left is no short word of its own ("note" is not
"not"). Earlier, "-es" and "-ing" were cut without the base's "e", so "invoices" and "invoice"
never met.
"""

from __future__ import annotations

MIN_STEM = 3  # shorter, and an ending is part of the word ("used", "bed", "thing")

# Past forms that share no beginning with their verb, as customers write them about an account, and
# forms the rules below would leave apart from it ("used": "us" is too short a stem).
# Not "won" ("won't" is read as "won" and "t"), "saw" or "fell", which are words of their own.
_IRREGULAR = {
    past: base
    for base, forms in {
        "lose": "lost", "pay": "paid", "send": "sent", "spend": "spent", "make": "made",
        "buy": "bought", "sell": "sold", "take": "took taken", "give": "gave given",
        "go": "went gone", "leave": "left", "keep": "kept", "find": "found", "bring": "brought",
        "write": "wrote written", "choose": "chose chosen", "forget": "forgot forgotten",
        "break": "broke broken", "steal": "stole stolen", "see": "seen", "hold": "held",
        "build": "built", "run": "ran", "begin": "began begun", "hide": "hid hidden",
        "freeze": "froze frozen", "show": "shown", "know": "knew known", "mean": "meant",
        "feel": "felt", "understand": "understood", "withdraw": "withdrew withdrawn",
        "draw": "drew drawn", "overpay": "overpaid", "prepay": "prepaid", "resend": "resent",
        "tell": "told", "say": "said", "think": "thought", "become": "became", "come": "came",
        "use": "used using",
    }.items()
    for past in forms.split()
}
# Nouns that look like a verb's "-ing": "Settings" is a page, not "set" (as in "set up a team").
_NOUNS = {"setting": "setting", "settings": "setting"}
_KEEPS_ITS_S = ("ss", "us", "is")  # "access", "status", "analysis" are no plurals
_HISSES = ("sses", "xes", "ches", "shes")  # plurals that add "es": "boxes", "matches", "addresses"
_VOWELS = frozenset("aeiou")


def stem(word: str) -> str:
    """The stem of one lower-cased word."""
    if word.endswith("'s"):
        word = word[:-2]
    if word in _NOUNS:
        return _NOUNS[word]
    word = _singular(_IRREGULAR.get(word, word))
    if not word.isalpha():
        return word
    if word.endswith("eed"):  # "agreed" is "agree"; "need" and "speed" are words
        word = word[:-1] if _measure(word[:-3]) > 0 else word
    else:
        verb = _without_ing_or_ed(word)
        if verb != word:
            return _one_l(verb)
    if word.endswith("e") and len(word) > MIN_STEM:
        base = word[:-1]
        if (m := _measure(base)) > 1 or (m == 1 and not _short_syllable(base)):
            word = base  # "invoic(e)", "creat(e)"; not "note", "rate", "lose", whose base is a word
    return _one_l(word)


def _one_l(word: str) -> str:
    """One "l" at the end of a longer word: "cancelled" and "cancel", "install" and "installing"
    meet; "bill" and "call" keep theirs."""
    return word[:-1] if word.endswith("ll") and _measure(word) > 1 else word


def _singular(word: str) -> str:
    if len(word) - 3 >= MIN_STEM - 1 and word.endswith(("ies", "ied")):
        return word[:-3] + "y"  # "policies", "applied"
    if word.endswith(_HISSES) and len(word) - 2 >= MIN_STEM:
        return word[:-2]
    if word.endswith("s") and not word.endswith(_KEEPS_ITS_S) and len(word) - 1 >= MIN_STEM:
        return word[:-1]
    return word


def _without_ing_or_ed(word: str) -> str:
    """The verb without "-ing" or "-ed", its doubled consonant undone ("stopp(ed)") or its "e" put
    back where the rest is one short syllable ("not(ed)" -> "note", "los(ing)" -> "lose")."""
    for ending in ("ing", "ed"):
        base = word[: -len(ending)]
        if word.endswith(ending) and len(base) >= MIN_STEM and any(c in _VOWELS for c in base):
            if base[-1] == base[-2] and base[-1] not in _VOWELS and base[-1] not in "lsz":
                return base[:-1]  # "stopp(ed)"; not "bill(ing)", "pass(ing)"
            if _measure(base) == 1 and _short_syllable(base):
                return base + "e"
            return base
    return word


def _is_vowel(word: str, i: int) -> bool:
    c = word[i]
    return c in _VOWELS or (c == "y" and i > 0 and word[i - 1] not in _VOWELS)


def _measure(word: str) -> int:
    """How many vowel-consonant runs the word holds (Porter's m): "tr"=0, "invoic"=2, "not"=1."""
    kinds = "".join("v" if _is_vowel(word, i) else "c" for i in range(len(word)))
    return "".join(k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k).count("vc")


def _short_syllable(word: str) -> bool:
    """Ends consonant-vowel-consonant, the last not w, x or y ("not", "chang", "los")."""
    if len(word) < 3:
        return False
    a, b, c = (_is_vowel(word, i) for i in range(len(word) - 3, len(word)))
    return not a and b and not c and word[-1] not in "wxy"
