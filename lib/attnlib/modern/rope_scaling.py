r"""Running a RoPE model past its training length: position interpolation, NTK-aware scaling
and YaRN, as changes to the rotation frequencies $\theta_i = b^{-2i/D}$.

For a context $s$ times the training length $L_{train}$:

* none: $\theta_i$ unchanged (positions beyond $L_{train}$ rotate to angles never seen);
* position interpolation (PI): $\theta_i / s$, i.e. positions squeezed into the trained range;
* NTK-aware: a larger base $b' = b\, s^{D/(D-2)}$, which stretches the slow (low-frequency)
  pairs by about $s$ and leaves the fast ones nearly alone;
* YaRN: per pair, interpolate by $s$ only the pairs whose wavelength $2\pi/\theta_i$ is long
  compared with $L_{train}$: with $r_i = L_{train}\,\theta_i / 2\pi$ rotations in the
  training window and $\gamma_i = \mathrm{clamp}((r_i - \alpha)/(\beta - \alpha), 0, 1)$,
  $\theta'_i = (1 - \gamma_i)\,\theta_i / s + \gamma_i\,\theta_i$; and scale $q$ and $k$ by
  $0.1 \ln s + 1$ (a softmax temperature).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from attnlib.nn.positional import RotaryEmbedding

METHODS = ("none", "pi", "ntk", "yarn")


def scaled_frequencies(head_dim: int, scale: float, method: str, base: float = 10000.0,
                       train_len: int = 64, alpha: float = 1.0, beta: float = 32.0) -> Tensor:  # fmt: skip
    """The D/2 rotation frequencies (float64) of ``method`` for a context ``scale`` times longer."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    i = torch.arange(0, head_dim, 2, dtype=torch.float64)
    theta = base ** (-i / head_dim)  # (D/2,)
    if method == "pi":
        return theta / scale
    if method == "ntk":
        return (base * scale ** (head_dim / (head_dim - 2))) ** (-i / head_dim)
    if method == "yarn":
        rotations = train_len * theta / (2 * math.pi)  # turns within the training window
        gamma = ((rotations - alpha) / (beta - alpha)).clamp(0.0, 1.0)
        return (1 - gamma) * theta / scale + gamma * theta
    return theta


class ScaledRotaryEmbedding(RotaryEmbedding):
    """:class:`~attnlib.nn.RotaryEmbedding` with the frequencies of a scaling method."""

    def __init__(self, head_dim: int, scale: float = 1.0, method: str = "none",
                 train_len: int = 64, base: float = 10000.0) -> None:  # fmt: skip
        super().__init__(head_dim, base)
        self.freqs = scaled_frequencies(head_dim, scale, method, base, train_len)
        self.mscale = 0.1 * math.log(scale) + 1.0 if method == "yarn" else 1.0

    def rotate(self, x: Tensor, positions: Tensor) -> Tensor:
        """Rotate x (..., L, D) by positions (L,) with the scaled frequencies."""
        if x.shape[-1] != self.head_dim:
            raise ValueError(f"x of shape {tuple(x.shape)} must end in head_dim={self.head_dim}")
        dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
        angles = positions.to(dtype)[:, None] * self.freqs.to(dtype)  # (L, D/2)
        cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
        x_even, x_odd = x[..., 0::2], x[..., 1::2]
        pairs = torch.stack([x_even * cos - x_odd * sin, x_even * sin + x_odd * cos], dim=-1)
        return self.mscale * pairs.flatten(-2)


def set_rope_scaling(model, scale: float, method: str, train_len: int) -> None:
    """Give every attention layer of a RoPE ``CausalLM`` the rotation of ``method``."""
    for block in model.blocks:
        attn = block.self_attn
        if attn.rotary is None:
            raise ValueError("the model has no rotary embedding (positional='rope')")
        attn.rotary = ScaledRotaryEmbedding(attn.rotary.head_dim, scale, method, train_len,
                                            attn.rotary.base)  # fmt: skip
