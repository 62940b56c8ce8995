"""Scaled dot-product attention in PyTorch: a readable path and PyTorch's fused path.

Both paths share one signature (PyTorch's) and one convention for a query row whose keys are all
masked: its output row and its weights are zeros. A plain softmax over a row of -inf gives NaN,
and so do ``nn.MultiheadAttention`` with ``need_weights=True`` and PyTorch's SDPA before 2.5;
both paths here return zeros on every PyTorch version and backend. NaN in an input comes out
where PyTorch's math path puts it (:func:`nan_positions`), on both paths: PyTorch's fused CPU
kernel alone would turn a NaN query row into zeros.
"""

from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F
from torch import Tensor

from attnlib.scratch._checks import check_flag, check_size


def causal_mask(L: int, S: int | None = None, *, offset: int = 0, device=None) -> Tensor:
    """Boolean causal mask, ``True`` = may attend: query ``i`` sees keys ``j <= i + offset``.

    ``offset=0`` is PyTorch's ``is_causal`` (top-left aligned); ``offset=S - L`` aligns the last
    query with the last key, which is what incremental decoding with a KV cache needs.
    Same signature as :func:`attnlib.scratch.causal_mask`, plus ``device``.

    Returns:
        bool tensor of shape (L, S).
    """
    L = check_size("L", L)
    S = L if S is None else check_size("S", S)
    offset = check_size("offset", offset, minimum=None)
    rows = torch.arange(L, device=device)[:, None] + offset  # (L, 1)
    cols = torch.arange(S, device=device)[None, :]  # (1, S)
    return cols <= rows  # (L, S)


def check_tensor(
    name: str, t: object, ranks: str = "(..., length, dim)", min_rank: int = 2
) -> None:
    """Raise ``TypeError`` unless ``t`` is a floating tensor, ``ValueError`` if its rank is low."""
    if not isinstance(t, Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {type(t).__name__}; convert it first, "
            f"e.g. torch.as_tensor({name}, dtype=torch.float32)"
        )
    if not t.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {t.dtype} {tuple(t.shape)}")
    if t.dim() < min_rank:
        raise ValueError(f"{name} must have shape {ranks}, got {tuple(t.shape)}")


def check_mask_dtype(name: str, mask: object) -> None:
    """A mask is a bool (``True`` = may attend / real token) or a float (additive) tensor."""
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or None, got {type(mask).__name__}")
    if mask.dtype != torch.bool and not mask.is_floating_point():
        raise TypeError(
            f"{name} must be bool (True = may attend) or float (added to the scores), got "
            f"{mask.dtype} with shape {tuple(mask.shape)}; a 0/1 integer mask is ambiguous, "
            f"convert it with {name}.bool()"
        )


def _check_inputs(
    q: Tensor, k: Tensor, v: Tensor, attn_mask: Tensor | None, is_causal: bool, scale, dropout_p
) -> None:
    """Raise a clear error before any arithmetic when types, shapes or dtypes disagree."""
    for name, t in (("q", q), ("k", k), ("v", v)):
        check_tensor(name, t)
    if not (q.dtype == k.dtype == v.dtype):
        raise TypeError(f"q, k, v dtypes differ: {q.dtype}, {k.dtype}, {v.dtype}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k need the same last dim D: q {tuple(q.shape)} vs k {tuple(k.shape)}"
        )
    if q.shape[-1] == 0:
        raise ValueError(f"the head dim D (last dim) must be at least 1, got q {tuple(q.shape)}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"k and v need the same length S: k {tuple(k.shape)} vs v {tuple(v.shape)}"
        )
    if not (q.shape[:-2] == k.shape[:-2] == v.shape[:-2]):
        raise ValueError(
            f"q, k, v batch dims differ: {tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}"
        )
    check_flag("is_causal", is_causal)
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, numbers.Real)):
        raise TypeError(f"scale must be a number or None, got {type(scale).__name__} {scale!r}")
    if not (isinstance(dropout_p, numbers.Real) and 0.0 <= dropout_p <= 1.0):
        raise ValueError(f"dropout_p must be a probability in [0, 1], got {dropout_p!r}")
    if attn_mask is not None:
        if is_causal:
            raise ValueError("pass either attn_mask or is_causal=True, not both (as in PyTorch)")
        check_mask_dtype("attn_mask", attn_mask)
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


def _dead_rows(mask: Tensor) -> Tensor:
    """``True`` for query rows in which no key may be attended. (..., L, S) -> (..., L, 1)."""
    if mask.dtype == torch.bool:
        return ~mask.any(dim=-1, keepdim=True)
    return torch.isneginf(mask).all(dim=-1, keepdim=True)


def nan_positions(q: Tensor, k: Tensor, v: Tensor) -> Tensor:
    """Where PyTorch's math path puts NaN in the output, (..., L, 1 or Dv), bool.

    A NaN query makes its row NaN; a NaN key makes every row NaN (PyTorch *adds* the mask, and
    NaN + (-inf) is NaN, so even rows that may not attend the key get it); a NaN value makes its
    column NaN (a weight of 0 times NaN is NaN). Fused kernels, masked_fill and tiles that skip
    masked keys can each lose some of these, so every path here applies this mask at the end.
    """
    return _nan_rows(q, k) | torch.isnan(v).any(dim=-2, keepdim=True)  # | (..., 1, Dv)


def _nan_rows(q: Tensor, k: Tensor) -> Tensor:
    """Rows whose scores hold NaN: a NaN in the row's query or in any key. -> (..., L, 1)."""
    rows = torch.isnan(q).any(dim=-1, keepdim=True)  # (..., L, 1)
    return rows | torch.isnan(k).flatten(-2).any(dim=-1)[..., None, None]  # | (..., 1, 1)


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
        is_causal: query ``i`` sees keys ``j <= i``: ``causal_mask(L, S)``, top-left aligned
            as in PyTorch (for a KV cache pass ``attn_mask=causal_mask(L, S, offset=S - L)``).
            Giving ``attn_mask`` too is an error, as in PyTorch.
        scale: score scale, default ``1 / sqrt(D)``.
        fast: use ``torch.nn.functional.scaled_dot_product_attention`` (ignored when
            ``return_weights``, which needs the weights the fused kernels never store).
        return_weights: also return the attention weights (..., L, S), before dropout.
        dropout_p: dropout probability on the weights (pass 0.0 in evaluation).

    Returns:
        output (..., L, Dv), or ``(output, weights)`` when ``return_weights``. A query row with
        every key masked gives a zero output row and zero weights; NaN in an input gives NaN on
        both paths.
    """
    _check_inputs(q, k, v, attn_mask, is_causal, scale, dropout_p)
    mask = causal_mask(q.shape[-2], k.shape[-2], device=q.device) if is_causal else attn_mask
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale

    nan = nan_positions(q, k, v)  # (..., L, Dv) after broadcasting
    if fast and not return_weights:
        if mask is None:
            out = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p, scale=scale)
            return out.masked_fill(nan, float("nan"))
        dead = _dead_rows(mask)  # (..., L, 1)
        # Let dead rows attend to everything (no NaN, finite gradients), then zero them.
        safe = mask | dead if mask.dtype == torch.bool else mask.masked_fill(dead, 0.0)
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=safe, dropout_p=dropout_p, scale=scale
        )
        return out.masked_fill(dead, 0.0).masked_fill(nan, float("nan"))

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
    out = out.masked_fill(nan, float("nan"))  # NaN where PyTorch's math path has it
    if return_weights:
        return out, weights.masked_fill(_nan_rows(q, k), float("nan"))
    return out
