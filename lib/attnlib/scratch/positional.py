"""Positional information: sinusoidal encodings, a learned table, RoPE and the ALiBi bias.

Attention by itself is permutation equivariant: it sees a set, not a sequence. These four
schemes put order back in — added to the embeddings (sinusoidal, learned), rotating q and k
(RoPE), or added to the scores (ALiBi).
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_float_array, check_rank, check_size


def sinusoidal_encoding(L: int, E: int, base: float = 10000.0) -> np.ndarray:
    r"""The fixed encodings of Vaswani et al. (2017), interleaved sin/cos as in the paper.

    $$PE_{p, 2i} = \sin\!\big(p / \text{base}^{2i/E}\big), \quad
    PE_{p, 2i+1} = \cos\!\big(p / \text{base}^{2i/E}\big)$$

    Returns:
        float64 array (L, E), added to token embeddings (B, L, E) by broadcasting.
    """
    L, E = check_size("L", L), check_size("E", E, 1)
    freqs = base ** (-np.arange(0, E, 2) / E)  # (ceil(E/2),): 1 / base^(2i/E)
    angles = np.arange(L)[:, None] * freqs[None, :]  # (L, 1) * (1, ceil(E/2))
    pe = np.empty((L, E + E % 2))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    return pe[:, :E]


class LearnedPositionalEmbedding:
    """A trainable (max_len, E) table; position p adds row p (GPT-2, BERT).

    Unlike sinusoidal encodings it cannot represent positions beyond ``max_len``.
    """

    def __init__(self, max_len: int, E: int, seed: int = 0, dtype: type = np.float64) -> None:
        check_size("max_len", max_len, 1)
        check_size("E", E, 1)
        self.table = (np.random.default_rng(seed).standard_normal((max_len, E)) * 0.02).astype(
            dtype
        )

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Add positions 0..L-1 to x (..., L, E)."""
        x = as_float_array("x", x)
        check_rank("x", x, 2)
        if x.shape[-2] > self.table.shape[0] or x.shape[-1] != self.table.shape[1]:
            raise ValueError(
                f"x of shape {x.shape} does not fit the table of shape {self.table.shape}"
            )
        return x + self.table[: x.shape[-2]].astype(x.dtype)  # (..., L, E) + (L, E)


def rope_angles(positions: np.ndarray, D: int, base: float = 10000.0) -> np.ndarray:
    r"""Rotation angles $\theta_{p,i} = p \cdot \text{base}^{-2i/D}$, shape (L, D/2)."""
    D = check_size("D", D, 1)
    positions = np.asarray(positions)
    if positions.ndim != 1 or not np.issubdtype(positions.dtype, np.number):
        raise ValueError(f"positions must be a 1-D array (L,) of numbers, got {positions.shape}")
    if D % 2:
        raise ValueError(f"the head dim D={D} must be even for rotary/sinusoidal pairs")
    freqs = base ** (-np.arange(0, D, 2) / D)  # (D/2,)
    return np.asarray(positions, dtype=np.float64)[:, None] * freqs[None, :]  # (L, 1) * (1, D/2)


def rope(
    x: np.ndarray,
    positions: np.ndarray | None = None,
    base: float = 10000.0,
    interleaved: bool = True,
) -> np.ndarray:
    r"""Rotary position embedding (Su et al., 2021): rotate feature pairs by position-dependent angles.

    $$\begin{pmatrix} x'_{a} \\ x'_{b} \end{pmatrix} = \begin{pmatrix} \cos\theta_{p,i} &
    -\sin\theta_{p,i} \\ \sin\theta_{p,i} & \cos\theta_{p,i} \end{pmatrix}
    \begin{pmatrix} x_{a} \\ x_{b} \end{pmatrix}$$

    Applied to q and k (not v), it makes $q_m \cdot k_n$ depend only on $m - n$.
    Paper vs practice: the paper pairs neighbours $(a, b) = (2i, 2i+1)$ (``interleaved=True``);
    GPT-NeoX/LLaMA code pairs $(i, i + D/2)$ (``interleaved=False``). Both are valid, but weights
    trained with one do not work with the other.

    Args:
        x: queries or keys (..., L, D), D even.
        positions: (L,) positions of the rows; default ``0..L-1``.

    Returns:
        array of x's shape and dtype.
    """
    x = as_float_array("x", x)
    check_rank("x", x, 2)
    L, D = x.shape[-2:]
    positions = np.arange(L) if positions is None else np.asarray(positions)
    if positions.shape != (L,):
        raise ValueError(f"positions must have shape (L,)=({L},), got {positions.shape}")
    angles = rope_angles(positions, D, base)  # (L, D/2)
    cos, sin = np.cos(angles).astype(x.dtype), np.sin(angles).astype(x.dtype)
    a, b = (x[..., 0::2], x[..., 1::2]) if interleaved else (x[..., : D // 2], x[..., D // 2 :])
    out = np.empty_like(x)
    ra, rb = a * cos - b * sin, a * sin + b * cos  # (..., L, D/2) each
    if interleaved:
        out[..., 0::2], out[..., 1::2] = ra, rb
    else:
        out[..., : D // 2], out[..., D // 2 :] = ra, rb
    return out


def rope_rotation(positions: np.ndarray, D: int, base: float = 10000.0) -> np.ndarray:
    """Block-diagonal rotation matrices R_p (L, D, D) with ``rope(x)[p] == R_p @ x[p]`` (interleaved).

    For reading, not for speed: ``rope`` applies the same rotation without building matrices.
    """
    angles = rope_angles(np.asarray(positions), D, base)  # (L, D/2)
    R = np.zeros((len(angles), D, D))
    c, s = np.cos(angles), np.sin(angles)
    i = np.arange(0, D, 2)
    R[:, i, i], R[:, i, i + 1], R[:, i + 1, i], R[:, i + 1, i + 1] = c, -s, s, c
    return R


def alibi_slopes(num_heads: int) -> np.ndarray:
    r"""Per-head ALiBi slopes (Press et al., 2022): $m_h = 2^{-8h/H}$ for H a power of two.

    Other H: the slopes for the nearest lower power of two n, then every other slope for 2n.

    Args:
        num_heads: H, at least 1.

    Returns:
        float64 array (H,).
    """
    H = check_size("num_heads", num_heads, 1)
    n = 2 ** math.floor(math.log2(H))
    slopes = 2.0 ** (-8.0 * np.arange(1, n + 1) / n)
    extra = 2.0 ** (-8.0 * np.arange(1, 2 * n + 1) / (2 * n))[0::2][: H - n]
    return np.concatenate([slopes, extra])


def alibi_bias(num_heads: int, L: int, S: int | None = None) -> np.ndarray:
    r"""ALiBi score bias (H, L, S): $-m_h\,|i + (S - L) - j|$, added to the scores as a float mask.

    Query i sits at position $i + S - L$ (the last L of S positions), so for L = S the bias is
    $-m_h (i - j)$ on and below the diagonal; combine with a causal mask for a decoder.
    """
    L = check_size("L", L)
    S = L if S is None else check_size("S", S)
    slopes = alibi_slopes(num_heads)  # (H,), checks num_heads
    distance = np.abs(np.arange(L)[:, None] + (S - L) - np.arange(S)[None, :])  # (L, S)
    return -slopes[:, None, None] * distance[None]  # (H, 1, 1) * (1, L, S)
