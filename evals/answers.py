"""Answer eval: what the assistant replies to every labelled question, and whether it was right.

    switchboard eval answers --dataset ../shared/datasets/clapnq --split dev

Each question goes through `Assistant.reply` exactly as a customer's message would (with its
conversation history), in the dataset's own data directory. A reply is *correct* when:

- the question is answerable: the reply cites a gold document and, where the dataset has
  reference answers, its token-F1 to the best of them is at least `MIN_F1` (0.15: a cited gold
  document with a quote that shares almost no words with any reference answered something else);
- the question is unanswerable, or a request for a person to act: never — only a handoff is right.

A handoff keeps the bot's draft, and the draft is scored as if it had been sent: confidence is a
claim about the draft, so AUROC, calibration and the risk–coverage curve use every draft
(`correct_if_sent`); precision, coverage and handoff rates use what the customer actually got.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from evals.datasets import Question

MIN_F1 = 0.15


@dataclass
class AnswerRecord:
    id: str
    kind: str  # answerable | follow_up | unanswerable | action
    answerable: bool
    question: str
    text: str  # what the customer saw
    draft: str  # what the bot would say (the text itself when it was sent)
    confidence: float
    handoff: bool
    handoff_reason: str | None
    cited: list[str]
    gold: list[str]
    cites_gold: bool
    f1: float
    rouge_l: float
    correct_if_sent: bool
    latency_ms: float
    signals: dict[str, float] | None = None
    first_token_ms: float | None = None  # when the provider's first piece arrived; None if nothing streamed
    conversation: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def sent(self) -> bool:
        return not self.handoff

    @property
    def correct_if_sent_possible(self) -> bool:
        """Could any sent reply be right? Not for unanswerable questions and requests to act."""
        return self.answerable and self.kind != "action"

    @property
    def outcome(self) -> str:
        """answered | wrong | handed_off_rightly | handed_off_needlessly"""
        if self.sent:
            return "answered" if self.correct_if_sent else "wrong"
        return "handed_off_needlessly" if self.correct_if_sent_possible else "handed_off_rightly"


def judge(q: Question, draft: str, cited: Sequence[str], min_f1: float = MIN_F1) -> tuple[bool, bool, float, float]:
    """(correct_if_sent, cites_gold, f1, rouge_l) for one draft."""
    from evals.metrics import rouge_l, strip_citations, token_f1

    body = strip_citations(draft)
    f1 = token_f1(body, q.answers) if q.answers else 0.0
    rl = rouge_l(body, q.answers) if q.answers else 0.0
    cites_gold = bool(set(cited) & set(q.doc_ids))
    if not q.answerable or q.needs_person or not draft:
        return False, cites_gold, f1, rl
    ok = cites_gold and (not q.answers or f1 >= min_f1)
    return ok, cites_gold, f1, rl


def run_questions(
    assistant,
    questions: Sequence[Question],
    *,
    min_f1: float = MIN_F1,
    progress: Callable[[int], None] | None = None,
) -> list[AnswerRecord]:
    records = []
    for q in questions:
        history = q.history_pairs()
        first: list[float] = []

        def on_delta(piece: str) -> None:
            if not first and piece:
                first.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        reply = assistant.reply(q.question, history, on_delta=on_delta)
        latency = (time.perf_counter() - started) * 1000
        draft = reply.draft if reply.handoff else reply.text
        cited = [s.doc_id for s in (reply.draft_sources if reply.handoff else reply.sources)]
        correct, cites_gold, f1, rl = judge(q, draft or "", cited, min_f1)
        records.append(
            AnswerRecord(
                id=q.id, kind=q.kind, answerable=q.answerable, question=q.question, text=reply.text,
                draft=draft or "", confidence=reply.confidence, handoff=reply.handoff,
                handoff_reason=reply.handoff_reason, cited=cited, gold=list(q.doc_ids), cites_gold=cites_gold,
                f1=f1, rouge_l=rl, correct_if_sent=correct, latency_ms=latency, signals=reply.signals,
                first_token_ms=first[0] if first else None,
                conversation=q.conversation_id or q.id,
            )
        )
        if progress:
            progress(1)
    return records


def record_dict(r: AnswerRecord) -> dict:
    out = asdict(r)
    out["sent"] = r.sent
    out["outcome"] = r.outcome
    return out


def summarize(records: Sequence[AnswerRecord], threshold: float | None = None, target: float = 0.95) -> dict:
    """Every figure the issue asks for, over one set of records."""
    import numpy as np

    from evals.metrics import (
        auroc,
        brier,
        expected_calibration_error,
        percentile,
        reliability_bins,
        risk_coverage,
    )

    scored = [r for r in records if r.signals is not None]  # went through the confidence path
    y = np.array([r.correct_if_sent for r in scored], dtype=bool)
    p = np.array([r.confidence for r in scored], dtype=float)
    answerable = [r for r in records if r.correct_if_sent_possible]
    unanswerable = [r for r in records if r.kind == "unanswerable"]
    actions = [r for r in records if r.kind == "action"]
    sent = [r for r in records if r.sent and r.kind != "smalltalk"]
    curve = risk_coverage(y, p) if len(scored) else None
    n_answerable_scored = sum(1 for r in scored if r.correct_if_sent_possible)

    def best_at(goal: float) -> dict:
        """The largest share of answerable questions sent correct by any threshold whose sent
        replies are correct at >= goal on this set (an oracle threshold: a ceiling, not a promise)."""
        if curve is None or not n_answerable_scored:
            return {"threshold": None, "precision": None, "answerable_correct_covered": float("nan")}
        order = np.argsort(-p, kind="stable")
        ok = np.cumsum(y[order])
        precision = ok / np.arange(1, len(order) + 1)
        feasible = np.where(precision >= goal)[0]
        if not len(feasible):
            return {"threshold": None, "precision": None, "answerable_correct_covered": 0.0}
        i = int(feasible.max())
        return {"threshold": float(p[order][i]), "precision": float(precision[i]),
                "answerable_correct_covered": float(ok[i] / n_answerable_scored)}

    out = {
        "questions": len(records),
        "by_kind": {k: sum(1 for r in records if r.kind == k) for k in sorted({r.kind for r in records})},
        "auroc": auroc(y, p) if len(scored) else float("nan"),
        "ece": expected_calibration_error(y, p) if len(scored) else float("nan"),
        "brier": brier(y, p) if len(scored) else float("nan"),
        "mean_confidence": float(p.mean()) if len(scored) else float("nan"),
        "accuracy_if_all_sent": float(y.mean()) if len(scored) else float("nan"),
        "reliability": [asdict(b) for b in reliability_bins(y, p)] if len(scored) else [],
        "aurc": curve.aurc if curve is not None else float("nan"),
        "sent": len(sent),
        "sent_precision": (sum(r.correct_if_sent for r in sent) / len(sent)) if sent else float("nan"),
        "answerable_sent_correct": (sum(r.sent and r.correct_if_sent for r in answerable) / len(answerable))
        if answerable else float("nan"),
        "unanswerable_handed_off": (sum(r.handoff for r in unanswerable) / len(unanswerable)) if unanswerable else float("nan"),
        "action_handed_off": (sum(r.handoff for r in actions) / len(actions)) if actions else float("nan"),
        "cites_gold": (sum(r.cites_gold for r in answerable) / len(answerable)) if answerable else float("nan"),
        "token_f1": float(np.mean([r.f1 for r in answerable])) if answerable else float("nan"),
        "rouge_l": float(np.mean([r.rouge_l for r in answerable])) if answerable else float("nan"),
        "latency_p50_ms": percentile([r.latency_ms for r in records], 50),
        "latency_p95_ms": percentile([r.latency_ms for r in records], 95),
        **_first_token_figures(records),
        "threshold": threshold,
        **{f"at_precision_{goal:.2f}": best_at(goal) for goal in dict.fromkeys((0.95, target))},
        "handoff_reasons": {
            k: sum(1 for r in records if r.handoff_reason == k)
            for k in sorted({r.handoff_reason for r in records if r.handoff_reason})
        },
    }
    return out


def _first_token_figures(records: Sequence[AnswerRecord]) -> dict:
    """When the draft's first piece arrived (the extractive provider sends its whole draft as one piece)."""
    from evals.metrics import percentile

    firsts = [r.first_token_ms for r in records if r.first_token_ms is not None]
    if not firsts:
        return {}
    return {"first_token_p50_ms": percentile(firsts, 50), "first_token_p95_ms": percentile(firsts, 95),
            "streamed": len(firsts)}


def load_records(path: Path) -> list[AnswerRecord]:
    import json

    rows = json.loads(path.read_text(encoding="utf-8"))["records"]
    keep = set(AnswerRecord.__dataclass_fields__)
    return [AnswerRecord(**{k: v for k, v in r.items() if k in keep}) for r in rows]
