"""Fitting the confidence calibrator on labelled questions (`switchboard eval calibrate`).

For each dataset, its knowledge base is synced into its own data directory and every question is
put to the assistant (`evals.answers.run_questions`); each reply's signals and whether its draft
was correct are the training data. Replies that never reached the confidence path (escalation
rules, requests for a person, greetings) are left out. The calibrator is a logistic regression
(`assistant.calibration.fit`), cross-validated by conversation: the out-of-fold confidences are
what the report's figures use (so they are honest about questions the calibrator did not see) and
what the handoff threshold is chosen from.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.answer_report import write_json
from evals.answers import AnswerRecord, record_dict, run_questions, summarize
from evals.datasets import dataset_settings, load_questions, open_dataset_kb


@dataclass
class DatasetRun:
    name: str
    records: list[AnswerRecord]
    doc_ids: list[str]  # of its knowledge base: the calibrator recognises it by them
    threshold: float = float("nan")  # the handoff threshold the assistant served with
    calibrator: str = ""  # which calibrator, and which recalibration, it used
    served: object = None  # that calibrator (assistant.calibration.Calibrator)


def answer_dataset(
    dataset: Path,
    *,
    split: str,
    settings,
    provider: str | None = None,
    limit: int | None = None,
    data_dir: Path | None = None,
    embedder=None,
    quiet: bool = False,
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
    assistant_factory=None,
) -> DatasetRun:
    """Put every question of one dataset split to the assistant built from `settings`."""
    from assistant import build_assistant

    dataset = Path(dataset)
    questions = load_questions(dataset, split)[: limit or None]
    eval_settings = dataset_settings(dataset, settings, data_dir)
    if provider:
        eval_settings = eval_settings.model_copy(update={"llm_provider": provider})
    kb, report, seconds = open_dataset_kb(dataset, eval_settings, embedder=embedder, quiet=quiet, log=log)
    doc_ids = [d.doc_id for d in kb.catalog.all()]
    try:
        if not quiet:
            log(f"{dataset.name}: ingest {report.summary()} in {seconds:.1f}s; {len(questions)} questions")
        assistant = (assistant_factory or build_assistant)(eval_settings, kb)
        assistant.reply("warm-up: how do I get started")  # loads the models: not the first question's latency
        bar = None
        if not quiet:
            from tqdm import tqdm

            bar = tqdm(total=len(questions), unit="q", desc=dataset.name, file=sys.stderr, leave=False)
        records = run_questions(assistant, questions, progress=bar.update if bar else None)
        threshold = assistant.policy.threshold
        served = assistant.calibrator
        meta = served.meta
        used = f"{meta.get('path', 'untrained')} ({meta.get('knowledge_base') or 'pooled'})"
        if bar:
            bar.close()
    finally:
        kb.close()
    for r in records:
        r.extra["dataset"] = dataset.resolve().name
    return DatasetRun(dataset.resolve().name, records, doc_ids, threshold, used, served)


def collecting_assistant(settings, kb):
    """The configured assistant, or, when no calibrator exists yet, the same with an untrained one:
    collecting signals does not depend on the calibrator."""
    from assistant import build_assistant
    from assistant.calibration import Calibrator

    try:
        return build_assistant(settings, kb)
    except FileNotFoundError:
        from assistant import Assistant, HandoffPolicy, make_provider
        from assistant.escalation import EscalationRules
        from assistant.unit_scorer import UnitScorer

        return Assistant(
            kb=kb, provider=make_provider(settings, kb.embedder), policy=HandoffPolicy(0.5),
            calibrator=Calibrator.untrained(),
            unit_scorer=UnitScorer.load(),
            rules=EscalationRules.load(settings.escalation_rules),
        )


def fit_calibrator(runs: Sequence[DatasetRun], *, c: float = 0.3, folds: int = 5):
    """Fit on every run's scored replies; returns (calibrator, {dataset: records with held-out confidences})."""
    from assistant.calibration import LabelledReply, fingerprint, fit
    from assistant.signals import Signals

    scored = [(run.name, r) for run in runs for r in run.records if r.signals is not None]
    if len(scored) < 2 * folds or len({r.correct_if_sent for _, r in scored}) < 2:
        raise ValueError(f"too few labelled replies to fit a calibrator ({len(scored)}; need right and wrong ones)")
    rows = [
        LabelledReply(
            signals=Signals.among(r.signals),
            correct=r.correct_if_sent, knowledge_base=name, group=str(r.conversation),
            answerable=r.correct_if_sent_possible,
        )
        for name, r in scored
    ]
    calibrator, held_out = fit(rows, {run.name: fingerprint(run.doc_ids) for run in runs}, c=c, folds=folds)
    out: dict[str, list[AnswerRecord]] = {}
    for run in runs:
        probs = iter(held_out[run.name])
        out[run.name] = [
            r if r.signals is None else AnswerRecord(**{**r.__dict__, "confidence": round(float(next(probs)), 4)})
            for r in run.records
        ]
    return calibrator, out


def fit_model_layer(
    runs: Sequence[DatasetRun], model: str, *, c: float = 0.3, folds: int = 5, report_path: Path | None = None,
    split: str = "dev",
):
    """Fit `model`'s own layer (assistant/model_calibration.py) on its replies in every run that
    carry log-probabilities; returns (layer, {dataset: records with held-out confidences}). The
    replies, slow to get from a model, are written to the report first, whatever happens next."""
    from assistant.model_calibration import ModelReply, fit_model_recalibration
    from assistant.signals import Signals

    write_json(_model_report_path(report_path, model, split), {
        "model": model, "records": {run.name: [record_dict(r) for r in run.records] for run in runs}})

    used: list[tuple[str, int]] = []
    rows: list[ModelReply] = []
    for run in runs:
        for i, r in enumerate(run.records):
            s = r.signals or {}
            if not {"grounded", "logprob_mean", "logprob_min"} <= s.keys():
                continue  # not a written reply with log-probabilities: the layer never applies to it
            rows.append(ModelReply(
                # the layer weighs the share of sentences supported (`supported`; "grounded" before it was shown)
                kb_log_odds=run.served.kb_log_odds(Signals.among(s)), grounded=s.get("supported", s["grounded"]),
                logprob_mean=s["logprob_mean"],
                logprob_min=s["logprob_min"], correct=r.correct_if_sent, group=f"{run.name}/{r.conversation}",
                answerable=r.correct_if_sent_possible,
            ))
            used.append((run.name, i))
    if len(rows) < 2 * folds:
        raise ValueError(f"too few replies with log-probabilities to fit a layer for {model!r} ({len(rows)})")
    layer, held_out = fit_model_recalibration(model, rows, c=c, folds=folds)
    layer.meta |= {"datasets": [run.name for run in runs]}
    confidence = {key: float(p) for key, p in zip(used, held_out, strict=True)}
    out = {
        run.name: [
            AnswerRecord(**{**r.__dict__, "confidence": round(confidence[(run.name, i)], 4)})
            if (run.name, i) in confidence else r
            for i, r in enumerate(run.records)
        ]
        for run in runs
    }
    return layer, out


def without_layer(run: DatasetRun) -> list[AnswerRecord]:
    """The run's replies with the confidence a model without a layer gets: the knowledge base's
    probability times the supported share. Not the confidence as served, which is an earlier
    layer's when the calibrator already had one for this model."""
    from assistant.signals import Signals

    out = []
    for r in run.records:
        s = r.signals or {}
        if "grounded" in s:
            r = AnswerRecord(**{**r.__dict__, "confidence": run.served.written_probability(Signals.among(s), s["grounded"])})
        out.append(r)
    return out


def _model_report_path(report_path: Path | None, model: str, split: str) -> Path:
    from evals.retrieval import REPORTS

    return report_path or REPORTS / f"calibration-{split}-{model.replace('/', '_')}.json"


def save_model_layer(runs: Sequence[DatasetRun], layer, oof: dict[str, list[AnswerRecord]], settings, *,
                     split: str, out: Path | None, report_path: Path | None) -> str:
    """Store `layer` in the calibrator `serve` would load (the data directory's, else the shipped
    one), written to `out` or the data directory; report the figures with and without it."""
    from assistant.calibration import FILE_NAME, SHIPPED, Calibrator
    from evals.answer_report import format_table
    from knowledge.risk import choose_threshold

    model = layer.model
    base = settings.data_dir / FILE_NAME
    path = out or base
    Calibrator.load(base if base.exists() else SHIPPED).with_model_layer(layer).save(path)
    choice = choose_threshold(layer.calibration["confidence"], layer.calibration["correct"], settings.target_precision,
                              alpha=settings.risk_alpha, answerable=layer.calibration["answerable"])
    serving = choice.threshold if choice.sent else settings.target_precision
    before = {run.name: summarize(without_layer(run)) for run in runs}
    after = summaries(oof, dict.fromkeys(oof, serving), settings.target_precision)
    lines = []
    for name, summary in after.items():
        lines += [f"\n## {name} ({split}, {model}, held-out confidences)\n", format_table(summary)]
    lines.append("\nthe same replies without a layer (knowledge-base probability x supported share) -> with this one (held out):")
    for name in before:
        b, a = before[name], after[name]
        lines.append(f"- {name}: AUROC {b['auroc']:.3f} -> {a['auroc']:.3f}, ECE {b['ece']:.3f} -> {a['ece']:.3f}, "
                     f"Brier {b['brier']:.3f} -> {a['brier']:.3f}")
    lines.append(f"\n{model}: {layer.meta['replies']} replies with log-probabilities, {layer.meta['correct']} right; "
                 f"handoff threshold for precision >= {settings.target_precision:.2f}: "
                 + (f"certified {choice.threshold:.3f}, sends {choice.coverage:.1%}" if choice.sent
                    else f"none certified, serves the target ({settings.target_precision:.2f})"))
    report = _model_report_path(report_path, model, split)
    write_json(report, {
        "model": model, "layer": {"coef": layer.coef, "intercept": layer.intercept, "meta": layer.meta},
        "without_layer": before, "with_layer": after,
        "records": {run.name: [record_dict(r) for r in run.records] for run in runs},
        "held_out": {n: [record_dict(r) for r in rs] for n, rs in oof.items()},
    })
    lines += [f"report: {report}", f"calibrator with the layer for {model}: {path}"]
    return "\n".join(lines)


def rejudge_handoffs(records: Sequence[AnswerRecord], threshold: float) -> list[AnswerRecord]:
    """Records as they would be with this threshold: a scored reply below it is a handoff."""
    out = []
    for r in records:
        if r.signals is None:
            out.append(r)
            continue
        handoff = r.confidence < threshold
        out.append(AnswerRecord(**{**r.__dict__, "handoff": handoff,
                                   "handoff_reason": "low_confidence" if handoff else None}))
    return out


def summaries(per_dataset: dict[str, list[AnswerRecord]], thresholds: dict[str, float], target: float) -> dict[str, dict]:
    return {
        name: summarize(rejudge_handoffs(records, thresholds[name]), threshold=thresholds[name], target=target)
        for name, records in per_dataset.items()
    }
