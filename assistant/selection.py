"""Which reading to answer from: the reader's verdict, weighed with retrieval's.

    score = answerability (best unit's answer probability) + RETRIEVAL_WEIGHT * fused retrieval score
            + UNIT_WEIGHT * the best unit's cosine similarity to the question

Measured on DEV (answerable questions; the chosen passage is from a gold document), for weights
0 / 0.5 / 1 / 2 / 4 / retrieval order alone: clapnq 0.872 / 0.928 / 0.933 / 0.956 / 0.950 / 0.956;
mtrag_govt_cloud 0.597 / 0.659 / 0.668 / 0.668 / 0.662 / 0.651; sample help centre 0.825 / 0.921 /
0.984 / 0.984 / 0.952 / 0.921. The reader alone picks sentences that read like answers in
off-topic passages; retrieval alone misses the section that answers among several on topic.
Adding the best unit's similarity (weight 1, with retrieval at 2) lifts mtrag to 0.682 and leaves
the others unchanged: a table or a long chunk embeds worse as a whole than its answering row.
"""

from __future__ import annotations

from assistant.reader import Reading

RETRIEVAL_WEIGHT = 2.0
UNIT_WEIGHT = 1.0


def selection_score(reading: Reading, weight: float = RETRIEVAL_WEIGHT) -> float:
    sims = reading.passage.similarity
    best_unit = float(sims.max()) if len(sims) else 0.0
    return reading.answerability + weight * reading.passage.hit.fused + UNIT_WEIGHT * best_unit


def rank_readings(readings: list[Reading], weight: float = RETRIEVAL_WEIGHT) -> list[Reading]:
    """Best first; a passage that only points elsewhere ("Related articles: ...") last."""
    return sorted(readings, key=lambda r: (r.points_elsewhere, -selection_score(r, weight)))
