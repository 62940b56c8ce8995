"""Small helpers shared by the exercise definitions (grader side only)."""

from __future__ import annotations

import math

import numpy as np
import torch


def t(x) -> torch.Tensor:
    """A float64 (or bool) tensor from a NumPy array or number."""
    x = np.asarray(x)
    return torch.from_numpy(x.copy()) if x.dtype == bool else torch.tensor(x, dtype=torch.float64)


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def np_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Stable softmax (used to build known wrong variants, not as an oracle)."""
    z = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def attention_weights(q, k, scale: float | None = None, axis: int = -1) -> np.ndarray:
    """softmax(q kᵀ · scale) with a chosen softmax axis (wrong variants use axis=-2)."""
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    return np_softmax(q @ np.swapaxes(k, -1, -2) * scale, axis=axis)
