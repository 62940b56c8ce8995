"""The non-attention parts of a Transformer block: layer normalisation and the feed-forward network."""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_float_array


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    r"""Layer normalisation over the last axis (Ba et al., 2016), as ``torch.nn.LayerNorm``.

    $$\mathrm{LN}(x) = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta, \quad
    \mu, \sigma^2 = \text{mean and biased variance of } x \text{ over } E$$

    Args:
        x: (..., E). gamma, beta: (E,).

    Returns:
        array (..., E) in x's dtype.
    """
    x = as_float_array("x", x)
    if np.shape(gamma) != x.shape[-1:] or np.shape(beta) != x.shape[-1:]:
        raise ValueError(
            f"gamma {np.shape(gamma)} and beta {np.shape(beta)} must have shape (E,)=({x.shape[-1]},) "
            f"for x of shape {x.shape}"
        )
    mean = x.mean(axis=-1, keepdims=True)  # (..., 1)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)  # (..., 1), biased like PyTorch
    x_hat = (x - mean) / np.sqrt(var + eps)
    return (x_hat * gamma + beta).astype(x.dtype, copy=False)


def relu(x: np.ndarray) -> np.ndarray:
    r"""$\max(0, x)$."""
    return np.maximum(x, 0)


def gelu(x: np.ndarray) -> np.ndarray:
    r"""Exact GELU (Hendrycks & Gimpel, 2016), PyTorch's default: $x\,\Phi(x) = \tfrac{x}{2}(1 +
    \mathrm{erf}(x/\sqrt{2}))$."""
    from scipy.special import erf  # here, so that importing attnlib.scratch needs only NumPy

    x = as_float_array("x", x)
    return (0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))).astype(x.dtype, copy=False)


ACTIVATIONS = {"relu": relu, "gelu": gelu}


def feed_forward(
    x: np.ndarray,
    W1: np.ndarray,
    b1: np.ndarray,
    W2: np.ndarray,
    b2: np.ndarray,
    activation: str = "relu",
) -> np.ndarray:
    r"""Position-wise feed-forward network: the same two-layer MLP applied to every token.

    $$\mathrm{FFN}(x) = \phi(x W_1 + b_1)\, W_2 + b_2, \quad \phi \in \{\mathrm{ReLU}, \mathrm{GELU}\}$$

    Args:
        x: (..., E); W1 (E, F); b1 (F,); W2 (F, E); b2 (E,). F is usually 4E.
        activation: ``"relu"`` or ``"gelu"``.

    Returns:
        array (..., E).
    """
    x = as_float_array("x", x)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    W1, W2 = as_float_array("W1", W1), as_float_array("W2", W2)
    if W1.ndim != 2 or W2.ndim != 2 or W1.shape[0] != x.shape[-1] or W2.shape[0] != W1.shape[1]:
        raise ValueError(f"x {x.shape} @ W1 {W1.shape} @ W2 {W2.shape}: inner dims do not match")
    if np.shape(b1) != W1.shape[1:] or np.shape(b2) != W2.shape[1:]:
        raise ValueError(
            f"b1 {np.shape(b1)} and b2 {np.shape(b2)} must have shapes (F,) = {W1.shape[1:]} "
            f"and (E,) = {W2.shape[1:]}"
        )
    h = ACTIVATIONS[activation](x @ W1.astype(x.dtype) + b1.astype(x.dtype))  # (..., E) @ (E, F)
    return h @ W2.astype(x.dtype) + b2.astype(x.dtype)  # (..., F) @ (F, E) -> (..., E)
