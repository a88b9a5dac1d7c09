"""Lexical retrieval: BM25 over the indexed chunks, kept in memory.

The index is made of segments, each the words of some chunks, and a mask per segment of the
chunks still in it: `LexicalIndex.updated` makes the index of a view that differs from the last by
a few documents out of this one, reading the words of the new chunks only, never the whole
knowledge base again (while an ingest runs, a search's view changes every second or so). BM25's
statistics (how many chunks hold a word, the mean length) are those of the chunks in the index,
counted when a query asks, so an updated index scores every chunk as an index built afresh over
the same chunks would (Lucene's BM25, as bm25s computed it before).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cached_property

import numpy as np

from knowledge.abbreviations import find_abbreviations
from knowledge.siblings import find_siblings
from knowledge.stemming import stem


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
MAX_SEGMENTS = 8  # more, and the small ones are merged into one
MERGE_SHARE = 0.25  # chunks gone from the first segment, or in the others, past this share of all: merge all


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
        out.append(stem(word))
    return out


class _Segment:
    """The words of some chunks: for each word, the chunks holding it and how often (a sparse
    matrix by rows), and each chunk's length in words. Never changed once made."""

    def __init__(self, ids: list[str], texts: list[str], lengths: np.ndarray, words: list[str],
                 starts: np.ndarray, chunks: np.ndarray, counts: np.ndarray) -> None:
        self.ids, self.texts, self.lengths = ids, texts, lengths
        self.words = words  # row -> word
        self.rows = {w: r for r, w in enumerate(words)}
        self.starts = starts  # row r's postings: chunks[starts[r]:starts[r + 1]]
        self.chunks, self.counts = chunks, counts

    @classmethod
    def of(cls, ids: Sequence[str], texts: Sequence[str]) -> _Segment:
        rows: dict[str, int] = {}
        row_of, chunk_of, count_of, lengths = [], [], [], []
        for n, text in enumerate(texts):
            tokens = tokenize(text) or ["\x00"]  # a chunk with no words still counts, as one word long
            lengths.append(len(tokens))
            for word, count in Counter(tokens).items():
                row_of.append(rows.setdefault(word, len(rows)))
                chunk_of.append(n)
                count_of.append(count)
        return cls._sorted(list(ids), list(texts), np.asarray(lengths, dtype=np.int64), list(rows),
                           np.asarray(row_of, dtype=np.int64), np.asarray(chunk_of, dtype=np.int64),
                           np.asarray(count_of, dtype=np.float64))

    @classmethod
    def _sorted(cls, ids, texts, lengths, words, row_of, chunk_of, count_of) -> _Segment:
        order = np.argsort(row_of, kind="stable")
        starts = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=len(words)), out=starts[1:])
        return cls(ids, texts, lengths, words, starts, chunk_of[order], count_of[order])

    @classmethod
    def merged(cls, parts: Sequence[tuple[_Segment, np.ndarray]]) -> _Segment:
        """One segment of the chunks each mask keeps."""
        rows: dict[str, int] = {}
        ids: list[str] = []
        texts: list[str] = []
        lengths, row_of, chunk_of, count_of = [], [], [], []
        for segment, alive in parts:
            renumbered = np.full(len(segment.ids), -1, dtype=np.int64)
            renumbered[alive] = np.arange(len(ids), len(ids) + int(alive.sum()))
            ids += [i for i, keep in zip(segment.ids, alive, strict=True) if keep]
            texts += [t for t, keep in zip(segment.texts, alive, strict=True) if keep]
            lengths.append(segment.lengths[alive])
            global_row = np.asarray([rows.setdefault(w, len(rows)) for w in segment.words], dtype=np.int64)
            posting_row = np.repeat(np.arange(len(segment.words)), np.diff(segment.starts))
            chunk = renumbered[segment.chunks]
            kept = chunk >= 0
            row_of.append(global_row[posting_row[kept]])
            chunk_of.append(chunk[kept])
            count_of.append(segment.counts[kept])
        return cls._sorted(ids, texts, np.concatenate(lengths), list(rows), np.concatenate(row_of),
                           np.concatenate(chunk_of), np.concatenate(count_of))

    def postings(self, word: str) -> tuple[np.ndarray, np.ndarray] | None:
        row = self.rows.get(word)
        if row is None:
            return None
        start, end = self.starts[row], self.starts[row + 1]
        return self.chunks[start:end], self.counts[start:end]


class LexicalIndex:
    """BM25 (Lucene's, k1 and b as given) over chunks, with what else is read from their texts:
    the abbreviations they define, the names their tables list together, and their words."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        segment = _Segment.of(ids, texts)
        self._init([segment], [np.ones(len(segment.ids), dtype=bool)], k1, b)

    def _init(self, segments: list[_Segment], alive: list[np.ndarray], k1: float, b: float) -> None:
        self.k1, self.b = k1, b
        self._segments, self._alive = segments, alive
        self._whole = [bool(a.all()) for a in alive]
        self._n = sum(int(a.sum()) for a in alive)
        # summed as integers: the same whatever the segments, so an updated index scores exactly as a fresh one
        total = sum(int(s.lengths[a].sum()) for s, a in zip(segments, alive, strict=True))
        self._mean_length = total / self._n if self._n else 1.0
        self._df: dict[str, int] = {}

    @classmethod
    def _of(cls, segments: list[_Segment], alive: list[np.ndarray], k1: float, b: float) -> LexicalIndex:
        index = cls.__new__(cls)
        index._init(segments, alive, k1, b)
        return index

    def updated(self, keep: Iterable[str], ids: Sequence[str], texts: Sequence[str]) -> LexicalIndex:
        """A new index: the chunks of this one that `keep` names, and these (not in this one: a
        chunk whose text changed is left out of `keep` and given again). Only the new texts are
        read; segments are merged when they become many, or when much of them is gone or new."""
        keep = set(keep)
        segments = list(self._segments)
        alive = [a & np.fromiter((i in keep for i in s.ids), dtype=bool, count=len(s.ids))
                 for s, a in zip(segments, self._alive, strict=True)]
        if ids:
            segments.append(_Segment.of(ids, texts))
            alive.append(np.ones(len(ids), dtype=bool))
        total = sum(int(a.sum()) for a in alive)
        first_gone = len(segments[0].ids) - int(alive[0].sum())
        others = total - int(alive[0].sum())
        if first_gone + others > MERGE_SHARE * max(total, 1):
            segments, alive = [_Segment.merged(list(zip(segments, alive, strict=True)))], [None]
        elif len(segments) > MAX_SEGMENTS:
            segments[1:], alive[1:] = [_Segment.merged(list(zip(segments[1:], alive[1:], strict=True)))], [None]
        alive = [np.ones(len(s.ids), dtype=bool) if a is None else a for s, a in zip(segments, alive, strict=True)]
        return LexicalIndex._of(segments, alive, self.k1, self.b)

    def __len__(self) -> int:
        return self._n

    def __contains__(self, chunk_id: str) -> bool:
        return chunk_id in self._positions

    @cached_property
    def _positions(self) -> dict[str, tuple[int, int]]:
        return {cid: (s, n) for s, (segment, alive) in enumerate(zip(self._segments, self._alive, strict=True))
                for n, cid in enumerate(segment.ids) if alive[n]}

    @cached_property
    def ids(self) -> list[str]:
        """The chunks, in the order of their ids."""
        return sorted(self._positions)

    @cached_property
    def texts(self) -> list[str]:
        """Their texts, in the order of `ids`: read lazily, for the words the speller corrects to."""
        return [self._segments[s].texts[n] for s, n in map(self._positions.__getitem__, self.ids)]

    @cached_property
    def abbreviations(self) -> dict[str, str]:
        """What the texts spell out ("Two-factor authentication (2FA)"), for questions that don't."""
        return find_abbreviations(self.texts)

    @cached_property
    def siblings(self) -> dict[str, frozenset[str]]:
        """Names its tables list together ("Free | Starter | Pro"), for "what about Pro?"."""
        return find_siblings(self.texts)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word some chunk holds."""
        words: set[str] = set()
        for segment, alive, whole in zip(self._segments, self._alive, self._whole, strict=True):
            if whole:
                words.update(w for w, r in segment.rows.items() if segment.starts[r + 1] > segment.starts[r])
                continue
            held = np.bincount(np.repeat(np.arange(len(segment.words)), np.diff(segment.starts)),
                               weights=alive[segment.chunks], minlength=len(segment.words))
            words.update(w for w, r in segment.rows.items() if held[r] > 0)
        return frozenset(words)

    def _frequency(self, word: str) -> int:
        """How many chunks hold the word."""
        df = self._df.get(word)
        if df is None:
            df = 0
            for segment, alive, whole in zip(self._segments, self._alive, self._whole, strict=True):
                found = segment.postings(word)
                if found is not None:
                    df += len(found[0]) if whole else int(np.count_nonzero(alive[found[0]]))
            self._df[word] = df
        return df

    def idf(self, token: str) -> float:
        """How rare a (tokenized) word is in the knowledge base; a word it never uses is the rarest."""
        n = max(1, self._n)
        return math.log(1 + (n - self._frequency(token) + 0.5) / (self._frequency(token) + 0.5))

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        tokens = [t for t in tokenize(query) if self._frequency(t)]
        if not tokens or not self._n or k < 1:
            return []
        ids: list[str] = []
        scores: list[np.ndarray] = []
        for segment, alive, whole in zip(self._segments, self._alive, self._whole, strict=True):
            score = np.zeros(len(segment.ids))
            for token in tokens:  # a word the query says twice counts twice
                found = segment.postings(token)
                if found is None:
                    continue
                chunks, counts = found
                norm = self.k1 * (1 - self.b + self.b * segment.lengths[chunks] / self._mean_length)
                score[chunks] += self.idf(token) * counts / (counts + norm)
            if not whole:
                score[~alive] = 0.0
            ids += segment.ids
            scores.append(score)
        every = np.concatenate(scores)
        found = np.flatnonzero(every > 0)
        if len(found) > k:  # the k best, and all that tie with the last of them
            found = found[every[found] >= np.partition(every[found], len(found) - k)[len(found) - k]]
        top = sorted(found, key=lambda i: (-every[i], ids[i]))[:k]  # ties in the order of their ids
        return [(ids[i], float(every[i])) for i in top]
