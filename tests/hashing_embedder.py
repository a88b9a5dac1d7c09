"""A tiny stand-in for the sentence model, for tests that need many processes to embed fast: each
text is the normalised bag of its words (`knowledge.lexical.tokenize`), hashed into DIMENSION
slots. Texts that share words are near; it loads nothing, and every process gives a text the same
vector."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from knowledge.lexical import tokenize

DIMENSION = 512


def _vector(text: str) -> np.ndarray:
    v = np.zeros(DIMENSION, dtype=np.float32)
    for token in tokenize(text):
        h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big")
        v[h % DIMENSION] += 1.0 if (h >> 32) & 1 else -1.0
    norm = float(np.linalg.norm(v))
    if norm == 0:
        v[0] = norm = 1.0
    return v / norm


class HashingEmbedder:
    model_path = None

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return np.stack([_vector(t) for t in texts]) if texts else np.zeros((0, DIMENSION), dtype=np.float32)

    def embed_one(self, text: str) -> np.ndarray:
        return _vector(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts)
