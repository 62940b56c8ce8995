"""Splitting the model dimension E into H heads of size D = E / H, and merging them back."""

from __future__ import annotations

import numpy as np

from ._checks import check_rank, check_size


def split_heads(x: np.ndarray, num_heads: int) -> np.ndarray:
    r"""Reshape (B, L, E) to (B, H, L, D) with $D = E / H$.

    Head ``h`` gets the features ``x[..., h*D:(h+1)*D]``; this matches ``nn.MultiheadAttention``.

    Args:
        x: array (B, L, E).
        num_heads: H, which must divide E.

    Returns:
        array (B, H, L, D).
    """
    x = np.asarray(x)
    check_rank("x", x, 3, 3)
    B, L, E = x.shape
    check_size("num_heads", num_heads, 1)
    if E % num_heads != 0:
        raise ValueError(
            f"num_heads={num_heads} must be positive and divide the model dim E={E} "
            f"of x with shape {x.shape}"
        )
    D = E // num_heads
    return x.reshape(B, L, num_heads, D).transpose(0, 2, 1, 3)  # (B, L, H, D) -> (B, H, L, D)


def merge_heads(x: np.ndarray) -> np.ndarray:
    r"""Reshape (B, H, L, D) back to (B, L, E) with $E = H \cdot D$; the inverse of split_heads.

    Args:
        x: array (B, H, L, D).

    Returns:
        array (B, L, H * D).
    """
    x = np.asarray(x)
    check_rank("x", x, 4, 4)
    B, H, L, D = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, L, H * D)  # (B, H, L, D) -> (B, L, H, D) -> (B, L, E)
