"""Confidence as a measured probability: a logistic calibrator over the reply's signals.

`switchboard eval calibrate` runs the assistant over labelled questions, records each reply's
signals and whether its draft was correct, and fits this model. It is stored as JSON (no pickle):
in the data directory, where `serve` prefers it, or in `assistant/models/calibrator.json`, the one
that ships, fitted on the shared DEV sets and the sample help centre's set.

Two layers:

- a **pooled** logistic regression over the signals of every labelled knowledge base: which
  signals say a reply is right, and how much (each feature standardised, so `explain` can name the
  signals that pulled a reply down);
- a **recalibration per knowledge base** (Platt: a slope and an intercept on the pooled log-odds),
  because the same signals mean different odds in different knowledge bases — a help centre's
  customers use other words than its articles, so its right answers share fewer words with the
  question than an encyclopedia's. Each recalibration carries a fingerprint of its knowledge base
  (hashes of the document ids); a served knowledge base that shares at least half of its
  documents with one gets that recalibration, any other gets the pooled model.

Every layer keeps the held-out (cross-validated) confidences and outcomes it was measured on, so
the handoff threshold for a target precision is chosen from them at start-up (`knowledge.risk`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from assistant.model_calibration import ModelRecalibration
from assistant.signals import Signals

SHIPPED = Path(__file__).resolve().parent / "models" / "calibrator.json"
FILE_NAME = "calibrator.json"
MIN_SHARED_DOCUMENTS = 0.5  # Jaccard overlap of document ids for a recalibration to apply
NOT_EXPLAINED = frozenset({"follow_up", "rank"})  # context, not a shortfall an agent can act on
EXPLAINED_MIN = 0.05  # log-odds: a smaller pull is not shown as a reason


def features(signals: Signals) -> dict[str, float]:
    out = signals.as_dict()
    p = min(max(signals.answerability, 1e-4), 1 - 1e-4)
    out["answerability_logit"] = math.log(p / (1 - p))
    return out


def fingerprint(doc_ids: Iterable[str]) -> list[str]:
    """Short hashes of a knowledge base's document ids: enough to recognise it, nothing more."""
    return sorted({hashlib.sha1(d.encode("utf-8")).hexdigest()[:10] for d in doc_ids})


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass
class Recalibration:
    """Platt scaling of the pooled log-odds for one knowledge base."""

    name: str
    fingerprint: list[str]
    slope: float
    intercept: float
    calibration: dict[str, list] = field(default_factory=dict)  # held-out confidences and outcomes

    def overlap(self, served: set[str]) -> float:
        mine = set(self.fingerprint)
        return len(mine & served) / len(mine | served) if mine or served else 0.0


@dataclass
class Calibrator:
    names: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    # held-out confidences and outcomes of the data it was fitted on (for threshold selection)
    calibration: dict[str, list] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    recalibrations: list[Recalibration] = field(default_factory=list)
    applied: Recalibration | None = None  # the one chosen for the served knowledge base
    # a layer per language model, over the knowledge base's log-odds (assistant/model_calibration.py)
    models: list[ModelRecalibration] = field(default_factory=list)
    model_layer: ModelRecalibration | None = None  # the one for the served model

    @classmethod
    def untrained(cls) -> Calibrator:
        """A calibrator that knows nothing (every reply 0.5): what `eval calibrate` answers with
        while it collects signals, when no calibrator exists yet. Never served."""
        names = list(features(Signals(**{n: 0.0 for n in Signals.names()})))
        return cls(names=names, mean=[0.0] * len(names), scale=[1.0] * len(names), coef=[0.0] * len(names),
                   intercept=0.0, meta={"untrained": True})

    def for_knowledge_base(self, doc_ids: Iterable[str]) -> Calibrator:
        """This calibrator with the recalibration of the knowledge base being served, if it knows it."""
        served = set(fingerprint(doc_ids))
        best = max(self.recalibrations, key=lambda r: r.overlap(served), default=None)
        if best is None or best.overlap(served) < MIN_SHARED_DOCUMENTS:
            return replace(self, applied=None)
        return replace(self, applied=best, calibration=best.calibration)

    def for_model(self, model: str | None) -> Calibrator:
        """This calibrator with the layer fitted for `model`, if there is one; its held-out replies
        then choose the handoff threshold."""
        layer = next((m for m in self.models if model is not None and m.model == model), None)
        if layer is None:
            return replace(self, model_layer=None)
        return replace(self, model_layer=layer, calibration=layer.calibration)

    def with_model_layer(self, layer: ModelRecalibration) -> Calibrator:
        """This calibrator with `layer` stored in place of any earlier one for the same model."""
        return replace(self, models=[*(m for m in self.models if m.model != layer.model), layer])

    def _z(self, signals: Signals) -> np.ndarray:
        f = features(signals)
        x = np.array([f[n] for n in self.names], dtype=np.float64)
        return (x - np.array(self.mean)) / np.array(self.scale)

    def log_odds(self, signals: Signals) -> float:
        """The pooled model's log-odds that the reply is correct."""
        return float(np.dot(self._z(signals), self.coef) + self.intercept)

    def kb_log_odds(self, signals: Signals) -> float:
        """The log-odds for the served knowledge base (recalibrated, where it is known)."""
        z = self.log_odds(signals)
        if self.applied is not None:
            z = self.applied.slope * z + self.applied.intercept
        return z

    def probability(self, signals: Signals) -> float:
        return round(_sigmoid(self.kb_log_odds(signals)), 4)

    def written_probability(self, signals: Signals, grounded: float) -> float:
        """A written reply without its model's layer: as sure as its supported share, since an
        unsupported sentence is a claim the knowledge base does not make, whatever the passage's
        signals say."""
        return round(self.probability(signals) * grounded, 4)

    def explain(self, signals: Signals, n: int = 3) -> list[str]:
        """The signals that pulled this reply's score down the most, strongest first: signals below
        their usual value whose pull, summed over their features (answerability and its log-odds
        are one signal), is at least `EXPLAINED_MIN` in log-odds. A signal the calibrator barely
        weighs is no reason, and neither is a high value that a collinear weight turns negative."""
        z = self._z(signals)
        pulls: dict[str, float] = {}
        below: dict[str, bool] = {}
        for name, zi, c in zip(self.names, z, z * np.array(self.coef), strict=True):
            key = name.removesuffix("_logit")
            pulls[key] = pulls.get(key, 0.0) + float(c)
            below.setdefault(key, bool(zi < 0))
        down = sorted(
            (c, name) for name, c in pulls.items()
            if c <= -EXPLAINED_MIN and below[name] and name not in NOT_EXPLAINED
        )
        return [name for _, name in down[:n]]

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("applied")
        data.pop("model_layer")
        return json.dumps(data, indent=1) + "\n"

    @classmethod
    def load(cls, path: Path) -> Calibrator:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["recalibrations"] = [Recalibration(**r) for r in data.get("recalibrations", [])]
        data["models"] = [ModelRecalibration(**m) for m in data.get("models", [])]
        data.pop("applied", None)
        data.pop("model_layer", None)
        return cls(**data)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.replace(path)


# ------------------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class LabelledReply:
    signals: Signals
    correct: bool
    knowledge_base: str  # which labelled knowledge base it came from
    group: str  # replies of one conversation share a group: never split between folds
    answerable: bool = True


def fit(
    rows: Sequence[LabelledReply],
    fingerprints: dict[str, list[str]],
    *,
    c: float = 0.3,
    folds: int = 5,
) -> tuple[Calibrator, dict[str, np.ndarray]]:
    """Fit the pooled model and a recalibration per knowledge base.

    Returns the calibrator and, per knowledge base, the held-out probabilities of its replies: the
    pooled model's out-of-fold log-odds (grouped by conversation), recalibrated by a Platt fit on
    the *other* folds of the same knowledge base — so every figure reported from them is about
    replies neither layer was fitted on.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    names = list(features(rows[0].signals))
    X = np.array([[features(r.signals)[n] for n in names] for r in rows], dtype=np.float64)
    y = np.array([r.correct for r in rows], dtype=int)
    kb = np.array([r.knowledge_base for r in rows])
    groups = np.array([f"{r.knowledge_base}/{r.group}" for r in rows])
    if len(set(y)) < 2:
        raise ValueError("the labelled replies are all right or all wrong: nothing to calibrate on")

    def train(Xt: np.ndarray, yt: np.ndarray):
        mean, scale = Xt.mean(axis=0), Xt.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=c, max_iter=3000)
        model.fit((Xt - mean) / scale, yt)
        return mean, scale, model

    n_folds = max(2, min(folds, len(set(groups))))
    fold_of = np.zeros(len(y), dtype=int)
    z_oof = np.zeros(len(y))
    for f, (tr, te) in enumerate(GroupKFold(n_splits=n_folds).split(X, y, groups)):
        mean, scale, model = train(X[tr], y[tr])
        z_oof[te] = model.decision_function((X[te] - mean) / scale)
        fold_of[te] = f
    mean, scale, model = train(X, y)
    calibrator = Calibrator(
        names=names, mean=mean.tolist(), scale=scale.tolist(), coef=model.coef_[0].tolist(),
        intercept=float(model.intercept_[0]),
        calibration=_calibration_data(1 / (1 + np.exp(-z_oof)), y, [r.answerable for r in rows]),
    )
    held_out: dict[str, np.ndarray] = {}
    for name in dict.fromkeys(kb):
        idx = np.flatnonzero(kb == name)
        probs = np.zeros(len(idx))
        for f in set(fold_of[idx]):
            mine, rest = idx[fold_of[idx] == f], idx[fold_of[idx] != f]
            slope, icpt = _platt(z_oof[rest], y[rest])
            probs[np.searchsorted(idx, mine)] = 1 / (1 + np.exp(-(slope * z_oof[mine] + icpt)))
        slope, icpt = _platt(z_oof[idx], y[idx])
        calibrator.recalibrations.append(Recalibration(
            name=name, fingerprint=fingerprints.get(name, []), slope=slope, intercept=icpt,
            calibration=_calibration_data(probs, y[idx], [rows[i].answerable for i in idx]),
        ))
        held_out[name] = probs
    return calibrator, held_out


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of a logistic fit of outcomes on log-odds (identity if it cannot be fitted)."""
    from sklearn.linear_model import LogisticRegression

    if len(set(y.tolist())) < 2:
        return 1.0, 0.0
    m = LogisticRegression(C=100.0, max_iter=1000).fit(z.reshape(-1, 1), y)
    return float(m.coef_[0][0]), float(m.intercept_[0])


def _calibration_data(probs, correct, answerable) -> dict[str, list]:
    return {
        "confidence": [round(float(p), 4) for p in probs],
        "correct": [bool(v) for v in correct],
        "answerable": [bool(a) for a in answerable],
    }
