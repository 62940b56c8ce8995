"""Online softmax: a softmax-weighted sum computed one block of keys at a time.

The running state per query row is a maximum ``m``, a sum ``l`` of exponentials relative to it
and an accumulator ``acc`` of weighted values. When a new block raises the maximum, the old
sum and accumulator are rescaled by ``exp(m_old - m_new)``; after the last block
``acc / l`` equals ``softmax(scores) @ values`` exactly (up to rounding), without ever holding
a full row of scores (Milakov & Gimelshein, 2018; FlashAttention, Dao et al., 2022).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array


class OnlineSoftmax:
    r"""Running max, sum and weighted accumulator for a softmax over a stream of score blocks.

    For each new block of scores $s$ (and values $V$):

    $$m' = \max(m, \max_j s_j), \quad l' = e^{m - m'} l + \sum_j e^{s_j - m'}, \quad
    \mathrm{acc}' = e^{m - m'}\,\mathrm{acc} + e^{s - m'} V$$

    Blocks that are entirely ``-inf`` (masked) leave the state unchanged; rows that never see a
    finite score end with ``l = 0`` and give a zero result (the course's fully-masked convention).
    A NaN score makes its row NaN, as in :func:`softmax`: it is not mistaken for a masked row.

    Args:
        rows: shape of the row index, e.g. (..., L) for L queries.
        value_dim: Dv, the width of the values; 0 to track only the normaliser.
        dtype: float dtype of the state.
    """

    def __init__(self, rows: tuple[int, ...], value_dim: int = 0, dtype: type = np.float64):
        self.max = np.full(rows, -np.inf, dtype=dtype)  # (..., L)
        self.sum = np.zeros(rows, dtype=dtype)  # (..., L)
        self.acc = np.zeros((*rows, value_dim), dtype=dtype)  # (..., L, Dv)

    def update(self, scores: np.ndarray, values: np.ndarray | None = None) -> None:
        """Fold in one block: scores (..., L, Sb), values (..., Sb, Dv) or None.

        ``scores`` is overwritten (used as scratch space for the exponentials).
        """
        scores = as_float_array("scores", scores)
        if scores.shape[:-1] != self.max.shape:
            raise ValueError(
                f"scores of shape {scores.shape} must be (..., L, Sb) with (..., L) = "
                f"{self.max.shape}, the rows this state was made for"
            )
        if values is not None:
            values = as_float_array("values", values)
            want = (*self.max.shape[:-1], scores.shape[-1], self.acc.shape[-1])
            try:
                fits = np.broadcast_shapes(values.shape, want) == want
            except ValueError:
                fits = False
            if not fits:
                raise ValueError(
                    f"values of shape {values.shape} do not broadcast to (..., Sb, Dv) = {want}"
                )
        new_max = np.maximum(self.max, scores.max(axis=-1))  # (..., L)
        safe_max = np.where(new_max == -np.inf, 0, new_max).astype(self.max.dtype)  # no inf - inf
        alpha = np.exp(self.max - safe_max)  # (..., L) rescales the old state; 0 when m was -inf
        scores -= safe_max[..., None]  # (..., L, Sb) - (..., L, 1)
        p = np.exp(scores, out=scores)  # (..., L, Sb), unnormalised weights
        self.sum = alpha * self.sum + p.sum(axis=-1)
        if values is not None:
            self.acc *= alpha[..., None]
            self.acc += p @ values  # (..., L, Sb) @ (..., Sb, Dv) -> (..., L, Dv)
        self.max = new_max

    def result(self) -> np.ndarray:
        """``acc / l``: the softmax-weighted sum of the values (..., L, Dv); zero rows stay zero.

        Only ``l == 0`` (no finite score) gives zeros; ``l`` = NaN divides, so NaN stays NaN.
        """
        total = self.sum[..., None]  # (..., L, 1)
        return np.divide(self.acc, total, out=np.zeros_like(self.acc), where=total != 0)

    def logsumexp(self) -> np.ndarray:
        r"""$m + \log l$ per row (..., L): the log of the softmax normaliser; ``-inf`` if empty."""
        with np.errstate(divide="ignore"):
            return self.max + np.log(self.sum)
