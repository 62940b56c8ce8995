"""``flash_attention``: the Triton kernels behind PyTorch's autograd, with the library's signature."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from attnlib.nn.functional import nan_positions
from attnlib.scratch._checks import check_flag

from . import availability
from .availability import interpreter_active
from .launch import launch_backward, launch_forward

LOG2_E = 1.4426950408889634  # log2(e): exp(x) == exp2(x * log2(e))
SUPPORTED_DTYPES = (torch.float16, torch.bfloat16, torch.float32)
MAX_HEAD_DIM = 128


def _check_inputs(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, is_causal: bool, scale: float | None
) -> None:
    """Raise ValueError/TypeError naming what disagrees, before any kernel is launched."""
    if availability.CONFLICT is not None:
        raise RuntimeError(availability.CONFLICT)
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        if t.dim() != 4:
            raise ValueError(f"{name} must have shape (B, H, L or S, D), got {tuple(t.shape)}")
    check_flag("is_causal", is_causal)
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, (int, float))):
        raise TypeError(f"scale must be a number or None, got {type(scale).__name__}")
    if q.dtype not in SUPPORTED_DTYPES or k.dtype != q.dtype or v.dtype != q.dtype:
        raise TypeError(
            f"q, k, v must share one dtype among float16/bfloat16/float32, "
            f"got {q.dtype}, {k.dtype}, {v.dtype}"
        )
    if not (q.device == k.device == v.device):
        raise ValueError(f"q, k, v must be on one device, got {q.device}, {k.device}, {v.device}")
    want = "cpu" if interpreter_active() else "cuda"
    if q.device.type != want:
        raise ValueError(
            f"tensors are on {q.device.type} but Triton "
            + (
                "runs in its CPU interpreter (TRITON_INTERPRET=1)"
                if want == "cpu"
                else "compiles for a CUDA GPU"
            )
            + f": move them to {want}"
        )
    (B, H, L, D), (Bk, Hk, S, Dk) = q.shape, k.shape
    if k.shape != v.shape or (Bk, Hk, Dk) != (B, H, D):
        raise ValueError(
            f"expected q (B, H, L, D), k and v (B, H, S, D); got q {tuple(q.shape)}, "
            f"k {tuple(k.shape)}, v {tuple(v.shape)}"
        )
    if not 1 <= D <= MAX_HEAD_DIM:
        raise ValueError(f"head dim D must be between 1 and {MAX_HEAD_DIM}, got {D}")
    if L == 0 or S == 0 or B * H == 0:
        raise ValueError(f"empty attention: q {tuple(q.shape)}, k {tuple(k.shape)}")


class FlashAttentionFunction(torch.autograd.Function):
    """Forward and backward through the Triton kernels; saves only O and the log-sum-exp."""

    @staticmethod
    def forward(ctx, q, k, v, is_causal: bool, scale: float):
        B, H, L, D = q.shape
        S = k.shape[2]
        # (B, H, L, D) -> (B·H, L, D): one contiguous slab per (batch, head) program.
        q3, k3, v3 = (t.contiguous().view(B * H, -1, D) for t in (q, k, v))
        o = torch.empty_like(q3)  # (B·H, L, D)
        lse = torch.empty((B * H, L), device=q.device, dtype=torch.float32)  # base-2 log-sum-exp
        flags = _flags(q.dtype, D, is_causal)
        launch_forward(q3, k3, v3, o, lse, B * H, L, S, scale * LOG2_E, **flags)
        ctx.save_for_backward(q3, k3, v3, o, lse)
        ctx.shape, ctx.is_causal, ctx.scale = (B, H, L, S, D), is_causal, scale
        return o.view(B, H, L, D)

    @staticmethod
    def backward(ctx, grad_out):
        q3, k3, v3, o, lse = ctx.saved_tensors
        B, H, L, S, D = ctx.shape
        do = grad_out.contiguous().view(B * H, L, D)
        dq, dk, dv = torch.empty_like(q3), torch.empty_like(k3), torch.empty_like(v3)
        flags = _flags(q3.dtype, D, ctx.is_causal)
        launch_backward(
            q3, k3, v3, o, do, lse, dq, dk, dv, B * H, L, S, ctx.scale, ctx.scale * LOG2_E, **flags
        )
        return dq.view(B, H, L, D), dk.view(B, H, S, D), dv.view(B, H, S, D), None, None


def _flags(dtype: torch.dtype, head_dim: int, is_causal: bool) -> dict:
    # float32 inputs: exact fp32 products ("ieee"), not TF32, so fp32 results match PyTorch.
    precision = "ieee" if dtype == torch.float32 else "tf32"
    return {"IS_CAUSAL": bool(is_causal), "HEAD_DIM": head_dim, "DOT_PRECISION": precision}


def flash_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    is_causal: bool = False,
    scale: float | None = None,
) -> torch.Tensor:
    r"""Fused scaled dot-product attention (FlashAttention-2) in Triton, differentiable.

    $$\mathrm{softmax}\big(\mathrm{scale}\cdot QK^\top + M\big)V,\qquad
    \mathrm{scale} = 1/\sqrt{D}\ \text{by default},$$
    computed tile by tile with an online softmax, never materialising the ``(L, S)`` matrix.
    ``is_causal`` masks key ``j > i`` for query ``i`` (top-left aligned, like PyTorch).

    Args:
        q: queries ``(B, H, L, D)``; float16, bfloat16 or float32; CUDA, or CPU under
            the Triton interpreter.
        k: keys ``(B, H, S, D)``.
        v: values ``(B, H, S, D)``.
        is_causal: apply the causal mask.
        scale: multiplies the scores; ``1/sqrt(D)`` when ``None``.

    Returns:
        ``(B, H, L, D)``, same dtype as ``q``.

    Head dims that are not a power of two (or below 16) are zero-padded up to the next one:
    zero columns change neither ``q·k`` nor the output columns that are kept. NaN in an input
    gives NaN where PyTorch's math path has it, whatever the GPU's max/min do with NaN.
    Inputs are checked before any kernel launches (``TypeError``/``ValueError``).
    """
    _check_inputs(q, k, v, is_causal, scale)
    D = q.shape[-1]
    scale = 1.0 / math.sqrt(D) if scale is None else float(scale)
    padded = max(16, 1 << (D - 1).bit_length())  # next power of two, at least 16
    nan = nan_positions(q, k, v)  # before padding: (B, H, L, D)
    if padded != D:  # pad outside the autograd.Function, so autograd slices the gradients
        q, k, v = (F.pad(t, (0, padded - D)) for t in (q, k, v))
    out = FlashAttentionFunction.apply(q, k, v, bool(is_causal), scale)
    out = out[..., :D] if padded != D else out
    return out.masked_fill(nan, float("nan"))  # NaN as PyTorch's math path has it, on any GPU
