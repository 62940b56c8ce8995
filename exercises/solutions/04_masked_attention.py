"""Reference solution: attention with a boolean mask; a fully masked row gives zeros."""

import numpy as np


def masked_attention(q, k, v, attn_mask):
    """softmax(q k^T / sqrt(D) with blocked scores at -inf) v; attn_mask True = may attend."""
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])  # (..., L, S)
    scores = np.where(attn_mask, scores, -np.inf)
    row_max = scores.max(axis=-1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)  # fully masked row: avoid inf - inf
    weights = np.exp(scores - row_max)  # blocked entries: exp(-inf) = 0
    total = weights.sum(axis=-1, keepdims=True)
    weights = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
    return weights @ v  # (..., L, S) @ (..., S, Dv) -> (..., L, Dv)
