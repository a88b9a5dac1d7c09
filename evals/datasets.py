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

    @property
    def is_follow_up(self) -> bool:
        return bool(self.history) or (self.turn is not None and self.turn > 1)

    def history_pairs(self) -> list[tuple[str, str]]:
        """The conversation so far as (speaker, text) pairs, oldest first."""
        return [(t.speaker, t.text) for t in self.history]


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
                )
            )
    return questions
