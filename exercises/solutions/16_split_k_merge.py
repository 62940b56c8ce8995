"""Reference solution: merge the partial results of split-K (FlashDecoding) attention."""

import numpy as np


def merge_partials(outs, lses):
    """outs (n, B, D), lses (n, B) -> (out (B, D), lse (B,)): one softmax over all keys."""
    m = lses.max(0)  # (B,)
    w = np.exp(lses - m)  # (n, B): each chunk's mass, scaled by exp(-m)
    total = w.sum(0)  # (B,)
    out = (w[..., None] * outs).sum(0) / total[..., None]  # (n, B, D) -> (B, D)
    return out, m + np.log(total)
