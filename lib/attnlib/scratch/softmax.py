"""Numerically stable softmax and log-softmax.

A row that is entirely ``-inf`` (every key masked out) has no meaningful distribution; by the
course's convention its softmax is a row of zeros (never NaN) and its log-softmax is ``-inf``.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array


def _safe_max(x: np.ndarray, axis: int) -> np.ndarray:
    """Row maximum, with 0 in place of ``-inf`` so that ``x - max`` never computes ``-inf + inf``."""
    m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)  # initial: empty rows too
    return np.where(m == -np.inf, np.zeros((), dtype=x.dtype), m)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Softmax along ``axis``, stable for large inputs.

    $$\mathrm{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}}, \quad m = \max_j x_j$$

    Subtracting the maximum changes nothing mathematically but keeps ``exp`` from overflowing.

    Args:
        x: float array of any shape.
        axis: the axis that sums to one.

    Returns:
        Array of ``x``'s shape and dtype; rows along ``axis`` sum to 1, or are all 0 when the
        row is entirely ``-inf``. A row containing NaN stays NaN, so upstream bugs stay visible.
    """
    x = as_float_array("x", x)
    e = np.exp(x - _safe_max(x, axis))
    total = np.sum(e, axis=axis, keepdims=True)
    # total is 0 only for an all -inf row; a NaN anywhere in the row stays NaN (bugs stay visible).
    return np.divide(e, total, out=np.zeros_like(e), where=total != 0)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Logarithm of the softmax along ``axis``, computed without forming the softmax.

    $$\log \mathrm{softmax}(x)_i = x_i - m - \log \sum_j e^{x_j - m}$$

    Args:
        x: float array of any shape.
        axis: the axis to normalise over.

    Returns:
        Array of ``x``'s shape and dtype; an all ``-inf`` row gives ``-inf`` (log of 0), not NaN.
    """
    x = as_float_array("x", x)
    m = _safe_max(x, axis)
    total = np.sum(np.exp(x - m), axis=axis, keepdims=True)
    log_total = np.log(np.where(total != 0, total, np.ones((), dtype=x.dtype)))
    return np.where(total != 0, x - m - log_total, np.asarray(-np.inf, dtype=x.dtype))
