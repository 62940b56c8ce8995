"""Reference solution: rotary position embedding, neighbouring pairs (2i, 2i+1)."""

import numpy as np


def rope(x, positions=None, base=10000.0):
    """Rotate each pair (x_2i, x_2i+1) of x (..., L, D) by angle position * base^(-2i/D)."""
    L, D = x.shape[-2:]
    positions = np.arange(L) if positions is None else np.asarray(positions)
    theta = base ** (-np.arange(0, D, 2) / D)  # (D/2,)
    angle = positions[:, None] * theta  # (L, D/2)
    cos, sin = np.cos(angle), np.sin(angle)
    a, b = x[..., 0::2], x[..., 1::2]  # (..., L, D/2) each
    out = np.empty_like(x, dtype=float)
    out[..., 0::2] = a * cos - b * sin
    out[..., 1::2] = a * sin + b * cos
    return out
