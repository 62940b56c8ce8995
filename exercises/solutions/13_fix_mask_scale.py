"""Reference solution: the fixed masked attention (scaled, True = may attend)."""

import numpy as np


def masked_attention_fixed(q, k, v, mask):
    """softmax(q k^T / sqrt(D) + where(mask, 0, -1e9)) v; mask (L, S) bool, True = may attend."""
    scores = q @ k.T / np.sqrt(q.shape[-1])  # (L, D) @ (D, S) -> (L, S)
    scores = scores + np.where(mask, 0.0, -1e9)  # block where the mask is False
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v
