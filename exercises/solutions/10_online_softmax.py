"""Reference solution: one online-softmax tile update (FlashAttention's inner loop)."""

import numpy as np


def online_softmax_update(m, l, acc, scores, v):
    """Fold one tile into the running state (m, l, acc) of each query row.

    m (L,) running max, l (L,) running sum of exp(s - m), acc (L, Dv) running sum of exp(s - m) v;
    scores (L, Bk), v (Bk, Dv). Returns (m_new, l_new, acc_new).
    """
    m_new = np.maximum(m, scores.max(axis=-1))  # (L,)
    safe = np.where(np.isfinite(m_new), m_new, 0.0)  # a row with nothing seen yet stays empty
    alpha = np.exp(m - safe)  # (L,) rescales the old state; exp(-inf) = 0
    p = np.exp(scores - safe[:, None])  # (L, Bk)
    l_new = alpha * l + p.sum(axis=-1)
    acc_new = alpha[:, None] * acc + p @ v  # (L, Bk) @ (Bk, Dv) -> (L, Dv)
    return m_new, l_new, acc_new
