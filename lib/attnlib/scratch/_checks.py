"""Input validation shared by the scratch modules.

Every check runs before any arithmetic and raises a ``ValueError`` (wrong shape) or a
``TypeError`` (wrong dtype) whose message names the shapes or dtypes that disagree, so a
learner sees "k has shape (2, 5, 8) but v has shape (2, 6, 8)" instead of a broadcasting
traceback from deep inside NumPy.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_size(name: str, value: object, minimum: int | None = 0) -> int:
    """Return ``value`` as an int, raising unless it is an integer ``>= minimum`` (not a bool).

    ``minimum=None``: any integer (an offset may be negative).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {name}={value}")
    return int(value)


def check_flag(name: str, value: object) -> bool:
    """Return ``value`` as a bool, raising ``TypeError`` unless it is a Python or NumPy bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_scale(scale: object) -> float | None:
    """``None`` or a real number (the factor on the scores)."""
    if scale is None:
        return None
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale must be a number or None, got {type(scale).__name__} {scale!r}")
    return scale


def check_like(name: str, x: object, shape: tuple[int, ...], what: str) -> np.ndarray:
    """A float array of exactly ``shape``, e.g. the upstream gradient ``dout`` of an output.

    ``what`` names the thing whose shape it must have, for the message.
    """
    arr = as_float_array(name, x)
    if arr.shape != tuple(shape):
        raise ValueError(f"{name} must have the shape of {what} {tuple(shape)}, got {arr.shape}")
    return arr


def as_float_array(name: str, x: object) -> np.ndarray:
    """Return ``x`` as an ndarray, raising ``TypeError`` unless its dtype is floating point."""
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(
            f"{name} must be a floating-point array, got dtype {arr.dtype} with shape "
            f"{arr.shape}; convert it first, e.g. {name}.astype(np.float32)"
        )
    return arr


def check_rank(name: str, x: np.ndarray, min_rank: int, max_rank: int | None = None) -> None:
    """Raise ``ValueError`` unless ``min_rank <= x.ndim <= max_rank``."""
    if x.ndim < min_rank or (max_rank is not None and x.ndim > max_rank):
        wanted = f"{min_rank}" if max_rank == min_rank else f">= {min_rank}"
        if max_rank is not None and max_rank != min_rank:
            wanted = f"{min_rank} to {max_rank}"
        raise ValueError(f"{name} must have {wanted} dimensions, got shape {x.shape}")


def check_qkv(q: object, k: object, v: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate q (..., L, D), k (..., S, D), v (..., S, Dv); return them as float arrays."""
    q, k, v = as_float_array("q", q), as_float_array("k", k), as_float_array("v", v)
    for name, x in (("q", q), ("k", k), ("v", v)):
        check_rank(name, x, 2)
    if not q.dtype == k.dtype == v.dtype:
        raise TypeError(
            f"q, k and v must share one dtype, got q {q.dtype} {q.shape}, "
            f"k {k.dtype} {k.shape}, v {v.dtype} {v.shape}"
        )
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k must have the same head dim D (last axis): q has shape {q.shape}, "
            f"k has shape {k.shape}"
        )
    if q.shape[-1] == 0:
        raise ValueError(f"the head dim D (last axis) must be at least 1, got q of shape {q.shape}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"k and v must have the same number of keys S (axis -2): k has shape {k.shape}, "
            f"v has shape {v.shape}"
        )
    try:
        np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(
            f"the leading (batch) dims of q {q.shape}, k {k.shape} and v {v.shape} do not broadcast"
        ) from None
    return q, k, v


def check_mask(mask: object, scores_shape: tuple[int, ...]) -> np.ndarray:
    """Validate an attention mask: bool or float, broadcastable to ``scores_shape`` (..., L, S)."""
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ and not np.issubdtype(mask.dtype, np.floating):
        raise TypeError(
            f"attn_mask must be bool (True = may attend) or float (added to the scores), "
            f"got dtype {mask.dtype} with shape {mask.shape}; a 0/1 integer mask is ambiguous, "
            "convert it with mask.astype(bool) or blocked_to_allowed(mask)"
        )
    try:
        shape = np.broadcast_shapes(mask.shape, scores_shape)
    except ValueError:
        shape = None
    if shape != tuple(scores_shape):
        raise ValueError(
            f"attn_mask of shape {mask.shape} does not broadcast to the scores shape "
            f"{tuple(scores_shape)} (..., L, S)"
        )
    return mask
