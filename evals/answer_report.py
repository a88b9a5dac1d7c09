"""The answer eval's report: `report.md` for people, `report.json` for machines, two PNG plots."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from evals.answers import AnswerRecord, record_dict


def _fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _json_safe(value):
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def write_json(path: Path, data) -> None:
    """A report as JSON (NaN and infinity as null), its folder made if need be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_json_safe(data), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


ROWS = [
    ("AUROC of confidence, correct vs not", "auroc"),
    ("expected calibration error (10 bins)", "ece"),
    ("Brier score", "brier"),
    ("area under the risk–coverage curve", "aurc"),
    ("precision of the replies sent without a person", "sent_precision"),
    ("answerable questions sent and correct", "answerable_sent_correct"),
    ("unanswerable questions handed off", "unanswerable_handed_off"),
    ("requests to act handed off", "action_handed_off"),
    ("reply cites a gold document (answerable)", "cites_gold"),
    ("token-F1 to the reference answer (answerable)", "token_f1"),
    ("ROUGE-L to the reference answer (answerable)", "rouge_l"),
    ("reply latency p50 (ms, in process)", "latency_p50_ms"),
    ("reply latency p95 (ms, in process)", "latency_p95_ms"),
    ("first token p50 (ms, in process; streamed replies)", "first_token_p50_ms"),
    ("first token p95 (ms, in process; streamed replies)", "first_token_p95_ms"),
]


def format_table(summary: dict) -> str:
    lines = ["| figure | value |", "|---|---|"]
    for label, key in ROWS:
        if key not in summary:
            continue  # an optional figure (first token: no reply sent a piece)
        lines.append(f"| {label} | {_fmt(summary.get(key))} |")
    for key in (k for k in summary if k.startswith("at_precision_")):
        t = summary[key]
        lines.append(
            f"| answerable sent correct at precision ≥ {key.removeprefix('at_precision_')} "
            f"(best threshold on this set) | {_fmt(t['answerable_correct_covered'])} "
            f"(threshold {_fmt(t['threshold'])}) |"
        )
    return "\n".join(lines)


def write_report(
    records: Sequence[AnswerRecord], summary: dict, out_dir: Path, *, title: str, meta: dict
) -> Path:
    import numpy as np

    from evals.metrics import risk_coverage
    from evals.plots import reliability_diagram, risk_coverage_plot

    out_dir.mkdir(parents=True, exist_ok=True)
    scored = [r for r in records if r.signals is not None]
    y = np.array([r.correct_if_sent for r in scored], dtype=bool)
    p = np.array([r.confidence for r in scored], dtype=float)
    reliability_diagram(y, p, out_dir / "reliability.png", f"{title}: reliability")
    curve = risk_coverage(y, p)
    threshold = summary.get("threshold")
    chosen = None
    if threshold is not None and len(scored):
        sent = p >= threshold
        chosen = (float(sent.mean()), float(y[sent].mean()) if sent.any() else float("nan"))
    risk_coverage_plot(
        {"confidence": (curve.coverage, curve.precision)}, out_dir / "risk_coverage.png",
        f"{title}: precision of sent replies vs coverage", target=meta.get("target_precision"), chosen=chosen,
    )
    write_json(out_dir / "report.json", {"meta": meta, "summary": summary, "records": [record_dict(r) for r in records]})
    wrong = sorted((r for r in records if r.sent and not r.correct_if_sent), key=lambda r: -r.confidence)[:15]
    lines = [
        f"# {title}",
        "",
        ", ".join(f"{k}: {v}" for k, v in meta.items()),
        "",
        format_table(summary),
        "",
        f"Questions by kind: {summary['by_kind']}. Handoff reasons: {summary['handoff_reasons']}.",
        "",
        "![reliability](reliability.png) ![risk-coverage](risk_coverage.png)",
        "",
        "## Sent and wrong, most confident first",
        "",
    ]
    for r in wrong:
        lines.append(f"- **{r.confidence:.2f}** `{r.id}` ({r.kind}) {r.question!r} → {r.draft[:160]!r}")
    if not wrong:
        lines.append("(none)")
    (out_dir / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out_dir / "report.md"
