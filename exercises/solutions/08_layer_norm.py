"""Reference solution: layer normalisation over the last axis."""

import numpy as np


def layer_norm(x, gamma, beta, eps=1e-5):
    """gamma * (x - mean) / sqrt(var + eps) + beta, statistics over the last axis (E)."""
    mean = x.mean(axis=-1, keepdims=True)  # (..., 1)
    var = x.var(axis=-1, keepdims=True)  # biased: divides by E
    return gamma * (x - mean) / np.sqrt(var + eps) + beta
