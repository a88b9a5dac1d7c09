"""Train the answer-unit scorer that ships as `assistant/models/unit_scorer.json`.

    python -m evals.unit_scorer_train --data ../shared/datasets/train_squad_answerability \
        --out assistant/models/unit_scorer.json [--questions 8000]

What it learns: does this sentence (an answer unit, `knowledge.units.split_units`) hold the answer
to this question? It reads only what the assistant already has for free at reply time — the
question's vector (the query encoder), the unit's vector (stored at ingest) and a few word
counts — so scoring every unit of every retrieved chunk costs microseconds, not a model run.

Features (`assistant.unit_scorer.pair_features`): the element-wise product and absolute
difference of the two vectors, their cosine, the share of the question's words in the unit, and
whether the unit holds the kind of answer the question asks for. Model: logistic regression.

Data: SQuAD 1.1 train (the gold paragraph's sentences: the one holding a gold answer is positive,
the others negative; every sentence of the mined same-article paragraph is negative) and SQuAD 2.0
dev (likewise; every sentence of an adversarial unanswerable question's paragraph is negative),
CC BY-SA 4.0. A few SQuAD 2.0 articles are held out to report validation AUROC.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from knowledge.units import split_units  # noqa: E402

_NORM = re.compile(r"[^a-z0-9 ]+")


def _norm(text: str) -> str:
    return " ".join(w for w in _NORM.sub(" ", text.lower()).split() if w not in ("a", "an", "the"))


def labelled_units(row: dict) -> list[tuple[str, int]]:
    answers = [_norm(a) for a in row.get("answers") or [] if _norm(a)]
    units = split_units(row["passage"])
    if not row["answerable"]:
        return [(u, 0) for u in units]
    labels = [int(any(a in _norm(u) for a in answers)) for u in units]
    return list(zip(units, labels, strict=True)) if any(labels) else []


def build(data: Path, n_questions: int, holdout_articles: int, seed: int):
    rng = random.Random(seed)
    rows = [json.loads(line) for line in (data / "train.jsonl").open(encoding="utf-8")]
    pairs = sorted({r["pair_id"] for r in rows})
    rng.shuffle(pairs)
    keep = set(pairs[:n_questions])
    train = [(r["question"], u, y) for r in rows if r["pair_id"] in keep for u, y in labelled_units(r)]
    dev_rows = [json.loads(line) for line in (data / "squad20_dev.jsonl").open(encoding="utf-8")]
    titles = sorted({r["title"] for r in dev_rows})
    rng.shuffle(titles)
    held = set(titles[:holdout_articles])
    valid = []
    for r in dev_rows:
        (valid if r["title"] in held else train).extend((r["question"], u, y) for u, y in labelled_units(r))
    return train, valid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=8000, help="SQuAD 1.1 questions to draw from")
    parser.add_argument("--holdout-articles", type=int, default=6)
    parser.add_argument("--c", type=float, default=0.1, help="inverse L2 regularisation")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--cache", type=Path, help="cache the embeddings here (.npz)")
    args = parser.parse_args()

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from assistant.terms import QuestionTerms
    from assistant.unit_scorer import UnitScorer, pair_features
    from knowledge import Embedder

    train, valid = build(args.data, args.questions, args.holdout_articles, args.seed)
    print(f"train {len(train)} pairs ({sum(y for *_, y in train)} positive), valid {len(valid)}", flush=True)
    texts_q = sorted({q for q, _, _ in train + valid})
    texts_u = sorted({u for _, u, _ in train + valid})
    started = time.time()
    if args.cache and args.cache.exists():
        cached = np.load(args.cache, allow_pickle=False)
        qv, uv = cached["q"], cached["u"]
    else:
        embedder = Embedder()
        qv = embedder.embed_queries(texts_q)  # questions as the server embeds them
        uv = embedder.embed(texts_u, show_progress=True)  # units as ingest embeds them
        if args.cache:
            np.savez(args.cache, q=qv, u=uv)
    print(f"embedded {len(texts_q)} questions and {len(texts_u)} units in {time.time() - started:.0f}s", flush=True)
    qi = {t: i for i, t in enumerate(texts_q)}
    ui = {t: i for i, t in enumerate(texts_u)}
    uniform = lambda _: 1.0  # noqa: E731  (no knowledge base to weigh words by, in training)
    terms = {q: QuestionTerms.of(q, uniform) for q in texts_q}

    def matrix(pairs):
        X = np.stack([pair_features(qv[qi[q]], uv[ui[u]], terms[q], u) for q, u, _ in pairs])
        return X, np.array([y for *_, y in pairs])

    Xt, yt = matrix(train)
    Xv, yv = matrix(valid)
    model = LogisticRegression(C=args.c, max_iter=3000)
    model.fit(Xt, yt)
    auroc = float(roc_auc_score(yv, model.decision_function(Xv)))
    print(f"valid AUROC {auroc:.4f} (unit holds the answer vs not)", flush=True)
    scorer = UnitScorer(coef=model.coef_[0].tolist(), intercept=float(model.intercept_[0]),
                        meta={"valid_auroc": round(auroc, 4), "train_pairs": len(train), "valid_pairs": len(valid),
                              "data": "SQuAD 1.1 train + SQuAD 2.0 dev (CC BY-SA 4.0)",
                              "args": {k: str(v) for k, v in vars(args).items()}})
    scorer.save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
