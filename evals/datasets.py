"""Labelled question sets in the shared format (`dev.jsonl` beside a `kb.jsonl`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Turn:
    speaker: str  # "user" | "agent"
    text: str


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answerable: bool
    doc_ids: tuple[str, ...]
    answers: tuple[str, ...] = ()
    history: tuple[Turn, ...] = field(default_factory=tuple)
    domain: str | None = None
    turn: int | None = None  # 1-based turn in its conversation (multi-turn sets only)
    label: str | None = None  # e.g. ANSWERABLE | PARTIAL | UNANSWERABLE, where the set has one
    source: str | None = None
    standalone_rewrite: str | None = None  # shipped by some sets; leaks answerability, see README
    conversation_id: str | None = None
    kind: str = ""  # answerable | follow_up | unanswerable | action (the sample set says; else derived)

    @property
    def is_follow_up(self) -> bool:
        return bool(self.history) or (self.turn is not None and self.turn > 1)

    @property
    def needs_person(self) -> bool:
        """A request to act on the account: handled correctly only by a person."""
        return self.kind == "action"

    def history_pairs(self) -> list[tuple[str, str]]:
        """The conversation so far as (speaker, text) pairs, oldest first."""
        return [(t.speaker, t.text) for t in self.history]


def _kind(answerable: bool, follow_up: bool) -> str:
    if not answerable:
        return "unanswerable"
    return "follow_up" if follow_up else "answerable"


def load_questions(dataset: Path, split: str = "dev") -> list[Question]:
    path = dataset / f"{split}.jsonl"
    questions = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            turn = r.get("turn")
            questions.append(
                Question(
                    id=r["id"],
                    question=r["question"],
                    answerable=bool(r["answerable"]),
                    doc_ids=tuple(r.get("doc_ids") or ()),
                    answers=tuple(r.get("answers") or ()),
                    history=tuple(Turn(t["speaker"], t["text"]) for t in r.get("history") or ()),
                    domain=r.get("domain"),
                    turn=int(turn) if turn is not None else None,
                    label=r.get("answerability_label"),
                    source=r.get("source"),
                    standalone_rewrite=r.get("standalone_rewrite"),
                    conversation_id=r.get("conversation_id"),
                    kind=r.get("kind") or _kind(bool(r["answerable"]), bool(r.get("history"))),
                )
            )
    return questions


# ------------------------------------------------------------------------------ the dataset's KB


def kb_source(dataset: Path) -> Path:
    """What to ingest for a dataset: its `kb.jsonl`, or the folder its `dataset.yaml` names (`kb: PATH`)."""
    kb_file = dataset / "kb.jsonl"
    if kb_file.is_file():
        return kb_file
    spec = dataset / "dataset.yaml"
    if spec.is_file():
        import yaml

        target = (yaml.safe_load(spec.read_text(encoding="utf-8")) or {}).get("kb")
        if target and (dataset / target).exists():
            return (dataset / target).resolve()
    raise FileNotFoundError(
        f"{dataset}: a dataset folder holds kb.jsonl (or a dataset.yaml naming its kb) and <split>.jsonl"
    )


_EMBEDDERS: dict = {}  # model path -> Embedder: one model load per process, however many runs


def shared_embedder(model_path: str | None):
    from knowledge import Embedder

    if model_path not in _EMBEDDERS:
        _EMBEDDERS[model_path] = Embedder(model_path)
    return _EMBEDDERS[model_path]


def dataset_settings(dataset: Path, settings, data_dir: Path | None = None):
    """Settings for a dataset's own embedded store and catalog: never the configured database or
    Chroma server. Default data directory: <data dir>/evals/<dataset name>."""
    data_dir = Path(data_dir) if data_dir else settings.data_dir / "evals" / dataset.resolve().name
    return settings.model_copy(
        update={"data_dir": data_dir, "database_url": None, "chroma_url": None, "collection": "switchboard"}
    )


def open_dataset_kb(dataset: Path, eval_settings, *, embedder=None, quiet: bool = False, log=print):
    """The dataset's knowledge base, synced (incrementally: a rerun embeds nothing). Returns (kb, report, seconds)."""
    import sys
    import time

    from ingest import Chunker, sync
    from knowledge import KnowledgeBase

    source = kb_source(dataset)
    kb = KnowledgeBase(eval_settings, embedder=embedder or shared_embedder(eval_settings.embedding_model))
    started = time.perf_counter()
    bar = None
    if not quiet:
        from tqdm import tqdm

        bar = tqdm(total=0, unit="chunk", desc="embedding", file=sys.stderr, leave=False)
    size = source.stat().st_size if source.is_file() else 0
    try:
        report = sync(
            kb,
            [source],
            chunker=Chunker(eval_settings.chunk_size, eval_settings.chunk_overlap),
            # a whole KB in one JSONL file: the per-document limit must not refuse it
            max_doc_bytes=max(eval_settings.max_doc_bytes, size),
            progress=bar.update if bar else None,
            on_total=(lambda n: setattr(bar, "total", n)) if bar else None,
            on_wait=lambda: log(f"another run is indexing {dataset.name}: waiting for it to finish"),
        )
    except BaseException:
        kb.close()
        raise
    finally:
        if bar:
            bar.close()
    for refusal in report.refused:
        log(f"refused: {refusal.where}: {refusal.reason}")
    return kb, report, time.perf_counter() - started
