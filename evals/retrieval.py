"""Retrieval eval: does the retriever put a gold document near the top, for every answerable question?

    switchboard eval retrieval --dataset ../shared/datasets/clapnq --split dev

The dataset's `kb.jsonl` is synced into its own data directory (incremental: a rerun embeds
nothing), each question is made standalone from its history the way the assistant does it, the
retriever's chunks are collapsed to a ranked list of distinct documents, and the list is scored
against the question's gold `doc_ids`:

- recall@k: 1 if *any* gold document is in the top k (the datasets' convention), averaged;
- MRR: 1 / rank of the first gold document within the top k (0 if none), averaged;
- nDCG@10: binary gains over *all* gold documents (several per question in mtrag), averaged;
- gold coverage@10: the fraction of a question's gold documents in the top 10, averaged.

Only answerable questions are scored. Unanswerable ones are still retrieved so that the report can
compare the top hit's score of both kinds (a first look at the confidence signal).
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from evals.datasets import Question, dataset_settings, load_questions, open_dataset_kb

CUTOFFS = (1, 5, 10)
NDCG_AT = 10
QUERY_MODES = ("assistant", "standalone", "raw", "rewrite")
REPORTS = Path(__file__).resolve().parent / "reports"


# ---------------------------------------------------------------------------------------- metrics


def recall_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """1.0 if any gold document is among the first k of `ranked`, else 0.0."""
    g = set(gold)
    return 1.0 if any(d in g for d in ranked[:k]) else 0.0


def first_gold_rank(ranked: Sequence[str], gold: Iterable[str]) -> int | None:
    """1-based rank of the first gold document in `ranked`, or None."""
    g = set(gold)
    for i, d in enumerate(ranked, start=1):
        if d in g:
            return i
    return None


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str], k: int | None = None) -> float:
    """1 / rank of the first gold document within the first k (all of `ranked` if k is None)."""
    rank = first_gold_rank(ranked[:k] if k else ranked, gold)
    return 1.0 / rank if rank else 0.0


def ndcg_at_k(ranked: Sequence[str], gold: Iterable[str], k: int = NDCG_AT) -> float:
    """nDCG@k with binary gains: every gold document is worth 1, wherever the ideal ranking puts it.

    DCG = sum over gold documents at rank i <= k of 1 / log2(i + 1); the ideal DCG puts
    min(|gold|, k) gold documents at ranks 1, 2, ...  Duplicates in `ranked` count once.
    """
    g = set(gold)
    if not g:
        return 0.0
    seen: set[str] = set()
    dcg = 0.0
    for i, d in enumerate(ranked[:k], start=1):
        if d in g and d not in seen:
            dcg += 1.0 / math.log2(i + 1)
        seen.add(d)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(g), k) + 1))
    return dcg / ideal


def gold_coverage_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """The fraction of the gold documents found among the first k."""
    g = set(gold)
    return len(g.intersection(ranked[:k])) / len(g) if g else 0.0


def distinct_doc_ids(doc_ids: Iterable[str], k: int | None = None) -> list[str]:
    """Collapse a ranked list of chunks' doc ids to distinct documents, best rank first."""
    out: list[str] = []
    seen: set[str] = set()
    for d in doc_ids:
        if d not in seen:
            seen.add(d)
            out.append(d)
            if k is not None and len(out) >= k:
                break
    return out


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy; nan when empty."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def score(ranked: Sequence[str], gold: Sequence[str], k: int) -> dict[str, float]:
    """Every metric for one question."""
    out = {f"recall@{c}": recall_at_k(ranked, gold, c) for c in cutoffs(k)}
    out["mrr"] = reciprocal_rank(ranked, gold, k)
    out[f"ndcg@{NDCG_AT}"] = ndcg_at_k(ranked, gold, NDCG_AT)
    out[f"coverage@{NDCG_AT}"] = gold_coverage_at_k(ranked, gold, NDCG_AT)
    return out


def cutoffs(k: int) -> tuple[int, ...]:
    return tuple(c for c in CUTOFFS if c <= k) + ((k,) if k not in CUTOFFS else ())


def mean_metrics(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    if not rows:
        return {}
    return {key: sum(r[key] for r in rows) / len(rows) for key in rows[0]}


# ---------------------------------------------------------------------------------------- queries


def standalone_function() -> tuple[Callable[[str, list[tuple[str, str]]], str] | None, str]:
    """The assistant's follow-up rewriter, and where it came from (None if it is not there yet)."""
    try:
        from assistant import standalone_query  # type: ignore[attr-defined]

        return standalone_query, "assistant.standalone_query"
    except ImportError:
        pass
    try:
        from assistant.rewrite import standalone_query

        return standalone_query, "assistant.rewrite.standalone_query"
    except ImportError:
        return None, "raw question (assistant.standalone_query is not importable)"


def make_query_builder(
    mode: str, abbreviations: dict[str, str] | None = None, spell: Callable[[str], str] | None = None,
) -> tuple[Callable[[Question], str | list[str]], str]:
    """How each question becomes the retrieval query, and a description for the report.

    - assistant: exactly what the assistant searches for: ``assistant.search_queries`` (the question,
      its typos read as the knowledge base's words by `spell`, with the `abbreviations` the
      knowledge base spells out, and its standalone form, fused by the retriever) where it exists,
      else ``standalone``;
    - standalone: the assistant's rewrite of the question from its history, one query string;
    - raw: the user's utterance alone;
    - rewrite: the dataset's shipped standalone rewrite where it exists (an upper reference for
      retrieval only: rewrites exist only for answerable questions), else `standalone`.
    """
    if mode not in QUERY_MODES:
        raise ValueError(f"unknown query mode {mode!r}; choose from {', '.join(QUERY_MODES)}")
    if mode == "raw":
        return (lambda q: q.question), "raw question"
    fn, where = standalone_function()

    def standalone(q: Question) -> str:
        return fn(q.question, q.history_pairs()) if fn else q.question

    if mode == "standalone":
        return standalone, where
    if mode == "assistant":
        try:
            from assistant import search_queries  # type: ignore[attr-defined]
        except ImportError:
            return standalone, where
        from knowledge.abbreviations import expand

        fix = spell or (lambda text: text)

        def queries(q: Question) -> list[str]:
            history = [(who, fix(text) if who == "user" else text) for who, text in q.history_pairs()]
            return search_queries(expand(fix(q.question), abbreviations or {}), history)

        return queries, "assistant.search_queries (the question, typos corrected, and its standalone form, fused)"
    return (lambda q: q.standalone_rewrite or standalone(q)), f"dataset standalone_rewrite, else {where}"


# ---------------------------------------------------------------------------------------- runner


@dataclass
class QuestionResult:
    id: str
    answerable: bool
    query: str | list[str]
    gold: list[str]
    ranked: list[str]
    latency_ms: float
    top_score: float | None
    turn: int | None = None
    follow_up: bool = False
    domain: str | None = None
    label: str | None = None
    first_gold_rank: int | None = None
    metrics: dict[str, float] = field(default_factory=dict)


def groups_of(results: Sequence[QuestionResult]) -> dict[str, list[QuestionResult]]:
    """Named subsets of the answerable results: all, by turn, by domain, by answerability label."""
    ans = [r for r in results if r.answerable]
    out: dict[str, list[QuestionResult]] = {"all": ans}
    if any(r.turn is not None or r.follow_up for r in ans):
        out["turn 1"] = [r for r in ans if not r.follow_up]
        out["follow-up"] = [r for r in ans if r.follow_up]
    for domain in sorted({r.domain for r in ans if r.domain}):
        out[f"domain={domain}"] = [r for r in ans if r.domain == domain]
    labels = sorted({r.label for r in ans if r.label})
    if len(labels) > 1:
        for label in labels:
            out[f"label={label}"] = [r for r in ans if r.label == label]
    return out


def summarise(results: Sequence[QuestionResult]) -> dict[str, dict[str, float]]:
    summary: dict[str, dict[str, float]] = {}
    for name, rows in groups_of(results).items():
        summary[name] = {"n": len(rows), **mean_metrics([r.metrics for r in rows])}
    return summary


def misses(results: Sequence[QuestionResult], at: int = 5, k: int = NDCG_AT) -> dict[str, int]:
    """The answerable questions with no gold document in the top `at`, split by where their first
    gold document is: at ranks at+1..k, which a better order of what retrieval finds would reach,
    or not in the top k, which only better retrieval would."""
    scored = [r for r in results if r.answerable and r.metrics]
    missed = [r for r in scored if r.first_gold_rank is None or r.first_gold_rank > at]
    reachable = sum(1 for r in missed if r.first_gold_rank is not None and r.first_gold_rank <= k)
    return {"at": at, "k": k, "scored": len(scored), "missed": len(missed), "gold_within_k": reachable,
            "gold_beyond_k": len(missed) - reachable}


def _mean(xs: Sequence[float]) -> float | None:
    return statistics.fmean(xs) if xs else None


def run_retrieval_eval(
    dataset: Path,
    *,
    split: str = "dev",
    k: int = 10,
    data_dir: Path | None = None,
    settings=None,  # knowledge.Settings; the eval copies it with its own data directory
    query_mode: str = "assistant",
    embedder=None,
    quiet: bool = False,
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
) -> dict:
    """Ingest the dataset's KB (incrementally), retrieve for every question, and return the report."""
    from knowledge import Settings

    if k < NDCG_AT:
        raise ValueError(f"k must be at least {NDCG_AT} (recall@10 and nDCG@10 are reported)")
    dataset = Path(dataset)
    questions = load_questions(dataset, split)
    eval_settings = dataset_settings(dataset, settings or Settings(), data_dir)
    kb, sync_report, ingest_s = open_dataset_kb(dataset, eval_settings, embedder=embedder, quiet=quiet, log=log)
    try:
        build_query, query_desc = make_query_builder(
            query_mode, kb.retriever.lexical_index().abbreviations, kb.retriever.speller().correct
        )
        if not quiet:
            log(f"ingest: {sync_report.summary()}, {sync_report.chunks_written} chunks embedded in {ingest_s:.1f}s")

        kb.retriever.search("warm-up query", 1)  # loads the model: the first query's latency is not the model load
        n_chunks = kb.store.count()
        fetch = 3 * k
        results: list[QuestionResult] = []
        rewrite_ms: list[float] = []
        for q in questions:
            t0 = time.perf_counter()
            query = build_query(q)
            t1 = time.perf_counter()
            hits = kb.retriever.search(query, fetch)
            t2 = time.perf_counter()
            rewrite_ms.append((t1 - t0) * 1000)
            ranked = distinct_doc_ids((h.chunk.doc_id for h in hits), k)
            res = QuestionResult(
                id=q.id,
                answerable=q.answerable,
                query=query,
                gold=list(q.doc_ids),
                ranked=ranked,
                latency_ms=(t2 - t1) * 1000,
                top_score=float(hits[0].score) if hits else None,
                turn=q.turn,
                follow_up=q.is_follow_up,
                domain=q.domain,
                label=q.label,
            )
            if q.answerable and q.doc_ids:
                res.first_gold_rank = first_gold_rank(ranked, q.doc_ids)
                res.metrics = score(ranked, q.doc_ids, k)
            results.append(res)
    finally:
        kb.close()

    scored = [r for r in results if r.answerable and r.metrics]
    lat = [r.latency_ms for r in results]
    report = {
        "dataset": dataset.resolve().name,
        "split": split,
        "k": k,
        "chunks_fetched": fetch,
        "query_mode": query_mode,
        "query": query_desc,
        "retriever": f"{type(kb.retriever).__module__}.{type(kb.retriever).__qualname__}",
        "data_dir": str(eval_settings.data_dir),
        "kb": {"documents": len(sync_report.added) + len(sync_report.updated) + len(sync_report.unchanged),
               "chunks": n_chunks, "chunk_size": eval_settings.chunk_size,
               "chunk_overlap": eval_settings.chunk_overlap},
        "ingest": {"seconds": round(ingest_s, 2), "summary": sync_report.summary(),
                   "chunks_embedded": sync_report.chunks_written},
        "questions": len(questions),
        "answerable": sum(q.answerable for q in questions),
        "scored": len(scored),
        "metrics": summarise(results),
        "misses": misses(results, 5, k),
        "latency_ms": {"n": len(lat), "p50": percentile(lat, 50), "p95": percentile(lat, 95),
                       "max": max(lat) if lat else float("nan"),
                       "query_rewrite_p50": percentile(rewrite_ms, 50),
                       "note": "retriever.search wall time per question, query embedding included"},
        "top_score": {"answerable_mean": _mean([r.top_score for r in results if r.answerable and r.top_score is not None]),
                      "unanswerable_mean": _mean([r.top_score for r in results if not r.answerable and r.top_score is not None])},
        "results": [asdict(r) for r in results],
    }
    return report


def default_report_path(dataset: Path, split: str) -> Path:
    return REPORTS / f"{Path(dataset).resolve().name}-{split}-retrieval.json"


def format_table(report: dict) -> str:
    k = report["k"]
    cols = [f"recall@{c}" for c in cutoffs(k)] + ["mrr", f"ndcg@{NDCG_AT}", f"coverage@{NDCG_AT}"]
    heads = [c.replace("recall@", "R@").replace("ndcg", "nDCG").replace("coverage", "cov").replace("mrr", "MRR")
             for c in cols]
    lines = [
        (f"{report['dataset']} {report['split']}: {report['scored']} answerable scored of {report['questions']} "
         f"questions; KB {report['kb']['documents']} docs / {report['kb']['chunks']} chunks; "
         f"query: {report['query']}"),
        f"{'group':<18}{'n':>5}" + "".join(f"{h:>9}" for h in heads),
    ]
    for name, m in report["metrics"].items():
        if not m.get("n"):
            lines.append(f"{name:<18}{0:>5}")
            continue
        lines.append(f"{name:<18}{m['n']:>5}" + "".join(f"{m[c]:>9.3f}" for c in cols))
    m = report.get("misses")
    if m and m["scored"]:
        lines.append(
            f"missed at {m['at']}: {m['missed']} of {m['scored']}; {m['gold_within_k']} with a gold document at ranks "
            f"{m['at'] + 1}-{m['k']} (reordering could reach them), {m['gold_beyond_k']} with none in the top {m['k']}"
        )
    lat = report["latency_ms"]
    lines.append(
        f"retrieval latency (search incl. query embedding, {lat['n']} queries): "
        f"p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms, max {lat['max']:.1f} ms"
    )
    ts = report["top_score"]
    if ts["answerable_mean"] is not None and ts["unanswerable_mean"] is not None:
        lines.append(
            f"mean top-1 chunk score: answerable {ts['answerable_mean']:.3f}, "
            f"unanswerable {ts['unanswerable_mean']:.3f}"
        )
    lines.append(f"ingest: {report['ingest']['summary']} in {report['ingest']['seconds']:.1f}s")
    return "\n".join(lines)
