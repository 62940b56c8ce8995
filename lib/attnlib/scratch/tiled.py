"""Tiled attention with online softmax: the FlashAttention algorithm, forward and backward, in NumPy.

Queries are processed ``block_q`` rows at a time and keys ``block_k`` columns at a time, so the
largest temporary is one (block_q, block_k) tile of scores: extra memory O(L·Dv + block_q·block_k)
instead of the O(L·S) score matrix of :func:`scaled_dot_product_attention`.

Each tile is a separate small BLAS call. Single-threaded, this is faster than the naive path
(the tile stays in cache); with a multi-threaded BLAS on a busy machine the per-call thread
synchronisation can dominate — one reason GPU kernels fuse the whole loop into one launch.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_like
from .attention import nan_positions, poison, validate_sdpa_inputs
from .backward import sum_to_shape
from .online_softmax import OnlineSoftmax


def _check_blocks(block_q: int, block_k: int) -> None:
    for name, b in (("block_q", block_q), ("block_k", block_k)):
        if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b <= 0:
            raise ValueError(f"{name} must be a positive int, got {b!r}")


def _tiles(L: int, S: int, block_q: int, block_k: int, is_causal: bool):
    """Yield (query slice, key slice, causal tile mask or None) for every tile that is not empty."""
    for i0 in range(0, L, block_q):
        rows = slice(i0, min(i0 + block_q, L))
        for j0 in range(0, S, block_k):
            cols = slice(j0, min(j0 + block_k, S))
            if is_causal and j0 > rows.stop - 1:
                break  # this tile and the rest of the row lie above the diagonal
            causal = None
            if is_causal and cols.stop - 1 > rows.start:  # the tile straddles the diagonal
                causal = (
                    np.arange(cols.start, cols.stop) <= np.arange(rows.start, rows.stop)[:, None]
                )
            yield rows, cols, causal


def _tile_scores(q, k, mask, rows, cols, causal, scale):
    """Scores of one tile (..., bq, bk), scaled and masked like attention_scores."""
    k_t = np.swapaxes(k[..., cols, :], -1, -2)  # (..., bk, D) -> (..., D, bk)
    s = (q[..., rows, :] * scale) @ k_t  # (..., bq, D) @ (..., D, bk) -> (..., bq, bk)
    if causal is not None:
        s = np.where(causal, s, -np.inf)  # (bq, bk) broadcasts over ...
    if mask is not None:
        m = mask[..., rows, cols]
        s = np.where(m, s, -np.inf) if m.dtype == np.bool_ else s + m.astype(s.dtype, copy=False)
    return s.astype(q.dtype, copy=False)


def tiled_attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    attn_mask: np.ndarray | None = None,
    is_causal: bool = False,
    scale: float | None = None,
    block_q: int = 64,
    block_k: int = 64,
    return_logsumexp: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""Scaled dot-product attention computed tile by tile with an online softmax.

    $$O_i = \sum_j \frac{e^{s_{ij} - m_i}}{l_i} V_j, \quad s_{ij} = \text{scale}\, q_i \cdot k_j + M_{ij}$$

    accumulated over key blocks with :class:`OnlineSoftmax`. Same arguments and results as
    :func:`scaled_dot_product_attention` (fully masked rows give zeros).

    Args:
        q, k, v, attn_mask, is_causal, scale: as in scaled_dot_product_attention.
        block_q: query rows per tile (need not divide L).
        block_k: key columns per tile (need not divide S).
        return_logsumexp: also return the row log-normalisers (..., L) the backward pass needs.

    Returns:
        out (..., L, Dv), and logsumexp (..., L) when requested.
    """
    q, k, v, attn_mask = validate_sdpa_inputs(q, k, v, attn_mask, is_causal, scale)
    _check_blocks(block_q, block_k)
    L, S, D, Dv = q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1]
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    scale = 1.0 / math.sqrt(D) if scale is None else float(scale)
    mask = None if attn_mask is None else np.broadcast_to(attn_mask, (*batch, L, S))  # a view
    out = np.zeros((*batch, L, Dv), dtype=q.dtype)  # (..., L, Dv)
    lse = np.full((*batch, L), -np.inf, dtype=q.dtype)  # (..., L)
    state, current = None, None
    for rows, cols, causal in _tiles(L, S, block_q, block_k, is_causal):
        if rows != current:  # a new block of queries: flush the finished one
            if state is not None:
                out[..., current, :], lse[..., current] = state.result(), state.logsumexp()
            state, current = OnlineSoftmax((*batch, rows.stop - rows.start), Dv, q.dtype), rows
        state.update(_tile_scores(q, k, mask, rows, cols, causal, scale), v[..., cols, :])
    if state is not None:
        out[..., current, :], lse[..., current] = state.result(), state.logsumexp()
    out = poison(out, nan_positions(q, k, v))  # NaN in a skipped tile still counts
    return (out, lse) if return_logsumexp else out


def tiled_attention_backward(
    dout: np.ndarray,
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    out: np.ndarray,
    logsumexp: np.ndarray,
    attn_mask: np.ndarray | None = None,
    is_causal: bool = False,
    scale: float | None = None,
    block_q: int = 64,
    block_k: int = 64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""FlashAttention backward: dQ, dK, dV tile by tile, recomputing P from the saved logsumexp.

    $$P = e^{S - \mathrm{lse}}, \; dV \mathrel{+}= P^\top dO, \; dS = P \circ (dO V^\top -
    \mathrm{rowsum}(dO \circ O)), \; dQ \mathrel{+}= \text{scale}\, dS K, \;
    dK \mathrel{+}= \text{scale}\, dS^\top Q$$

    Returns:
        (dq, dk, dv) with the shapes of q, k, v.
    """
    q, k, v, attn_mask = validate_sdpa_inputs(q, k, v, attn_mask, is_causal, scale)
    _check_blocks(block_q, block_k)
    L, S, D = q.shape[-2], k.shape[-2], q.shape[-1]
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    out_shape = (*batch, L, v.shape[-1])
    dout = check_like("dout", dout, out_shape, "the output (..., L, Dv)")
    out = check_like("out", out, out_shape, "the output (..., L, Dv)")
    logsumexp = check_like("logsumexp", logsumexp, out_shape[:-1], "the row normalisers (..., L)")
    scale = 1.0 / math.sqrt(D) if scale is None else float(scale)
    mask = None if attn_mask is None else np.broadcast_to(attn_mask, (*batch, L, S))
    delta = np.sum(dout * out, axis=-1)  # (..., L): rowsum(dO * O)
    lse = np.where(logsumexp == -np.inf, np.inf, logsumexp)  # empty rows: P = e^(-inf) = 0
    dq, dk, dv = (np.zeros((*batch, *x.shape[-2:]), dtype=q.dtype) for x in (q, k, v))
    for rows, cols, causal in _tiles(L, S, block_q, block_k, is_causal):
        s = _tile_scores(q, k, mask, rows, cols, causal, scale)  # (..., bq, bk)
        p = np.exp(s - lse[..., rows, None])  # (..., bq, bk)
        p_t, v_t = np.swapaxes(p, -1, -2), np.swapaxes(v[..., cols, :], -1, -2)
        dv[..., cols, :] += p_t @ dout[..., rows, :]  # (.., bk, bq) @ (.., bq, Dv)
        dp = dout[..., rows, :] @ v_t  # (.., bq, Dv) @ (.., Dv, bk) -> (.., bq, bk)
        ds = p * (dp - delta[..., rows, None]) * scale  # (..., bq, bk)
        dq[..., rows, :] += ds @ k[..., cols, :]  # (..., bq, bk) @ (..., bk, D)
        dk[..., cols, :] += np.swapaxes(ds, -1, -2) @ q[..., rows, :]  # (.., bk, bq) @ (.., bq, D)
    return sum_to_shape(dq, q.shape), sum_to_shape(dk, k.shape), sum_to_shape(dv, v.shape)
