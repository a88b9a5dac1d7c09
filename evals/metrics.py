"""Answer and confidence metrics: pure functions over arrays, no I/O, numpy/scipy only.

Answer quality (one prediction against one or more reference answers):

- ``token_f1``: SQuAD token F1 on normalised tokens, best over references;
- ``rouge_l``: ROUGE-L F-measure (longest common subsequence, beta = 1), best over references.

Confidence quality (``labels``/``correct`` are 0/1 or bool; ``probs``/``confidence`` are in [0, 1]):

- ``auroc``: how well the confidence ranks right replies above wrong ones;
- ``expected_calibration_error``, ``reliability_bins``, ``brier``: whether it is a probability;
- ``risk_coverage``, ``precision_coverage_at``: what a handoff threshold sends and how much of it
  is right.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import rankdata

MAX_LCS_TOKENS = 2000

_CITATION = re.compile(r"\[\s*\d+(?:\s*[,;\u2013-]\s*\d+)*\s*\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


# ------------------------------------------------------------------------------------ answer text


def strip_citations(text: str) -> str:
    """Remove citation markers such as ``[1]``, ``[2, 3]`` or ``[1-4]`` from a reply."""
    return _CITATION.sub(" ", text)


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower-case, delete punctuation, drop a/an/the, collapse whitespace.

    Punctuation is deleted, not replaced by a space (``don't`` -> ``dont``), as in the SQuAD
    script; besides ASCII punctuation, any Unicode punctuation character (category P*) goes too.
    """
    lowered = text.lower()
    no_punct = "".join(
        ch for ch in lowered if ch not in _PUNCTUATION and not unicodedata.category(ch).startswith("P")
    )
    return " ".join(_ARTICLES.sub(" ", no_punct).split())


def tokens(text: str) -> list[str]:
    """The whitespace tokens of ``normalize_answer(text)``."""
    return normalize_answer(text).split()


def _f1(overlap: float, n_pred: int, n_ref: int) -> float:
    if overlap <= 0 or n_pred == 0 or n_ref == 0:
        return 0.0
    precision, recall = overlap / n_pred, overlap / n_ref
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, references: Sequence[str]) -> float:
    """SQuAD token F1 of ``prediction`` against its best reference.

    Citation markers are stripped from the prediction, then prediction and references are
    tokenised with ``tokens``. For one reference, with ``common`` the size of the multiset
    intersection of the two token bags: precision = common / len(prediction tokens),
    recall = common / len(reference tokens), F1 = 2PR / (P + R) (0 when common is 0). The result is
    the maximum over references; 0.0 when there are no references or the prediction has no tokens.
    """
    pred = tokens(strip_citations(prediction))
    if not pred or not references:
        return 0.0
    best = 0.0
    for reference in references:
        ref = tokens(reference)
        common = sum((Counter(pred) & Counter(ref)).values())
        best = max(best, _f1(common, len(pred), len(ref)))
    return best


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token sequences.

    The O(len(a) * len(b)) dynamic programme, one row at a time with numpy: with ``prev`` the row
    for the first i-1 tokens of the shorter sequence, row i is the running maximum of
    ``max(prev[j], prev[j-1] + [token i == other[j-1]])`` over j, which unrolls the usual
    ``L[i][j] = max(L[i-1][j], L[i][j-1], L[i-1][j-1] + match)``.
    """
    if len(a) > len(b):
        a, b = b, a
    if not a:
        return 0
    vocabulary: dict[str, int] = {}
    b_ids = np.array([vocabulary.setdefault(t, len(vocabulary)) for t in b])
    prev = np.zeros(len(b) + 1, dtype=np.int64)
    for token in a:
        match = b_ids == vocabulary.get(token, -1)
        candidates = np.maximum(prev[1:], prev[:-1] + match)
        prev = np.concatenate(([0], np.maximum.accumulate(candidates)))
    return int(prev[-1])


def rouge_l(prediction: str, references: Sequence[str]) -> float:
    """ROUGE-L F-measure (beta = 1) of ``prediction`` against its best reference.

    Same tokens as ``token_f1`` (citations stripped from the prediction, SQuAD normalisation),
    each side cut to its first ``MAX_LCS_TOKENS`` tokens. With L the length of the longest common
    subsequence: P = L / len(prediction), R = L / len(reference), F = 2PR / (P + R). The result is
    the maximum over references; 0.0 when there are no references or the prediction has no tokens.
    """
    pred = tokens(strip_citations(prediction))[:MAX_LCS_TOKENS]
    if not pred or not references:
        return 0.0
    best = 0.0
    for reference in references:
        ref = tokens(reference)[:MAX_LCS_TOKENS]
        best = max(best, _f1(lcs_length(pred, ref), len(pred), len(ref)))
    return best


# ----------------------------------------------------------------------------------- input checks


def _binary(labels: ArrayLike) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {y.shape}")
    if y.size and not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0/1 or bool")
    return y.astype(bool)


def _scores(values: ArrayLike, n: int, *, probabilities: bool) -> np.ndarray:
    s = np.asarray(values, dtype=float)
    if s.shape != (n,):
        raise ValueError(f"expected {n} scores, got shape {s.shape}")
    if np.isnan(s).any():
        raise ValueError("scores must not be nan")
    if probabilities and ((s < 0) | (s > 1)).any():
        raise ValueError("probabilities must lie in [0, 1]")
    return s


def _pair(labels: ArrayLike, scores: ArrayLike, *, probabilities: bool) -> tuple[np.ndarray, np.ndarray]:
    y = _binary(labels)
    return y, _scores(scores, len(y), probabilities=probabilities)


# ---------------------------------------------------------------------------- ranking, calibration


def auroc(labels: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve: P(score of a random positive > score of a random negative).

    Computed as the Mann-Whitney U statistic over (number of positives * number of negatives), with
    tied scores given their average rank, so a tie between a positive and a negative counts 1/2.
    nan when only one class (or nothing) is present.
    """
    y, s = _pair(labels, scores, probabilities=False)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(s, method="average")
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


@dataclass(frozen=True)
class ReliabilityBin:
    """One confidence bin: [lower, upper) (the last bin also holds 1.0)."""

    lower: float
    upper: float
    count: int
    mean_confidence: float  # nan when the bin is empty
    accuracy: float  # fraction of labels that are 1; nan when the bin is empty


def reliability_bins(labels: ArrayLike, probs: ArrayLike, bins: int = 10) -> list[ReliabilityBin]:
    """``bins`` equal-width bins over [0, 1]; bin i holds the probs in [i/bins, (i+1)/bins).

    A prob of exactly 1.0 goes into the last bin. Every bin is returned, empty ones with count 0.
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    y, p = _pair(labels, probs, probabilities=True)
    index = np.minimum((p * bins).astype(int), bins - 1)
    out = []
    for i in range(bins):
        member = index == i
        count = int(member.sum())
        out.append(
            ReliabilityBin(
                lower=i / bins,
                upper=(i + 1) / bins,
                count=count,
                mean_confidence=float(p[member].mean()) if count else float("nan"),
                accuracy=float(y[member].mean()) if count else float("nan"),
            )
        )
    return out


def expected_calibration_error(labels: ArrayLike, probs: ArrayLike, bins: int = 10) -> float:
    """ECE = sum over non-empty bins of (count / n) * |accuracy - mean confidence|.

    Bins as in ``reliability_bins`` (equal width over [0, 1]). nan for empty input.
    """
    table = reliability_bins(labels, probs, bins)
    n = sum(b.count for b in table)
    if n == 0:
        return float("nan")
    return float(sum(b.count / n * abs(b.accuracy - b.mean_confidence) for b in table if b.count))


def brier(labels: ArrayLike, probs: ArrayLike) -> float:
    """Brier score: the mean of (prob - label)^2. nan for empty input."""
    y, p = _pair(labels, probs, probabilities=True)
    if not len(y):
        return float("nan")
    return float(np.mean((p - y) ** 2))


# ------------------------------------------------------------------------------- selective answers


@dataclass(frozen=True, eq=False)
class RiskCoverage:
    """What each threshold sends: one entry per distinct confidence value, highest first."""

    threshold: np.ndarray  # the cut: replies with confidence >= threshold are sent
    coverage: np.ndarray  # fraction of all items sent
    precision: np.ndarray  # fraction of the sent items that are correct
    aurc: float  # area under the risk-coverage curve, risk = 1 - precision


def risk_coverage(correct: ArrayLike, confidence: ArrayLike) -> RiskCoverage:
    """The risk-coverage curve of sending replies whose confidence is at least a threshold.

    Items are sorted by confidence, highest first, and cut at every distinct confidence value (tied
    items are sent together, since a threshold cannot split them). For each cut: coverage = sent / n,
    precision = correct among sent / sent. ``aurc`` = sum over cuts of
    (coverage - previous coverage) * (1 - precision), starting from coverage 0; without ties this
    is the usual mean over k = 1..n of the error rate of the k most confident items. Empty arrays
    and aurc nan for empty input.
    """
    y, c = _pair(correct, confidence, probabilities=False)
    if not len(y):
        empty = np.array([], dtype=float)
        return RiskCoverage(threshold=empty, coverage=empty, precision=empty, aurc=float("nan"))
    order = np.argsort(-c, kind="stable")
    c_sorted, hits = c[order], np.cumsum(y[order])
    last_of_group = np.r_[c_sorted[1:] != c_sorted[:-1], True]
    sent = np.flatnonzero(last_of_group) + 1
    coverage = sent / len(y)
    precision = hits[sent - 1] / sent
    widths = np.diff(coverage, prepend=0.0)
    return RiskCoverage(
        threshold=c_sorted[sent - 1],
        coverage=coverage,
        precision=precision,
        aurc=float(np.sum(widths * (1.0 - precision))),
    )


@dataclass(frozen=True)
class OperatingPoint:
    threshold: float
    precision: float  # fraction of sent items that are correct; nan when nothing is sent
    sent: int
    coverage: float  # sent / n; nan for empty input


def precision_coverage_at(correct: ArrayLike, confidence: ArrayLike, threshold: float) -> OperatingPoint:
    """Send the items with confidence >= threshold; how many, what fraction of all, how many right."""
    y, c = _pair(correct, confidence, probabilities=False)
    sent = c >= threshold
    n_sent = int(sent.sum())
    return OperatingPoint(
        threshold=float(threshold),
        precision=float(y[sent].mean()) if n_sent else float("nan"),
        sent=n_sent,
        coverage=n_sent / len(y) if len(y) else float("nan"),
    )


def percentile(values: ArrayLike, p: float) -> float:
    """The p-th percentile (0 <= p <= 100), linearly interpolated (numpy's default); nan when empty."""
    v = np.asarray(values, dtype=float).ravel()
    if not v.size:
        return float("nan")
    return float(np.percentile(v, p))
