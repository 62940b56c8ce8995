"""Scaled dot-product attention in PyTorch: a readable path and PyTorch's fused path.

Both paths share one signature (PyTorch's) and one convention for a query row whose keys are all
masked: its output row and its weights are zeros. A plain softmax over a row of -inf gives NaN,
and so do ``nn.MultiheadAttention`` with ``need_weights=True`` and PyTorch's SDPA before 2.5;
both paths here return zeros on every PyTorch version and backend.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def causal_mask(L: int, S: int | None = None, *, offset: int = 0, device=None) -> Tensor:
    """Boolean causal mask, ``True`` = may attend: query ``i`` sees keys ``j <= i + offset``.

    ``offset=0`` is PyTorch's ``is_causal`` (top-left aligned); ``offset=S - L`` aligns the last
    query with the last key, which is what incremental decoding with a KV cache needs.

    Returns:
        bool tensor of shape (L, S).
    """
    S = L if S is None else S
    rows = torch.arange(L, device=device)[:, None] + offset  # (L, 1)
    cols = torch.arange(S, device=device)[None, :]  # (1, S)
    return cols <= rows  # (L, S)


def _check_inputs(q: Tensor, k: Tensor, v: Tensor, attn_mask: Tensor | None) -> None:
    """Raise a clear error before any arithmetic when shapes or dtypes disagree."""
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        if t.dim() < 2:
            raise ValueError(f"{name} must have shape (..., length, dim), got {tuple(t.shape)}")
        if not t.is_floating_point():
            raise TypeError(f"{name} must be a floating tensor, got {t.dtype}")
    if not (q.dtype == k.dtype == v.dtype):
        raise TypeError(f"q, k, v dtypes differ: {q.dtype}, {k.dtype}, {v.dtype}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k need the same last dim D: q {tuple(q.shape)} vs k {tuple(k.shape)}"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"k and v need the same length S: k {tuple(k.shape)} vs v {tuple(v.shape)}"
        )
    if not (q.shape[:-2] == k.shape[:-2] == v.shape[:-2]):
        raise ValueError(
            f"q, k, v batch dims differ: {tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}"
        )
    if attn_mask is not None:
        if attn_mask.dtype != torch.bool and attn_mask.dtype != q.dtype:
            raise TypeError(f"attn_mask must be bool or {q.dtype}, got {attn_mask.dtype}")
        target = (*q.shape[:-1], k.shape[-2])  # (..., L, S)
        try:
            if torch.broadcast_shapes(attn_mask.shape, target) != target:
                raise RuntimeError
        except RuntimeError:
            raise ValueError(
                f"attn_mask of shape {tuple(attn_mask.shape)} does not broadcast to "
                f"(..., L, S) = {target}"
            ) from None


def _merge_masks(q: Tensor, k: Tensor, attn_mask: Tensor | None, is_causal: bool):
    """One mask from ``attn_mask`` and ``is_causal`` (PyTorch forbids both; here they combine)."""
    if not is_causal:
        return attn_mask
    causal = causal_mask(q.shape[-2], k.shape[-2], device=q.device)  # (L, S)
    if attn_mask is None:
        return causal
    if attn_mask.dtype == torch.bool:
        return attn_mask & causal
    return attn_mask.masked_fill(~causal, float("-inf"))


def _dead_rows(mask: Tensor) -> Tensor:
    """``True`` for query rows in which no key may be attended. (..., L, S) -> (..., L, 1)."""
    if mask.dtype == torch.bool:
        return ~mask.any(dim=-1, keepdim=True)
    return torch.isneginf(mask).all(dim=-1, keepdim=True)


def scaled_dot_product_attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    attn_mask: Tensor | None = None,
    is_causal: bool = False,
    scale: float | None = None,
    fast: bool = False,
    return_weights: bool = False,
    dropout_p: float = 0.0,
) -> Tensor | tuple[Tensor, Tensor]:
    r"""Scaled dot-product attention.

    $$\operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}
    + M\right) V$$

    Args:
        q: queries (..., L, D), e.g. (B, H, L, D).
        k: keys (..., S, D).
        v: values (..., S, Dv).
        attn_mask: bool (``True`` = may attend) or additive float mask, broadcastable to
            (..., L, S).
        is_causal: query ``i`` sees keys ``j <= i`` (combined with ``attn_mask`` if both given).
        scale: score scale, default ``1 / sqrt(D)``.
        fast: use ``torch.nn.functional.scaled_dot_product_attention`` (ignored when
            ``return_weights``, which needs the weights the fused kernels never store).
        return_weights: also return the attention weights (..., L, S), before dropout.
        dropout_p: dropout probability on the weights (pass 0.0 in evaluation).

    Returns:
        output (..., L, Dv), or ``(output, weights)`` when ``return_weights``. A query row with
        every key masked gives a zero output row and zero weights.
    """
    _check_inputs(q, k, v, attn_mask)
    mask = _merge_masks(q, k, attn_mask, is_causal)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale

    if fast and not return_weights:
        if mask is None:
            return F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p, scale=scale)
        dead = _dead_rows(mask)  # (..., L, 1)
        # Let dead rows attend to everything (no NaN, finite gradients), then zero them.
        safe = mask | dead if mask.dtype == torch.bool else mask.masked_fill(dead, 0.0)
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=safe, dropout_p=dropout_p, scale=scale
        )
        return out.masked_fill(dead, 0.0)

    scores = (q @ k.transpose(-2, -1)) * scale  # (..., L, D) @ (..., D, S) -> (..., L, S)
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    dead = torch.isneginf(scores).all(dim=-1, keepdim=True)  # (..., L, 1)
    weights = torch.softmax(scores.masked_fill(dead, 0.0), dim=-1)  # (..., L, S)
    weights = weights.masked_fill(dead, 0.0)  # fully masked rows: zero weights, zero output
    dropped = F.dropout(weights, p=dropout_p) if dropout_p > 0.0 else weights
    out = dropped @ v  # (..., L, S) @ (..., S, Dv) -> (..., L, Dv)
    return (out, weights) if return_weights else out
