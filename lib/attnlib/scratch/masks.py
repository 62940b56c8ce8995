"""Attention masks in one convention (boolean, ``True`` = may attend) and converters from others.

Learners meet at least four conventions:

* PyTorch ``F.scaled_dot_product_attention``: boolean, ``True`` = may attend (this course's).
* PyTorch ``nn.MultiheadAttention``: boolean ``key_padding_mask`` and ``attn_mask`` where
  ``True`` = *blocked* — the opposite meaning under the same dtype.
* Additive float masks: ``0`` = attend, ``-inf`` (or ``-1e9``) = blocked, added to the scores.
* TensorFlow/Keras tutorials: ``1`` = blocked, ``0`` = attend, multiplied by ``-1e9`` and added.

Convert at the boundary with the functions below and keep one convention inside.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_size


def causal_mask(L: int, S: int | None = None, *, offset: int = 0) -> np.ndarray:
    r"""Boolean causal mask, ``True`` = may attend: query ``i`` sees keys ``j <= i + offset``.

    $$M_{ij} = [\, j \le i + o \,]$$

    Pitfall: with ``L != S`` the alignment matters. ``offset=0`` (top-left) is PyTorch's
    ``is_causal=True``; when the L queries are the *last* L positions of the S keys (decoding
    with a KV cache) the right mask is ``offset=S - L`` (bottom-right), the number of cached keys.

    Args:
        L: number of queries.
        S: number of keys (default ``L``).
        offset: position of the first query among the keys (``0``: top-left).

    Returns:
        bool array (L, S).
    """
    L = check_size("L", L)
    S = L if S is None else check_size("S", S)
    offset = check_size("offset", offset, minimum=None)
    return np.tril(np.ones((L, S), dtype=bool), k=offset)


def lengths_to_mask(lengths: np.ndarray, S: int) -> np.ndarray:
    r"""Padding mask from sequence lengths: ``True`` marks a real token, ``False`` padding.

    $$M_{bj} = [\, j < \ell_b \,]$$

    Args:
        lengths: int array (B,), each in ``[0, S]``.
        S: padded sequence length.

    Returns:
        bool array (B, S).
    """
    S = check_size("S", S)
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or not np.issubdtype(lengths.dtype, np.integer):
        raise TypeError(
            f"lengths must be a 1-D integer array (B,), got dtype {lengths.dtype} "
            f"shape {lengths.shape}"
        )
    if lengths.size and (lengths.min() < 0 or lengths.max() > S):
        raise ValueError(f"lengths must lie in [0, S={S}], got {lengths.tolist()}")
    return np.arange(S)[None, :] < lengths[:, None]  # (1, S) < (B, 1) -> (B, S)


def key_padding_to_attn_mask(mask: np.ndarray) -> np.ndarray:
    """Reshape a (B, S) key padding mask (``True`` = real token) to (B, 1, 1, S).

    The result broadcasts against scores (B, H, L, S): every head and every query sees the same
    keys. Pitfall: ``nn.MultiheadAttention``'s ``key_padding_mask`` uses ``True`` = padding;
    negate it (``~mask``) before using it here.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"key padding mask must have shape (B, S), got {mask.shape}")
    return mask[:, None, None, :]  # (B, S) -> (B, 1, 1, S)


def additive_to_bool(mask: np.ndarray, threshold: float = -1e4) -> np.ndarray:
    """Convert an additive float mask (0 = attend, -inf or -1e9 = blocked) to ``True`` = may attend.

    Pitfall: an additive mask can also carry real biases (ALiBi, relative positions); only its
    blocked/allowed pattern survives the conversion. Entries ``<= threshold`` count as blocked.
    """
    mask = np.asarray(mask)
    if not np.issubdtype(mask.dtype, np.floating):
        raise TypeError(f"additive mask must be float, got dtype {mask.dtype} shape {mask.shape}")
    return mask > threshold


def bool_to_additive(
    mask: np.ndarray, neg: float = -np.inf, dtype: np.dtype | type = np.float64
) -> np.ndarray:
    """Convert a boolean mask (``True`` = may attend) to an additive one: 0 or ``neg``.

    Pitfall: with ``neg=-1e9`` a fully masked row is *not* masked at all after softmax — every
    score in it drops by the same 1e9, which softmax ignores, so the row attends to every key
    as if unmasked. With ``-inf`` the row is empty and this course returns zeros for it.
    """
    mask = np.asarray(mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"mask must be bool, got dtype {mask.dtype} shape {mask.shape}")
    return np.where(mask, 0.0, neg).astype(dtype)


def blocked_to_allowed(mask: np.ndarray) -> np.ndarray:
    """Convert a "1 = blocked, 0 = attend" mask (Keras/TensorFlow tutorials) to ``True`` = may attend.

    Pitfall: passing such a mask straight to a function expecting ``True`` = may attend inverts
    it silently — the model attends only to padding.
    """
    return np.asarray(mask) == 0
