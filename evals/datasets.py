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


def load_questions(dataset: Path, split: str = "dev") -> list[Question]:
    path = dataset / f"{split}.jsonl"
    questions = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            questions.append(
                Question(
                    id=r["id"],
                    question=r["question"],
                    answerable=bool(r["answerable"]),
                    doc_ids=tuple(r.get("doc_ids") or ()),
                    answers=tuple(r.get("answers") or ()),
                    history=tuple(Turn(t["speaker"], t["text"]) for t in r.get("history") or ()),
                    domain=r.get("domain"),
                )
            )
    return questions
