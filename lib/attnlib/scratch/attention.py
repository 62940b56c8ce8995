"""Scaled dot-product attention in NumPy, with PyTorch's signature and semantics."""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_flag, check_mask, check_qkv, check_scale
from .masks import causal_mask
from .softmax import softmax


def attention_scores(
    q: np.ndarray,
    k: np.ndarray,
    attn_mask: np.ndarray | None = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> np.ndarray:
    r"""Masked, scaled scores $QK^\top \cdot \text{scale} + M$, with blocked entries set to ``-inf``.

    Inputs are assumed validated (see :func:`scaled_dot_product_attention`).

    Returns:
        scores (..., L, S) in q's dtype.
    """
    L, S, D = q.shape[-2], k.shape[-2], q.shape[-1]
    scale = 1.0 / math.sqrt(D) if scale is None else float(scale)
    scores = (q @ np.swapaxes(k, -1, -2)) * scale  # (..., L, D) @ (..., D, S) -> (..., L, S)
    if is_causal:
        scores = np.where(causal_mask(L, S), scores, -np.inf)  # (L, S) broadcasts over ...
    if attn_mask is not None:
        if attn_mask.dtype == np.bool_:
            scores = np.where(attn_mask, scores, -np.inf)  # (..., L, S)
        else:
            scores = scores + attn_mask.astype(scores.dtype, copy=False)  # (..., L, S)
    return scores.astype(q.dtype, copy=False)


def nan_positions(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray | None:
    """Where PyTorch's math path puts NaN in the output (..., L, Dv), or None if nowhere.

    A NaN query makes its row NaN, a NaN key every row (PyTorch adds the mask, and NaN + (-inf)
    is NaN), a NaN value its column. ``np.where`` masking and skipped tiles would drop some of
    them, so the attention functions apply this at the end: NaN never silently vanishes.
    """
    nan = _nan_rows(q, k) | np.isnan(v).any(axis=-2, keepdims=True)  # | (..., 1, Dv)
    return nan if nan.any() else None


def _nan_rows(q: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Rows whose scores hold NaN: a NaN in the row's query or in any key. -> (..., L, 1)."""
    rows = np.isnan(q).any(axis=-1, keepdims=True)  # (..., L, 1)
    return rows | np.isnan(k).any(axis=(-2, -1))[..., None, None]  # | (..., 1, 1)


def poison(x: np.ndarray, nan: np.ndarray | None) -> np.ndarray:
    """``x`` with NaN where ``nan`` is true (``x`` itself, untouched, when ``nan`` is None)."""
    return x if nan is None else np.where(nan, np.asarray(np.nan, dtype=x.dtype), x)


def validate_sdpa_inputs(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    attn_mask: np.ndarray | None,
    is_causal: bool,
    scale: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Check q, k, v, the mask, the causal flag and the scale before any arithmetic.

    Returns:
        q, k, v and the mask as arrays.
    """
    q, k, v = check_qkv(q, k, v)
    check_scale(scale)
    if check_flag("is_causal", is_causal) and attn_mask is not None:
        raise ValueError("pass either attn_mask or is_causal=True, not both (as in PyTorch)")
    if attn_mask is not None:
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2])
        attn_mask = check_mask(attn_mask, (*batch, q.shape[-2], k.shape[-2]))
    return q, k, v, attn_mask


def scaled_dot_product_attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    attn_mask: np.ndarray | None = None,
    is_causal: bool = False,
    scale: float | None = None,
    return_weights: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""Scaled dot-product attention, the formula of Vaswani et al. (2017).

    $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{D}} + M\right) V$$

    Same arguments and meaning as ``torch.nn.functional.scaled_dot_product_attention``.
    A query row whose keys are all masked gets a zero output row and zero weights (the course's
    convention; ``F.scaled_dot_product_attention`` does the same since PyTorch 2.5, while a plain
    ``softmax`` and ``nn.MultiheadAttention`` return NaN there). NaN in an input gives NaN where
    PyTorch's math path has it (:func:`nan_positions`), never a silent number.

    Args:
        q: queries (..., L, D).
        k: keys (..., S, D).
        v: values (..., S, Dv).
        attn_mask: bool (``True`` = may attend) or float (added to the scores), broadcastable
            to (..., L, S).
        is_causal: apply the top-left aligned causal mask ``causal_mask(L, S)``.
        scale: factor on the scores; default ``1 / sqrt(D)``.
        return_weights: also return the attention weights.

    Returns:
        out (..., L, Dv), and weights (..., L, S) when ``return_weights`` is true; dtype of q.
    """
    q, k, v, attn_mask = validate_sdpa_inputs(q, k, v, attn_mask, is_causal, scale)
    scores = attention_scores(q, k, attn_mask, is_causal, scale)  # (..., L, S)
    weights = softmax(scores, axis=-1)  # (..., L, S), rows sum to 1 (or 0 if fully masked)
    out = weights @ v  # (..., L, S) @ (..., S, Dv) -> (..., L, Dv)
    nan = nan_positions(q, k, v)  # None for finite inputs
    out = poison(out, nan)
    if return_weights:
        return out, poison(weights, None if nan is None else _nan_rows(q, k))
    return out
