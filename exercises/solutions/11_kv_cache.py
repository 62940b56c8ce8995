"""Reference solution: one decoding step with a key/value cache (one head)."""

import numpy as np


def decode_step(x, W_q, W_k, W_v, k_cache, v_cache):
    """x (B, E) is the newest token; caches (B, T, D). Returns (out (B, D), k_cache, v_cache)."""
    q, k, v = x @ W_q, x @ W_k, x @ W_v  # (B, E) @ (E, D) -> (B, D)
    k_cache = np.concatenate([k_cache, k[:, None, :]], axis=1)  # (B, T+1, D)
    v_cache = np.concatenate([v_cache, v[:, None, :]], axis=1)
    scores = np.einsum("bd,btd->bt", q, k_cache) / np.sqrt(q.shape[-1])  # (B, T+1)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    return np.einsum("bt,btd->bd", w, v_cache), k_cache, v_cache  # (B, D)
