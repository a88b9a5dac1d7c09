"""Which unit of a chunk holds the answer: a logistic model over vectors the assistant already has.

The question's vector comes from the query encoder and every unit's vector was stored at ingest,
so scoring all units of all retrieved chunks is a few matrix products. Features per (question,
unit): the element-wise product and absolute difference of the two vectors (which directions of
meaning the question asks about and the unit answers), their cosine, the share of the question's
words in the unit, and whether the unit holds the kind of answer asked for ("when" → a date).
Trained on SQuAD by `evals/unit_scorer_train.py` (see `assistant/models/README.md`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.terms import QuestionTerms

SHIPPED = Path(__file__).resolve().parent / "models" / "unit_scorer.json"


def word_features(terms: QuestionTerms, unit: str) -> list[float]:
    return [terms.coverage(unit), terms.type_found(unit)]


def pair_features(question: np.ndarray, unit: np.ndarray, terms: QuestionTerms, text: str) -> np.ndarray:
    return np.concatenate(
        [question * unit, np.abs(question - unit), [float(question @ unit)], word_features(terms, text)]
    ).astype(np.float32)


@dataclass
class UnitScorer:
    coef: list[float]
    intercept: float
    meta: dict = field(default_factory=dict)

    def log_odds(self, question: np.ndarray, units: np.ndarray, terms: QuestionTerms, texts: list[str]) -> np.ndarray:
        """Log-odds that each unit holds the answer (units: one vector per row)."""
        if not len(texts):
            return np.zeros(0, dtype=np.float32)
        w = np.asarray(self.coef, dtype=np.float32)
        d = len(question)
        words = np.array([word_features(terms, t) for t in texts], dtype=np.float32)
        z = (
            (units * question) @ w[:d]
            + np.abs(units - question) @ w[d : 2 * d]
            + (units @ question) * w[2 * d]
            + words @ w[2 * d + 1 :]
            + self.intercept
        )
        return z.astype(np.float32)

    def probability(self, *args) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.log_odds(*args)))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"coef": [round(c, 6) for c in self.coef], "intercept": self.intercept,
                                    "meta": self.meta}) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = SHIPPED) -> UnitScorer:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
