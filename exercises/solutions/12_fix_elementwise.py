"""Reference solution: the fixed self-attention (matrix product, softmax over each row)."""

import numpy as np


def self_attention(x, W_q, W_k, W_v):
    """softmax(Q K^T / sqrt(D)) V with Q = x W_q, K = x W_k, V = x W_v; x (L, E) -> (L, D)."""
    Q, K, V = x @ W_q, x @ W_k, x @ W_v  # (L, E) @ (E, D) -> (L, D)
    scores = Q @ K.T / np.sqrt(K.shape[-1])  # (L, D) @ (D, L) -> (L, L)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = weights / weights.sum(axis=-1, keepdims=True)  # each query's row sums to 1
    return weights @ V
