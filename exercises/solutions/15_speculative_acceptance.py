"""Reference solution: the acceptance rate and the residual of speculative decoding."""

import numpy as np


def acceptance_rate(p, q):
    """p, q (..., V): target and draft distributions. Returns (...,): sum_x min(p(x), q(x))."""
    return np.minimum(p, q).sum(-1)


def residual(p, q):
    """(..., V): max(0, p - q), normalised over the last axis."""
    r = np.maximum(0.0, p - q)
    return r / r.sum(-1, keepdims=True)
