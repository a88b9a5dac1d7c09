"""`switchboard eval ...`: offline evaluations an editor can run against a labelled dataset."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import click


@click.group("eval")
def eval_group() -> None:
    """Offline evaluations against a labelled dataset (kb.jsonl + <split>.jsonl)."""


def _settings(obj):
    from knowledge import Settings

    return obj if isinstance(obj, Settings) else Settings()


def _json_safe(value):
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_json_safe(report), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(format_table(report))
    click.echo(f"report: {path}")
