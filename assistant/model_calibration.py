"""A language model's own recalibration, fitted on that model's labelled replies.

An LLM provider's reply is judged by the same signals as an extractive one (the knowledge base's
calibrated log-odds of the passage it cites), and by two things only a written reply has: the share
of its sentences the cited text supports, and the model's token log-probabilities where the
endpoint returns them. How much each says depends on the model (a 135M model is unsure of
everything, a large one of little), so the layer is fitted per model name:
`switchboard eval calibrate --provider openai` runs the configured model over labelled questions
and stores the layer in the calibrator file; `serve` applies it when the configured model
(`SWITCHBOARD_OPENAI_MODEL`) is the one it was fitted for. Without one, an LLM reply's confidence
is the knowledge base's probability times its supported share, and its log-probabilities are only
shown to agents.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

FEATURES = ("kb_log_odds", "grounded_log", "logprob_mean", "logprob_min")


def model_features(kb_log_odds: float, grounded: float, logprob_mean: float, logprob_min: float) -> list[float]:
    return [kb_log_odds, math.log(max(grounded, 0.01)), logprob_mean, max(logprob_min, -30.0)]


@dataclass
class ModelRecalibration:
    """A logistic layer over FEATURES for one model's replies."""

    model: str
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    calibration: dict[str, list] = field(default_factory=dict)  # held-out confidences and outcomes
    meta: dict = field(default_factory=dict)

    def typical_logprobs(self) -> tuple[float, float]:
        """The mean and lowest token log-probability of an average reply it was fitted on: what a
        reply without them (an endpoint that returns none, or `SWITCHBOARD_LLM_LOGPROBS=false`)
        is judged with, so it neither gains nor loses by them and the layer still applies."""
        return self.mean[2], self.mean[3]

    def _z(self, *features: float) -> np.ndarray:
        return (np.array(model_features(*features)) - self.mean) / self.scale

    def probability(self, kb_log_odds: float, grounded: float, logprob_mean: float, logprob_min: float) -> float:
        z = float(np.dot(self._z(kb_log_odds, grounded, logprob_mean, logprob_min), self.coef) + self.intercept)
        return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 4)

    def lowest(self, kb_log_odds: float, grounded: float, logprob_mean: float, logprob_min: float) -> str | None:
        """The signal that pulled this reply down the most, by its name among the reply's signals
        (`grounded`, `logprob_mean`, `logprob_min`), if one of the model's own did."""
        contributions = self._z(kb_log_odds, grounded, logprob_mean, logprob_min) * np.array(self.coef)
        i = int(np.argmin(contributions))
        if contributions[i] >= 0 or FEATURES[i] == "kb_log_odds":  # the passage's own: `explain` names those
            return None
        return FEATURES[i].removesuffix("_log")


@dataclass(frozen=True)
class ModelReply:
    """One labelled reply of the model: its features and whether it was right."""

    kb_log_odds: float
    grounded: float
    logprob_mean: float
    logprob_min: float
    correct: bool
    group: str  # replies of one conversation share a group: never split between folds
    answerable: bool = True


def fit_model_recalibration(
    model: str, rows: Sequence[ModelReply], *, c: float = 0.3, folds: int = 5
) -> tuple[ModelRecalibration, np.ndarray]:
    """Fit the layer; returns it and the held-out probability of every row (grouped folds by
    conversation), which its calibration data and every reported figure use."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    X = np.array([model_features(r.kb_log_odds, r.grounded, r.logprob_mean, r.logprob_min) for r in rows])
    y = np.array([r.correct for r in rows], dtype=int)
    groups = np.array([r.group for r in rows])
    if len(set(y.tolist())) < 2:
        raise ValueError(f"the model's {len(rows)} labelled replies are all right or all wrong: nothing to calibrate on")

    def train(Xt: np.ndarray, yt: np.ndarray):
        mean, scale = Xt.mean(axis=0), Xt.std(axis=0)
        scale[scale == 0] = 1.0
        return mean, scale, LogisticRegression(C=c, max_iter=3000).fit((Xt - mean) / scale, yt)

    held_out = np.zeros(len(y))
    n_folds = max(2, min(folds, len(set(groups))))
    for tr, te in GroupKFold(n_splits=n_folds).split(X, y, groups):
        if len(set(y[tr].tolist())) < 2:  # a fold with one outcome only: its base rate
            held_out[te] = y[tr].mean()
            continue
        mean, scale, m = train(X[tr], y[tr])
        held_out[te] = m.predict_proba((X[te] - mean) / scale)[:, 1]
    mean, scale, m = train(X, y)
    layer = ModelRecalibration(
        model=model, mean=mean.tolist(), scale=scale.tolist(), coef=m.coef_[0].tolist(),
        intercept=float(m.intercept_[0]),
        calibration={
            "confidence": [round(float(p), 4) for p in held_out],
            "correct": [bool(v) for v in y],
            "answerable": [bool(r.answerable) for r in rows],
        },
        meta={"replies": len(rows), "correct": int(y.sum()), "c": c},
    )
    return layer, held_out
