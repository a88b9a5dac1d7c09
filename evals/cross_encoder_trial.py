"""A trial, not a shipped model: all-MiniLM-L6-v2 read as a cross-encoder over (question, sentence).

    python -m evals.cross_encoder_trial --data ../shared/datasets/train_squad_answerability \
        --out data/cross_encoder_trial [--pairs 16000] [--frozen-layers 2] [--lr 5e-5]

The unit scorer (`assistant/unit_scorer.py`) reads a question and a sentence from their separate
frozen vectors; every head tried over those vectors stops near 0.85 held-out AUROC (see
`evals/README.md`). A cross-encoder reads the two together. This trains one from the MiniLM
weights the assistant already ships: the embeddings and the lowest `--frozen-layers` layers stay
frozen, the rest and a one-logit head learn "this sentence holds the answer" from the same SQuAD
pairs as the unit scorer (`evals.unit_scorer_train.build`: positives, and negatives subsampled to
three per positive), one epoch, batches of 32, at most 128 tokens a pair. It then scores every
held-out pair (the same six SQuAD 2.0 articles as the unit scorer's), and prints its AUROC beside
the unit scorer's features fitted on the same questions, both combined (two-fold over the held-out
pairs), and the time to score 15 pairs, about what one reply would read.

Nothing in the assistant loads the result: it is the measurement a change to the reader would
start from, and its figures (and a run that did not learn) are in `evals/README.md`. About 25
minutes on 2 cores. Data: SQuAD 1.1 train and SQuAD 2.0 dev, CC BY-SA 4.0.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="directory for the trained model")
    parser.add_argument("--questions", type=int, default=3000, help="SQuAD 1.1 questions to draw pairs from")
    parser.add_argument("--pairs", type=int, default=16000, help="training pairs (one epoch)")
    parser.add_argument("--frozen-layers", type=int, default=2, help="lowest transformer layers kept frozen")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    import numpy as np
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from assistant.terms import QuestionTerms
    from assistant.unit_scorer import pair_features
    from evals.unit_scorer_train import build
    from knowledge import Embedder
    from knowledge.embeddings import default_model_path

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

    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    model = AutoModelForSequenceClassification.from_pretrained(default_model_path(), num_labels=1)
    frozen = [model.bert.embeddings, *model.bert.encoder.layer[: args.frozen_layers]]
    for part in frozen:
        for p in part.parameters():
            p.requires_grad = False

    def encode(batch):
        return tokenizer([q for q, _, _ in batch], [u for _, u, _ in batch], truncation=True, max_length=128,
                         padding=True, return_tensors="pt")

    batch_size = 32
    steps = (len(train) + batch_size - 1) // batch_size
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps))
    loss_of = torch.nn.BCEWithLogitsLoss()
    started = time.time()
    model.train()
    for step in range(steps):
        batch = train[step * batch_size : (step + 1) * batch_size]
        loss = loss_of(model(**encode(batch)).logits[:, 0], torch.tensor([float(y) for *_, y in batch]))
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 100 == 0:
            print(f"step {step}/{steps} loss {loss.item():.3f} ({time.time() - started:.0f}s)", flush=True)
    trained = time.time() - started
    model.eval()
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    tokenizer.save_pretrained(args.out)

    with torch.no_grad():
        cross = np.concatenate([model(**encode(valid[i : i + 64])).logits[:, 0].numpy() for i in range(0, len(valid), 64)])
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
    with torch.no_grad():
        model(**encode([(query, u, 0) for u in sentences]))
        times = []
        for _ in range(10):
            t = time.perf_counter()
            model(**encode([(query, u, 0) for u in sentences]))
            times.append((time.perf_counter() - t) * 1000)
    print(f"held-out AUROC: cross-encoder {roc_auc_score(y_valid, cross):.4f}, unit scorer's features "
          f"{roc_auc_score(y_valid, frozen_score):.4f}, both {roc_auc_score(y_valid, combined):.4f}; "
          f"trained in {trained:.0f}s; 15 pairs in {np.median(times):.0f} ms (median, torch)")


if __name__ == "__main__":
    main()
