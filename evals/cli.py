"""`switchboard eval ...`: offline evaluations an editor can run against a labelled dataset."""

from __future__ import annotations

import os
from pathlib import Path

import click

from evals.answer_report import write_json


@click.group("eval")
def eval_group() -> None:
    """Offline evaluations against a labelled dataset (kb.jsonl + <split>.jsonl)."""


def _settings(obj):
    from knowledge import Settings

    return obj if isinstance(obj, Settings) else Settings()


@eval_group.command("retrieval")
@click.option("--dataset", required=True, type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="A dataset folder holding kb.jsonl and <split>.jsonl.")
@click.option("--split", default="dev", show_default=True, help="Question file: <split>.jsonl.")
@click.option("--k", "k", default=10, show_default=True, type=click.IntRange(min=10),
              help="Distinct documents to rank per question.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where the dataset's KB is indexed. [default: <data dir>/evals/<dataset name>]")
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False),
              help="JSON report. [default: evals/reports/<dataset>-<split>-retrieval.json]")
@click.option("--query", "query_mode", type=click.Choice(["assistant", "standalone", "raw", "rewrite"]),
              default="assistant", show_default=True,
              help="assistant: what the assistant searches (assistant.search_queries); standalone: the "
                   "assistant's one-string rewrite from history; raw: the utterance alone; rewrite: the "
                   "dataset's shipped rewrite where it exists (a reference, not production).")
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.pass_obj
def retrieval_command(obj, dataset: Path, split: str, k: int, data_dir: Path | None, report_path: Path | None,
                      query_mode: str, quiet: bool) -> None:
    """Recall@1/5/10, MRR and nDCG@10 of the retriever on a dataset's answerable questions."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from evals.retrieval import default_report_path, format_table, run_retrieval_eval

    try:
        report = run_retrieval_eval(
            dataset, split=split, k=k, data_dir=data_dir, settings=_settings(obj), query_mode=query_mode,
            quiet=quiet, log=lambda s: click.echo(s, err=True),
        )
    except (FileNotFoundError, ValueError) as e:
        raise click.UsageError(str(e)) from None
    path = report_path or default_report_path(dataset, split)
    write_json(path, report)
    click.echo(format_table(report))
    click.echo(f"report: {path}")


def _dataset_option(multiple: bool = False):
    return click.option(
        "--dataset", "datasets" if multiple else "dataset", required=True, multiple=multiple,
        type=click.Path(path_type=Path, file_okay=False, exists=True),
        help="A dataset folder: kb.jsonl (or dataset.yaml naming its kb) and <split>.jsonl."
        + (" Repeat to pool several." if multiple else ""),
    )


@eval_group.command("answers")
@_dataset_option()
@click.option("--split", default="dev", show_default=True, help="Question file: <split>.jsonl.")
@click.option("--provider", type=click.Choice(["extractive", "openai"]), help="[default: the configured one]")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N questions (a quick slice).")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where the dataset's KB is indexed. [default: <data dir>/evals/<dataset name>]")
@click.option("--report-dir", type=click.Path(path_type=Path, file_okay=False),
              help="[default: evals/reports/<dataset>-<split>-answers]")
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.pass_obj
def answers_command(obj, dataset: Path, split: str, provider: str | None, limit: int | None,
                    data_dir: Path | None, report_dir: Path | None, quiet: bool) -> None:
    """Answer quality, confidence quality and handoffs of the assistant on a labelled dataset.

    Writes report.md, report.json, reliability.png and risk_coverage.png.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from evals.answer_report import format_table, write_report
    from evals.answers import summarize
    from evals.calibrate import answer_dataset
    from evals.retrieval import REPORTS

    settings = _settings(obj)
    try:
        run = answer_dataset(dataset, split=split, settings=settings, provider=provider, limit=limit,
                             data_dir=data_dir, quiet=quiet, log=lambda s: click.echo(s, err=True))
    except (FileNotFoundError, ValueError) as e:
        raise click.UsageError(str(e)) from None
    threshold, calibrator = run.threshold, run.calibrator
    summary = summarize(run.records, threshold=threshold, target=settings.target_precision)
    out = report_dir or REPORTS / f"{run.name}-{split}-answers"
    meta = {"dataset": run.name, "split": split, "provider": provider or settings.llm_provider,
            "threshold": round(threshold, 4), "target_precision": settings.target_precision,
            "calibrator": calibrator}
    path = write_report(run.records, summary, out, title=f"{run.name} {split}", meta=meta)
    click.echo(format_table(summary))
    click.echo(f"report: {path}")


@eval_group.command("calibrate")
@_dataset_option(multiple=True)
@click.option("--split", default="dev", show_default=True, help="Question file: <split>.jsonl.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the calibrator. [default: <data dir>/calibrator.json, which serve loads]")
@click.option("--c", "c", default=0.3, show_default=True, type=float, help="Inverse L2 regularisation strength.")
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False),
              help="JSON with every reply, its signals and cross-validated confidence. "
                   "[default: evals/reports/calibration-<split>.json]")
@click.option("--provider", type=click.Choice(["extractive", "openai"]), default="extractive", show_default=True,
              help="openai: fit the configured model's own layer (SWITCHBOARD_OPENAI_MODEL) on its replies, "
                   "over the calibrator that serves, instead of the calibrator itself.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N questions of each dataset.")
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.pass_obj
def calibrate_command(obj, datasets: tuple[Path, ...], split: str, out: Path | None, c: float,
                      report_path: Path | None, provider: str, limit: int | None, quiet: bool) -> None:
    """Fit the confidence calibrator on labelled questions and choose the handoff threshold.

    Prints, per dataset, the cross-validated figures and the coverage that
    SWITCHBOARD_TARGET_PRECISION buys.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from assistant.calibration import FILE_NAME
    from evals.answer_report import format_table
    from evals.calibrate import (
        answer_dataset,
        collecting_assistant,
        fit_calibrator,
        fit_model_layer,
        save_model_layer,
        summaries,
    )
    from knowledge.risk import choose_threshold

    settings = _settings(obj)
    try:
        runs = [answer_dataset(d, split=split, settings=settings, provider=provider, limit=limit, quiet=quiet,
                               log=lambda s: click.echo(s, err=True),
                               assistant_factory=None if provider == "openai" else collecting_assistant)
                for d in datasets]
        if provider == "openai":
            layer, oof = fit_model_layer(runs, settings.openai_model, c=c, report_path=report_path, split=split)
        else:
            calibrator, oof = fit_calibrator(runs, c=c)
    except (FileNotFoundError, ValueError) as e:
        raise click.UsageError(str(e)) from None
    if provider == "openai":
        click.echo(save_model_layer(runs, layer, oof, settings, split=split, out=out, report_path=report_path))
        return
    calibrator.meta = {"datasets": [r.name for r in runs], "split": split, "c": c,
                       "replies": len(calibrator.calibration["correct"])}
    path = out or settings.data_dir / FILE_NAME
    calibrator.save(path)

    def threshold_for(calibration: dict):
        return choose_threshold(calibration["confidence"], calibration["correct"], settings.target_precision,
                                alpha=settings.risk_alpha, answerable=calibration["answerable"])

    choices = {r.name: threshold_for(r.calibration) for r in calibrator.recalibrations}
    # served as `assistant.thresholds` serves it: the certified threshold, else the target itself
    serving = {n: (c.threshold if c.sent else settings.target_precision) for n, c in choices.items()}
    per_dataset = summaries(oof, serving, settings.target_precision)
    for name, summary in per_dataset.items():
        click.echo(f"\n## {name} ({split}, held-out confidences)\n")
        click.echo(format_table(summary))
    click.echo(f"\nhandoff threshold for precision >= {settings.target_precision:.2f} (Clopper-Pearson, alpha "
               f"{settings.risk_alpha:.2f}), per knowledge base:")
    for name, choice in {**choices, "any other knowledge base": threshold_for(calibrator.calibration)}.items():
        covered = choice.answerable_coverage if choice.answerable_coverage is not None else float("nan")
        if choice.sent:
            click.echo(
                f"- {name}: certified {choice.threshold:.3f}; sends {choice.coverage:.1%} of its calibration replies, "
                f"precision {choice.precision:.3f} (lower bound {choice.lower_bound:.3f}); answerable questions "
                f"answered correctly: {covered:.1%}"
            )
        else:
            click.echo(f"- {name}: no threshold certified; serves the target itself ({settings.target_precision:.2f}) "
                       f"as the confidence threshold")
    from evals.answers import record_dict
    from evals.retrieval import REPORTS

    report_path = report_path or REPORTS / f"calibration-{split}.json"
    write_json(report_path, {
        "thresholds": {n: c.__dict__ for n, c in choices.items()},
        "calibrator": {"names": calibrator.names, "coef": calibrator.coef, "intercept": calibrator.intercept,
                       "recalibrations": {r.name: [r.slope, r.intercept] for r in calibrator.recalibrations}},
        "summaries": per_dataset, "records": {n: [record_dict(r) for r in rs] for n, rs in oof.items()},
    })
    click.echo(f"calibrator: {path}")
