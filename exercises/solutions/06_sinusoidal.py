"""Reference solution: sinusoidal positional encoding (interleaved, as in the paper)."""

import numpy as np


def sinusoidal_encoding(L, E):
    """PE[p, 2i] = sin(p / 10000^(2i/E)), PE[p, 2i+1] = cos(p / 10000^(2i/E)); shape (L, E)."""
    pos = np.arange(L)[:, None]  # (L, 1)
    freq = 10000.0 ** (-np.arange(0, E, 2) / E)  # (E/2,)
    pe = np.zeros((L, E))
    pe[:, 0::2] = np.sin(pos * freq)  # (L, 1) * (E/2,) -> (L, E/2)
    pe[:, 1::2] = np.cos(pos * freq)
    return pe
