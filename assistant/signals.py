"""The signals behind a reply's confidence, computed from the question, the evidence and the reply.

Each is a plain number with a documented meaning; the calibrator (`assistant.calibration`) turns
them into a probability, and agents see them on every bot reply, so a low score can be explained.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from assistant.reader import Reading
from assistant.terms import QuestionTerms


@dataclass(frozen=True)
class Signals:
    answerability: float  # the reader's P(the cited passage's best unit holds the answer)
    answerability_margin: float  # that, minus the best reading of any other document
    retrieval: float  # cosine similarity of the question and the cited passage
    retrieval_margin: float  # fused retrieval score of the best passage minus the next document's
    lexical: float  # BM25 score of the cited passage relative to the best (1.0: lexical top hit)
    support: float  # cosine similarity of the question and the best unit of the cited passage
    coverage: float  # share of the question's words (weighted by rarity) in the reply and its source's titles
    rare_terms: float  # share of the question's two rarest words found in the cited passage
    numbers: float  # share of the question's numbers found in the cited passage (1.0 if none)
    answer_type: float  # the quote holds the kind of answer asked for (1), not (0), or none asked (0.5)
    rank: float  # retrieval rank of the cited passage, from 0
    follow_up: float  # 1.0 when the question was completed from the conversation

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in asdict(self).items()}

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def among(cls, shown: dict[str, float]) -> Signals:
        """The signals among a reply's shown ones (which may also hold a written reply's own)."""
        return cls(**{n: shown[n] for n in cls.names()})


def compute_signals(
    *,
    terms: QuestionTerms,
    readings: list[Reading],
    cited: Reading,
    reply_text: str,
    follow_up: bool,
) -> Signals:
    chunk = cited.passage.hit.chunk
    others = [r for r in readings if r.passage.hit.chunk.doc_id != chunk.doc_id]
    best_other = max((r.answerability for r in others), default=0.0)
    next_doc = max((r.passage.hit.fused for r in others), default=0.0)
    top_fused = max(r.passage.hit.fused for r in readings)
    titles = f"{chunk.title}\n{chunk.heading}"
    return Signals(
        answerability=cited.answerability,
        answerability_margin=cited.answerability - best_other,
        retrieval=max(0.0, cited.passage.hit.score),
        retrieval_margin=top_fused - next_doc,
        lexical=cited.passage.hit.lexical,
        support=float(max(0.0, cited.passage.similarity.max())) if len(cited.passage.similarity) else 0.0,
        coverage=terms.weighted_coverage(f"{reply_text}\n{titles}"),
        rare_terms=terms.rarest_found(f"{chunk.text}\n{titles}"),
        numbers=terms.numbers_found(chunk.text),
        answer_type=terms.type_found(reply_text),
        rank=float(cited.passage.rank),
        follow_up=1.0 if follow_up else 0.0,
    )
