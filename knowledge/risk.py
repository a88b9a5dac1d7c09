"""Choosing the handoff threshold: the lowest confidence cut whose sent replies meet a precision target.

The guarantee (Learn then Test, Angelopoulos et al. 2021): if calibration and future items come
from the same distribution and the chance of being right does not fall as confidence rises (true
of any calibrated score), then with probability at least 1 - alpha over the calibration sample the
replies the chosen threshold sends are correct at rate >= the target. Thresholds are tested from
the highest down with a one-sided Clopper-Pearson bound and the walk stops at the first failure
(fixed-sequence testing), so no multiple-testing penalty is paid.

Imports only numpy, scipy and the standard library: the server calls it at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import beta


def clopper_pearson_lower(k: int, n: int, alpha: float) -> float:
    """One-sided (1 - alpha) Clopper-Pearson lower bound on a proportion, k successes in n trials.

    The alpha quantile of Beta(k, n - k + 1); 0.0 when k == 0 (and so when n == 0: no evidence).
    """
    if not 0 < alpha < 1:
        raise ValueError("alpha must lie in (0, 1)")
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if k == 0:
        return 0.0
    return float(beta.ppf(alpha, k, n - k + 1))


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float  # send replies with confidence >= threshold
    target_precision: float
    alpha: float
    sent: int  # calibration items sent
    correct: int  # of which correct
    precision: float  # correct / sent; nan when nothing is sent
    lower_bound: float  # Clopper-Pearson lower bound on that precision; 0.0 when nothing is sent
    coverage: float  # sent / all calibration items
    answerable_coverage: float | None  # answerable items sent and correct / answerable items


def choose_threshold(
    confidence: ArrayLike,
    correct: ArrayLike,
    target_precision: float,
    alpha: float = 0.05,
    answerable: ArrayLike | None = None,
    min_sent: int = 1,
    grid: float = 0.05,
    start: float = 0.1,
) -> ThresholdChoice:
    """The lowest threshold whose sent replies are correct at rate >= target, with confidence 1 - alpha.

    Candidates are the distinct confidence values, highest first. Walking down, candidate t passes
    when clopper_pearson_lower(correct among confidence >= t, number with confidence >= t, alpha)
    >= target_precision; the walk stops at the first candidate that fails and the last one that
    passed is returned.

    The walk starts at the highest candidate that sends at least ``min_sent`` replies and enough
    of them for the bound to reach the target if every one were right (alpha ** (1 / n) >= target,
    i.e. n >= log(alpha) / log(target): 29 replies for 90% at alpha = 0.05). Candidates above it
    are not tests: they fail whatever the outcomes, and with distinct confidences the walk would
    otherwise always stop at the first one and send nothing. Which candidates are skipped depends
    on the confidences only, never on the outcomes.

    With ``grid`` (a fraction, default 0.05), the candidates are only the thresholds that first
    send 5%, 10%, 15%, ... of the items: every test is a chance for a noisy failure to stop the
    walk, and neighbouring thresholds that differ by a reply or two add tests, not coverage. The
    grid, too, depends on the confidences only, so the guarantee is unchanged. ``grid=0`` tests
    every distinct confidence. The walk starts no higher than the threshold that sends a ``start``
    share of the items (default 10%): a handoff threshold that sends fewer is not worth
    certifying, and the few most confident replies are too few to certify anything anyway.

    If the first tested candidate fails (or none sends enough replies, or there are no items), the
    threshold is the next float above the largest confidence (above 1.0 for no items) and nothing
    is sent.
    """
    if not 0 <= target_precision <= 1:
        raise ValueError("target_precision must lie in [0, 1]")
    if not 0 < alpha < 1:
        raise ValueError("alpha must lie in (0, 1)")
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct).astype(bool)
    if conf.ndim != 1 or ok.shape != conf.shape or np.isnan(conf).any():
        raise ValueError("confidence and correct must be 1-D arrays of the same length, without nan")

    order = np.argsort(-conf, kind="stable")
    conf_sorted, hits = conf[order], np.cumsum(ok[order])
    last_of_group = np.r_[conf_sorted[1:] != conf_sorted[:-1], True] if conf.size else np.array([], bool)
    sent = np.flatnonzero(last_of_group) + 1  # number sent at each candidate, highest candidate first
    testable = (sent >= max(min_sent, start * conf.size)) & (beta.ppf(alpha, sent, 1) >= target_precision)
    if grid > 0 and sent.size:
        marks = np.ceil(np.round(np.arange(grid, 1.0 + 1e-9, grid) * conf.size, 6))
        on_grid = np.zeros(sent.size, dtype=bool)
        on_grid[np.unique(np.minimum(np.searchsorted(sent, marks), sent.size - 1))] = True
        testable &= on_grid
    sent = sent[testable]  # the conditions only get easier as more is sent
    k = hits[sent - 1]
    lower = np.where(k > 0, beta.ppf(alpha, np.maximum(k, 1), sent - k + 1), 0.0)
    failed = np.flatnonzero(lower < target_precision)
    passed = failed[0] if failed.size else len(sent)  # candidates [0, passed) pass

    if passed == 0:
        top = float(conf_sorted[0]) if conf.size else 1.0
        threshold, n_sent, n_correct, bound = float(np.nextafter(top, np.inf)), 0, 0, 0.0
    else:
        i = passed - 1
        threshold, n_sent, n_correct = float(conf_sorted[sent[i] - 1]), int(sent[i]), int(k[i])
        bound = float(lower[i])

    return ThresholdChoice(
        threshold=threshold,
        target_precision=float(target_precision),
        alpha=float(alpha),
        sent=n_sent,
        correct=n_correct,
        precision=n_correct / n_sent if n_sent else float("nan"),
        lower_bound=bound,
        coverage=n_sent / conf.size if conf.size else 0.0,
        answerable_coverage=_answerable_coverage(answerable, conf >= threshold, ok),
    )


def _answerable_coverage(answerable: ArrayLike | None, sent: np.ndarray, ok: np.ndarray) -> float | None:
    """Of the answerable items, the fraction that are sent and correct (nan if none is answerable)."""
    if answerable is None:
        return None
    mask = np.asarray(answerable).astype(bool)
    if mask.shape != sent.shape:
        raise ValueError("answerable must have one entry per item")
    total = int(mask.sum())
    return int((mask & sent & ok).sum()) / total if total else float("nan")
