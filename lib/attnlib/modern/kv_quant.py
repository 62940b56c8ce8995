r"""An int8 KV cache: keys and values stored as 8-bit integers with one scale per vector.

Symmetric absmax quantisation of each key (or value) vector $x \in \mathbb{R}^D$ of one token
and one head:

$$s = \frac{\max_i |x_i|}{127}, \qquad \hat x = \operatorname{round}(x / s) \in [-127, 127],
\qquad x \approx s\, \hat x, \qquad |x_i - s \hat x_i| \le s / 2 .$$

A token then costs $D$ bytes plus one scale per head instead of $2D$ (bfloat16) or $4D$
(float32) bytes. :class:`Int8KVCache` is a drop-in :class:`~attnlib.nn.KVCache` that stores
the integers and hands attention the dequantised values.
Shapes: x (..., D) -> codes (..., D) int8, scales (..., 1).
"""

from __future__ import annotations

import torch
from torch import Tensor

from attnlib.nn.kv_cache import KVCache


def quantize_int8(x: Tensor) -> tuple[Tensor, Tensor]:
    """Codes (..., D) int8 and scales (..., 1) (x's dtype) with ``x ≈ scales * codes``."""
    if not isinstance(x, Tensor) or not x.is_floating_point():
        what = x.dtype if isinstance(x, Tensor) else type(x).__name__
        raise TypeError(f"x must be a floating tensor (..., D), got {what}")
    if x.dim() == 0 or x.shape[-1] == 0:
        raise ValueError(f"x must have a last dimension D >= 1, got shape {tuple(x.shape)}")
    scale = x.abs().amax(dim=-1, keepdim=True) / 127  # (..., 1)
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))  # an all-zero vector: s = 1
    codes = torch.round(x / scale).clamp(-127, 127).to(torch.int8)  # (..., D)
    return codes, scale


def dequantize_int8(codes: Tensor, scale: Tensor) -> Tensor:
    """``scale * codes`` in the scale's dtype: (..., D)."""
    if codes.dtype != torch.int8:
        raise TypeError(f"codes must be int8, got {codes.dtype}")
    if scale.shape != codes.shape[:-1] + (1,):
        raise ValueError(f"scale {tuple(scale.shape)} must be codes' shape {tuple(codes.shape)} "
                         "with a last dimension of 1")  # fmt: skip
    return codes.to(scale.dtype) * scale


class Int8KVCache(KVCache):
    """A KV cache that keeps int8 codes and per-vector scales; attention reads dequantised
    keys and values (B, H_kv, S, D)."""

    def __init__(self) -> None:  # no float tensors: k and v are dequantised on demand
        self.codes: dict[str, Tensor] = {}  # "k", "v" -> (B, H_kv, S, D) int8
        self.scales: dict[str, Tensor] = {}  # "k", "v" -> (B, H_kv, S, 1)

    @property
    def k(self) -> Tensor | None:
        """The cached keys, dequantised: (B, H_kv, S, D)."""
        return dequantize_int8(self.codes["k"], self.scales["k"]) if self.codes else None

    @property
    def v(self) -> Tensor | None:
        """The cached values, dequantised: (B, H_kv, S, D)."""
        return dequantize_int8(self.codes["v"], self.scales["v"]) if self.codes else None

    def __len__(self) -> int:
        return 0 if not self.codes else self.codes["k"].shape[-2]

    def update(self, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Quantise and append new keys and values (B, H_kv, L_new, D); return all, dequantised."""
        self._check(k, v)
        for name, new in (("k", k), ("v", v)):
            codes, scale = quantize_int8(new)
            if name in self.codes:
                codes = torch.cat([self.codes[name], codes], dim=-2)
                scale = torch.cat([self.scales[name], scale], dim=-2)
            self.codes[name], self.scales[name] = codes, scale
        return (dequantize_int8(self.codes["k"], self.scales["k"]),
                dequantize_int8(self.codes["v"], self.scales["v"]))  # fmt: skip

    def nbytes(self, scale_bytes: int = 2) -> int:
        """Bytes stored: the int8 codes plus one scale of ``scale_bytes`` per vector."""
        return sum(c.numel() + self.scales[n].numel() * scale_bytes for n, c in self.codes.items())

    def reset(self) -> None:
        self.codes, self.scales = {}, {}
