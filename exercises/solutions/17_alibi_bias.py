"""Reference solution: the ALiBi bias of a decoder (causal), for a power-of-two head count."""

import numpy as np


def alibi_bias(num_heads, L):
    """(H, L, L) additive bias: -m_h (i - j) for keys j <= i, -inf for j > i."""
    h = np.arange(1, num_heads + 1)
    m = 2.0 ** (-8.0 * h / num_heads)  # (H,) slopes
    i, j = np.arange(L)[:, None], np.arange(L)[None, :]  # queries, keys
    bias = -m[:, None, None] * (i - j)  # (H, 1, 1) * (L, L) -> (H, L, L)
    return np.where(j <= i, bias, -np.inf)
