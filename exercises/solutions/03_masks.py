"""Reference solution: causal and padding masks (True = may attend)."""

import numpy as np


def causal_mask(L, S=None):
    """(L, S) bool: query i may attend to keys j <= i."""
    S = L if S is None else S
    return np.tril(np.ones((L, S), dtype=bool))


def lengths_to_mask(lengths, S):
    """(B, S) bool: True at positions 0 .. lengths[b] - 1 (real tokens)."""
    return np.arange(S)[None, :] < np.asarray(lengths)[:, None]  # (1, S) < (B, 1) -> (B, S)
