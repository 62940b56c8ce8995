"""Reference solution: a causal sliding-window mask with attention sinks."""

import numpy as np


def sink_window_mask(L, window, sinks):
    """(L, L) bool, True = may attend: j <= i and (i - j < window or j < sinks)."""
    i = np.arange(L)[:, None]  # (L, 1) queries
    j = np.arange(L)[None, :]  # (1, L) keys
    return (j <= i) & ((i - j < window) | (j < sinks))
