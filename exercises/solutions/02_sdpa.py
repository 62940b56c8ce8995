"""Reference solution: scaled dot-product attention."""

import numpy as np


def scaled_dot_product_attention(q, k, v):
    """softmax(q k^T / sqrt(D)) v; returns (out (..., L, Dv), weights (..., L, S))."""
    scores = (
        q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    )  # (..., L, D) @ (..., D, S) -> (..., L, S)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights  # (..., L, S) @ (..., S, Dv) -> (..., L, Dv)
