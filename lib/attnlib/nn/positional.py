"""Position information: sinusoidal and learned embeddings, rotary embeddings (RoPE), ALiBi."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from attnlib.scratch._checks import check_size


def _check_input(x: Tensor, offset: int, width: int, name: str = "x") -> None:
    """x is a floating tensor (..., L, width); offset a non-negative int (first position)."""
    if not isinstance(x, Tensor) or not x.is_floating_point():
        what = x.dtype if isinstance(x, Tensor) else type(x).__name__
        raise TypeError(f"{name} must be a floating torch.Tensor, got {what}")
    if x.dim() < 2 or x.shape[-1] != width:
        raise ValueError(f"{name} must have shape (..., L, {width}), got {tuple(x.shape)}")
    check_size("offset", offset)


class SinusoidalPositionalEncoding(nn.Module):
    r"""Add the fixed sinusoidal encoding of Vaswani et al. (2017) to the input.

    $$PE_{p, 2i} = \sin(p / 10000^{2i/E}), \qquad PE_{p, 2i+1} = \cos(p / 10000^{2i/E})$$

    Args:
        d_model: model dim E (even).
        max_len: longest sequence supported.
        base: the 10000 in the formula.
    """

    def __init__(self, d_model: int, max_len: int = 512, base: float = 10000.0) -> None:
        super().__init__()
        check_size("d_model", d_model, 1)
        check_size("max_len", max_len, 1)
        if d_model % 2 != 0:
            raise ValueError(f"d_model={d_model} must be even for sinusoidal encodings")
        position = torch.arange(max_len, dtype=torch.float64)[:, None]  # (max_len, 1)
        inv_freq = base ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)  # (E/2,)
        pe = torch.zeros(max_len, d_model, dtype=torch.float64)
        pe[:, 0::2] = torch.sin(position * inv_freq)  # (max_len, 1) * (E/2,) -> (max_len, E/2)
        pe[:, 1::2] = torch.cos(position * inv_freq)
        self.register_buffer("pe", pe.float(), persistent=False)  # (max_len, E)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        """x (B, L, E) -> x + PE[offset : offset + L]."""
        _check_input(x, offset, self.pe.shape[1])
        L = x.shape[-2]
        if offset + L > self.pe.shape[0]:
            raise ValueError(f"positions up to {offset + L} exceed max_len={self.pe.shape[0]}")
        return x + self.pe[offset : offset + L].to(x.dtype)  # (B, L, E) + (L, E)


class LearnedPositionalEmbedding(nn.Module):
    """Add a trained vector per position (BERT, GPT-2, ViT): ``x + P[offset : offset + L]``.

    Args:
        max_len: number of positions.
        d_model: model dim E.
    """

    def __init__(self, max_len: int, d_model: int) -> None:
        super().__init__()
        check_size("max_len", max_len, 1)
        check_size("d_model", d_model, 1)
        self.weight = nn.Parameter(torch.randn(max_len, d_model) * 0.02)  # (max_len, E)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        """x (B, L, E) -> x + P[offset : offset + L]."""
        _check_input(x, offset, self.weight.shape[1])
        L = x.shape[-2]
        if offset + L > self.weight.shape[0]:
            raise ValueError(f"positions up to {offset + L} exceed max_len={self.weight.shape[0]}")
        return x + self.weight[offset : offset + L]  # (B, L, E) + (L, E)


class RotaryEmbedding(nn.Module):
    r"""Rotary position embedding (RoPE, Su et al. 2021), applied to queries and keys.

    Each pair of features $(x_{2i}, x_{2i+1})$ at position $p$ is rotated by the angle
    $p\,\theta_i$, $\theta_i = \text{base}^{-2i/D}$:

    $$\begin{pmatrix} x'_{2i} \\ x'_{2i+1} \end{pmatrix} = \begin{pmatrix} \cos p\theta_i &
    -\sin p\theta_i \\ \sin p\theta_i & \cos p\theta_i \end{pmatrix}
    \begin{pmatrix} x_{2i} \\ x_{2i+1} \end{pmatrix}$$

    so $q_m \cdot k_n$ depends on $m - n$ only. (This is the paper's interleaved pairing; many
    codebases pair feature $i$ with $i + D/2$ instead, a permutation of the same idea.)

    Args:
        head_dim: D (even).
        base: the base of the angles.
    """

    def __init__(self, head_dim: int, base: float = 10000.0) -> None:
        super().__init__()
        check_size("head_dim", head_dim, 1)
        if head_dim % 2 != 0:
            raise ValueError(f"head_dim={head_dim} must be even for RoPE")
        self.head_dim, self.base = head_dim, base

    def rotate(self, x: Tensor, positions: Tensor) -> Tensor:
        """Rotate x (..., L, D) by its positions (L,)."""
        if x.shape[-1] != self.head_dim:
            raise ValueError(f"x of shape {tuple(x.shape)} must end in head_dim={self.head_dim}")
        dtype = torch.float64 if x.dtype == torch.float64 else torch.float32  # angles in >= fp32
        i = torch.arange(0, self.head_dim, 2, device=x.device, dtype=dtype)
        inv_freq = self.base ** (-i / self.head_dim)  # (D/2,)
        angles = positions.to(dtype)[:, None] * inv_freq  # (L, 1) * (D/2,) -> (L, D/2)
        cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
        x_even, x_odd = x[..., 0::2], x[..., 1::2]  # (..., L, D/2) each
        out_even = x_even * cos - x_odd * sin
        out_odd = x_even * sin + x_odd * cos
        pairs = torch.stack([out_even, out_odd], dim=-1)  # (..., L, D/2, 2)
        return pairs.flatten(-2)  # (..., L, D/2, 2) -> (..., L, D)

    def forward(self, q: Tensor, k: Tensor, offset: int = 0) -> tuple[Tensor, Tensor]:
        """Rotate q (..., L, D) and k (..., S, D); the first token is at position ``offset``."""
        _check_input(q, offset, self.head_dim, "q")
        _check_input(k, offset, self.head_dim, "k")
        pos_q = torch.arange(offset, offset + q.shape[-2], device=q.device)
        pos_k = torch.arange(offset, offset + k.shape[-2], device=k.device)
        return self.rotate(q, pos_q), self.rotate(k, pos_k)


def alibi_slopes(num_heads: int) -> Tensor:
    """ALiBi head slopes: the geometric sequence $2^{-8h/H}$, h = 1..H (Press et al. 2022).

    For H not a power of two, the paper's recipe: the slopes of the nearest lower power of two,
    then every other slope of the next power of two.
    """

    check_size("num_heads", num_heads, 1)

    def power_of_two(n: int) -> list[float]:
        return [2.0 ** (-8.0 * h / n) for h in range(1, n + 1)]

    lower = 2 ** math.floor(math.log2(num_heads))
    slopes = power_of_two(lower) + power_of_two(2 * lower)[0::2][: num_heads - lower]
    return torch.tensor(slopes)  # (H,)


def alibi_bias(num_heads: int, L: int, S: int | None = None, device=None) -> Tensor:
    r"""Additive ALiBi bias $-m_h\,|i - j|$, query $i$ aligned so the last query meets key $S-1$.

    Add it to the scores (pass it as a float ``attn_mask``); combine with ``is_causal`` for a
    decoder, as in the paper.

    Returns:
        float32 tensor (H, L, S).
    """
    L = check_size("L", L)
    S = L if S is None else check_size("S", S)
    slopes = alibi_slopes(num_heads)  # (H,), checks num_heads
    i = torch.arange(L, device=device)[:, None] + (S - L)  # (L, 1) query positions
    j = torch.arange(S, device=device)[None, :]  # (1, S) key positions
    distance = (i - j).abs().float()  # (L, S)
    return -slopes.to(device)[:, None, None] * distance  # (H, 1, 1) * (L, S)


class ALiBi(nn.Module):
    """Module form of :func:`alibi_bias`: ``forward(L, S)`` -> additive mask (1, H, L, S)."""

    def __init__(self, num_heads: int) -> None:
        super().__init__()
        self.num_heads = check_size("num_heads", num_heads, 1)

    def forward(self, L: int, S: int | None = None, device=None) -> Tensor:
        return alibi_bias(self.num_heads, L, S, device=device)[None]  # (1, H, L, S)
