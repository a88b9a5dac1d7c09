"""What the knowledge base is missing, from what happened in conversations: questions the bot
handed off for low confidence, replies agents flagged as bad answers, and replies they
corrected, grouped by meaning, largest group first, each with the agents' own answers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.bot_turns import aware
from api.db import answer_flags, messages
from knowledge import Embedder

LOW_CONFIDENCE = ("low_confidence", "repeated_low_confidence", "repeats_last_reply")
KIND_ORDER = {"corrected": 0, "flagged": 1, "handed_off": 2}  # one question, several signs: the strongest


@dataclass(frozen=True)
class GapExample:
    conversation_id: str
    question: str  # the customer's line the bot answered badly or could not answer
    kind: str  # handed_off | flagged | corrected
    detail: str | None  # why it was handed off, or the flag's note
    answer: str | None  # what a person answered instead: the correction, or the first reply after the handoff
    at: datetime


@dataclass
class Gap:
    examples: list[GapExample] = field(default_factory=list)

    @property
    def kinds(self) -> dict[str, int]:
        return dict(Counter(e.kind for e in self.examples).most_common())


async def collect(engine: AsyncEngine, since: datetime) -> list[GapExample]:
    async with engine.connect() as conn:
        conversation_ids = sa.select(messages.c.conversation_id).where(messages.c.created_at >= since).distinct()
        rows = (
            await conn.execute(sa.select(messages).where(messages.c.conversation_id.in_(conversation_ids)).order_by(messages.c.id))
        ).all()
        flags = (await conn.execute(sa.select(answer_flags).where(answer_flags.c.created_at >= since))).all()
    by_conversation: dict[str, list[sa.Row]] = {}
    for row in rows:
        by_conversation.setdefault(row.conversation_id, []).append(row)
    by_id = {row.id: row for row in rows}

    def question_before(row: sa.Row) -> sa.Row | None:
        earlier = [m for m in by_conversation[row.conversation_id] if m.role == "customer" and m.id < row.id]
        return earlier[-1] if earlier else None

    def first_person_after(row: sa.Row) -> str | None:
        later = [m for m in by_conversation[row.conversation_id] if m.role == "agent" and m.corrects is None and m.id > row.id]
        return later[0].text if later else None

    found: dict[int, GapExample] = {}  # by the question's message id

    def add(bot: sa.Row, kind: str, detail: str | None, answer: str | None, at: datetime) -> None:
        question = question_before(bot)
        if question is None or aware(at) < since:
            return
        example = GapExample(bot.conversation_id, question.text, kind, detail, answer, aware(at))
        current = found.get(question.id)
        if current is None or KIND_ORDER[kind] < KIND_ORDER[current.kind]:
            found[question.id] = example

    for row in rows:
        if row.role == "bot" and row.handoff and row.handoff_reason in LOW_CONFIDENCE:
            add(row, "handed_off", row.handoff_reason.replace("_", " "), first_person_after(row), row.created_at)
        if row.role == "agent" and row.corrects is not None and row.corrects in by_id:
            add(by_id[row.corrects], "corrected", None, row.text, row.created_at)
    for flag in flags:
        if flag.message_id in by_id:
            bot = by_id[flag.message_id]
            corrections = [m.text for m in by_conversation[bot.conversation_id] if m.corrects == bot.id]
            add(bot, "flagged", flag.note, corrections[0] if corrections else first_person_after(bot), flag.created_at)
    return sorted(found.values(), key=lambda e: e.at)


def group(examples: list[GapExample], embedder: Embedder, threshold: float = 0.6) -> list[Gap]:
    """Questions that mean the same thing, together: each joins the group whose running centroid
    is nearest, if its cosine reaches `threshold`, else starts one. Largest group first."""
    if not examples:
        return []
    vectors = np.asarray(embedder.embed([e.question for e in examples]), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-12)
    groups: list[Gap] = []
    sums: list[np.ndarray] = []
    for example, vector in zip(examples, vectors, strict=True):
        if sums:
            centroids = np.stack([s / np.linalg.norm(s) for s in sums])
            scores = centroids @ vector
            best = int(np.argmax(scores))
            if scores[best] >= threshold:
                groups[best].examples.append(example)
                sums[best] = sums[best] + vector
                continue
        groups.append(Gap([example]))
        sums.append(vector.copy())
    return sorted(groups, key=lambda g: (-len(g.examples), -max(e.at.timestamp() for e in g.examples)))
