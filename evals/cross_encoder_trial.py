"""A trial, not a shipped model: all-MiniLM-L6-v2 read as a cross-encoder over (question, sentence).

    python -m evals.cross_encoder_trial --data ../shared/datasets/train_squad_answerability \
        --out data/cross_encoder_trial [--pairs 16000] [--frozen-layers 2] [--seed 0] \
        [--check evals/sample_kb evals/reports/sample_kb-dev-answers --check ...]

The unit scorer (`assistant/unit_scorer.py`) reads a question and a sentence from their separate
frozen vectors; every head tried over those vectors stops near 0.85 held-out AUROC (see
`evals/README.md`). A cross-encoder reads the two together. This trains one from the MiniLM
weights the assistant already ships: the embeddings and the lowest `--frozen-layers` layers stay
frozen, the rest learn "this sentence holds the answer" through a one-logit head over the mean of
the token vectors (the pooling the sentence encoder was trained with: a head over the [CLS]
token's untrained pooler stayed at the base rate in one of two runs), from the same SQuAD pairs as
the unit scorer (`evals.unit_scorer_train.build`: positives, and negatives subsampled to three
per positive), one epoch, batches of 32, at most 128 tokens a pair. It then scores every held-out
pair (six SQuAD 2.0 articles, drawn by the seed as the unit scorer's are), and prints its AUROC
beside the unit scorer's features fitted on the same questions, both combined (two-fold over the
held-out pairs), and the time to score 15 pairs, about what one reply would read.

With `--check DATASET REPORT_DIR` (repeatable), a `switchboard eval answers` report of that
dataset (a DEV split) is read back, and each reply's draft is scored against the question's standalone form: does that score add to the
calibrator's features? It prints the cross-validated AUROC (folds by conversation, the calibrator's
own logistic regression) of correct-vs-not, pooled and per report, without and with it.

Nothing in the assistant loads the result: its figures are in `evals/README.md`. About 20 minutes
on 2 cores. Data: SQuAD 1.1 train and SQuAD 2.0 dev, CC BY-SA 4.0.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class CrossEncoder:
    """MiniLM over "question [SEP] text", mean-pooled, and a one-logit head."""

    def __init__(self, frozen_layers: int) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from knowledge.embeddings import default_model_path

        self.tokenizer = AutoTokenizer.from_pretrained(default_model_path())
        self.encoder = AutoModel.from_pretrained(default_model_path())
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)
        for part in [self.encoder.embeddings, *self.encoder.encoder.layer[:frozen_layers]]:
            for p in part.parameters():
                p.requires_grad = False

    def logits(self, pairs, max_length: int = 128):
        batch = self.tokenizer([q for q, _ in pairs], [t for _, t in pairs], truncation="only_second",
                               max_length=max_length, padding=True, return_tensors="pt")
        tokens = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return self.head((tokens * mask).sum(1) / mask.sum(1))[:, 0]

    def score(self, pairs, max_length: int = 128):
        import numpy as np
        import torch

        with torch.no_grad():
            return np.concatenate([self.logits(pairs[i : i + 32], max_length).numpy() for i in range(0, len(pairs), 32)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="directory for the trained model")
    parser.add_argument("--questions", type=int, default=3000, help="SQuAD 1.1 questions to draw pairs from")
    parser.add_argument("--pairs", type=int, default=16000, help="training pairs (one epoch)")
    parser.add_argument("--frozen-layers", type=int, default=2, help="lowest transformer layers kept frozen")
    parser.add_argument("--lr", type=float, default=4e-5, help="the encoder's (the head's is 1e-3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check", type=Path, nargs=2, action="append", default=[], metavar=("DATASET", "REPORT_DIR"),
                        help="an eval answers report of DATASET, read back to score its drafts (repeatable)")
    args = parser.parse_args()

    import numpy as np
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from assistant.terms import QuestionTerms
    from assistant.unit_scorer import pair_features
    from evals.unit_scorer_train import build
    from knowledge import Embedder

    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    train, valid = build(args.data, args.questions, 6, args.seed)
    positives = [t for t in train if t[2]]
    negatives = [t for t in train if not t[2]]
    rng.shuffle(negatives)
    train = positives + negatives[: 3 * len(positives)]
    rng.shuffle(train)
    train = train[: args.pairs]
    print(f"train {len(train)} pairs ({sum(y for *_, y in train)} positive), held out {len(valid)}", flush=True)

    model = CrossEncoder(args.frozen_layers)
    batch_size = 32
    steps = (len(train) + batch_size - 1) // batch_size
    optimizer = torch.optim.AdamW([
        {"params": [p for p in model.encoder.parameters() if p.requires_grad], "lr": args.lr},
        {"params": model.head.parameters(), "lr": 1e-3},
    ])
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 100) * max(0.0, 1 - s / steps))
    loss_of = torch.nn.BCEWithLogitsLoss()
    started = time.time()
    model.encoder.train()
    losses = []
    for step in range(steps):
        batch = train[step * batch_size : (step + 1) * batch_size]
        loss = loss_of(model.logits([(q, u) for q, u, _ in batch]), torch.tensor([float(y) for *_, y in batch]))
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        if step % 100 == 0:
            print(f"step {step}/{steps} loss {np.mean(losses[-100:]):.3f} ({time.time() - started:.0f}s)", flush=True)
    trained = time.time() - started
    model.encoder.eval()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save({"encoder": model.encoder.state_dict(), "head": model.head.state_dict()}, args.out / "cross_encoder.pt")

    cross = model.score([(q, u) for q, u, _ in valid])
    y_valid = np.array([y for *_, y in valid])

    # the unit scorer's features, fitted on the questions of the training pairs
    embedder = Embedder()
    questions = sorted({q for q, _, _ in train + valid})
    units = sorted({u for _, u, _ in train + valid})
    qv = dict(zip(questions, embedder.embed_queries(questions), strict=True))
    uv = dict(zip(units, embedder.embed(units), strict=True))
    terms = {q: QuestionTerms.of(q, lambda _: 1.0) for q in questions}

    def features(pairs):
        return np.stack([pair_features(qv[q], uv[u], terms[q], u) for q, u, _ in pairs])

    scorer = LogisticRegression(C=0.1, max_iter=3000).fit(features(train), [y for *_, y in train])
    frozen_score = scorer.decision_function(features(valid))
    both = np.c_[frozen_score, cross]
    combined = np.zeros(len(valid))
    order = np.random.default_rng(args.seed).permutation(len(valid))
    halves = order[: len(order) // 2], order[len(order) // 2 :]
    for fit, score in (halves, halves[::-1]):
        combined[score] = LogisticRegression().fit(both[fit], y_valid[fit]).decision_function(both[score])

    query, sentences = valid[0][0], [u for _, u, _ in valid[:15]]
    times = []
    for _ in range(11):
        t = time.perf_counter()
        model.score([(query, u) for u in sentences])
        times.append((time.perf_counter() - t) * 1000)
    print(f"held-out AUROC: cross-encoder {roc_auc_score(y_valid, cross):.4f}, unit scorer's features "
          f"{roc_auc_score(y_valid, frozen_score):.4f}, both {roc_auc_score(y_valid, combined):.4f}; "
          f"trained in {trained:.0f}s; 15 pairs in {np.median(times[1:]):.0f} ms (median, torch)")
    if args.check:
        adds_to_calibrator(model, args.check)


def adds_to_calibrator(model: CrossEncoder, reports: list[tuple[Path, Path]]) -> None:
    """Cross-validated AUROC of the calibrator's features for the replies of (dataset, report
    directory) pairs, without and with the cross-encoder's score of (standalone question, draft)."""
    import json
    import re

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    from assistant.calibration import features
    from assistant.rewrite import standalone_query
    from assistant.signals import Signals
    from evals.datasets import load_questions

    citation = re.compile(r"\s*\[\d+\]")
    X, y, groups, cross, names = [], [], [], [], []
    for dataset, report in reports:
        data = json.loads((report / "report.json").read_text(encoding="utf-8"))
        asked = {q.id: q for q in load_questions(dataset, data["meta"]["split"])}
        records = [r for r in data["records"] if r.get("draft") and r.get("signals")]
        pairs = [(standalone_query(r["question"], asked[r["id"]].history_pairs()), citation.sub("", r["draft"]))
                 for r in records]
        cross.extend(model.score(pairs, max_length=256))
        for r in records:
            X.append(list(features(Signals.among(r["signals"])).values()))
            y.append(int(r["correct_if_sent"]))
            groups.append(f"{report.name}/{r.get('conversation') or r['id']}")
            names.append(report.name)
    X, y, cross, names = np.array(X), np.array(y), np.array(cross), np.array(names)

    def held_out(F: np.ndarray) -> np.ndarray:
        z = np.zeros(len(y))
        for fit, score in GroupKFold(n_splits=5).split(F, y, groups):
            mean, scale = F[fit].mean(axis=0), F[fit].std(axis=0) + 1e-9
            m = LogisticRegression(C=0.3, max_iter=3000).fit((F[fit] - mean) / scale, y[fit])
            z[score] = m.decision_function((F[score] - mean) / scale)
        return z

    for label, F in (("calibrator's features", X), ("with the cross-encoder", np.c_[X, cross])):
        z = held_out(F)
        each = ", ".join(f"{n} {roc_auc_score(y[names == n], z[names == n]):.4f}" for n in dict.fromkeys(names))
        print(f"replies' AUROC, {label}: pooled {roc_auc_score(y, z):.4f} ({each})")


if __name__ == "__main__":
    main()
