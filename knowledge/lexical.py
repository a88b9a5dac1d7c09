"""Lexical retrieval: BM25 (bm25s) over the indexed chunks, kept in memory and rebuilt on change."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from knowledge.abbreviations import find_abbreviations
from knowledge.siblings import find_siblings


_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    """a an and are as at be but by can do does for from has have how i if in into is it its me my
    of on or our so that the their them then there these they this to was we what when where which
    who why will with you your""".split()
)

# "every two weeks" meets "every 2 weeks" ("one" is left alone: "refund one" is not about a 1)
_NUMBER_WORDS = {
    w: str(n) for n, w in enumerate("two three four five six seven eight nine ten eleven twelve".split(), start=2)
}


def tokenize(text: str) -> list[str]:
    """Lower-cased words without stop words, lightly stemmed so 'invoices' meets 'invoice', with
    small numbers as digits."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP:
            continue
        if word in _NUMBER_WORDS:
            out.append(_NUMBER_WORDS[word])
            continue
        for suffix in ("ing", "es", "ed", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        out.append(word)
    return out


class LexicalIndex:
    def __init__(self, ids: Sequence[str], texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        import bm25s

        self.ids = list(ids)
        corpus = [tokenize(t) or ["\x00"] for t in texts]  # bm25s needs a token per document
        self.vocabulary = {token for doc in corpus for token in doc}
        df: dict[str, int] = {}
        for doc in corpus:
            for token in set(doc):
                df[token] = df.get(token, 0) + 1
        n = max(1, len(corpus))
        # inverse document frequency, as BM25 weighs a term: rare words say more about a question
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        # what the texts spell out ("Two-factor authentication (2FA)"), for questions that don't
        self.abbreviations = find_abbreviations(texts)
        # names its tables list together ("Free | Starter | Pro"), for "what about Pro?"
        self.siblings = find_siblings(texts)
        self.texts = texts  # read once more, lazily, for the words the speller corrects to
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        if self.ids:
            self._bm25.index(corpus, show_progress=False)

    def idf(self, token: str) -> float:
        """How rare a (tokenized) word is in the knowledge base; a word it never uses is the rarest."""
        return self._idf.get(token, self._unseen_idf)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        tokens = [t for t in tokenize(query) if t in self.vocabulary]
        if not tokens or not self.ids:
            return []
        k = min(k, len(self.ids))
        docs, scores = self._bm25.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        return [(self.ids[int(i)], float(s)) for i, s in zip(docs[0], scores[0], strict=True) if s > 0]
