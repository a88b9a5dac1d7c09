"""Confidence: the probability that a reply is right and supported by the knowledge base.

Until a calibrator is fitted on labelled questions this is a documented logistic formula over
three signals, each in [0, 1]:

- ``retrieval``: cosine similarity of the question and the best retrieved chunk;
- ``support``: cosine similarity of the question and the best sentence used in the reply;
- ``coverage``: share of the question's content terms found in the reply and its source's title.

    confidence = sigmoid(SCALE * (W_R * retrieval + W_S * support + W_C * coverage - BIAS))

An off-topic question scores low on all three; a question the knowledge base answers scores high.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

W_RETRIEVAL, W_SUPPORT, W_COVERAGE = 0.45, 0.25, 0.30
BIAS = 0.42
SCALE = 9.0


@dataclass(frozen=True)
class Signals:
    retrieval: float
    support: float
    coverage: float


def confidence(signals: Signals) -> float:
    z = SCALE * (
        W_RETRIEVAL * signals.retrieval
        + W_SUPPORT * signals.support
        + W_COVERAGE * signals.coverage
        - BIAS
    )
    return round(1.0 / (1.0 + math.exp(-z)), 4)
