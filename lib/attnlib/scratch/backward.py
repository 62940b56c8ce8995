"""Backward passes by hand: softmax, scaled dot-product attention and multi-head attention.

Each function takes the upstream gradient ``d<out>`` (the gradient of a scalar loss with respect
to the forward output) and returns the gradients with respect to the inputs — the chain rule
written out in NumPy, checked against torch autograd and finite differences in the tests.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_float_array, check_flag, check_like, check_rank
from .attention import attention_scores, scaled_dot_product_attention, validate_sdpa_inputs
from .heads import merge_heads, split_heads
from .multihead import MultiHeadAttention, combine_masks
from .softmax import softmax


def sum_to_shape(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast gradient back to the shape of the input it came from."""
    x = x.sum(axis=tuple(range(x.ndim - len(shape))))  # leading axes added by broadcasting
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1)
    return x.sum(axis=axes, keepdims=True) if axes else x


def softmax_backward(y: np.ndarray, dy: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Gradient through ``y = softmax(x)``: the Jacobian-vector product without the Jacobian.

    $$\frac{\partial \mathcal{L}}{\partial x_i} = y_i \Big(\frac{\partial \mathcal{L}}{\partial y_i}
    - \sum_j y_j \frac{\partial \mathcal{L}}{\partial y_j}\Big)$$

    Args:
        y: the softmax output, any shape.
        dy: gradient with respect to y, same shape.
        axis: the softmax axis.

    Returns:
        dx, same shape as y. Masked entries (y = 0) get zero gradient.
    """
    y = as_float_array("y", y)
    dy = check_like("dy", dy, y.shape, "y")
    if not -y.ndim <= axis < max(y.ndim, 1):
        raise ValueError(f"axis={axis} is out of range for y of shape {y.shape}")
    return y * (dy - np.sum(dy * y, axis=axis, keepdims=True))


def sdpa_backward(
    dout: np.ndarray,
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    attn_mask: np.ndarray | None = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of scaled dot-product attention with respect to q, k and v.

    With $P = \mathrm{softmax}(\text{scale}\,QK^\top + M)$ and $O = PV$:

    $$dV = P^\top dO, \quad dP = dO\,V^\top, \quad dS = \mathrm{softmax\_backward}(P, dP), \quad
    dQ = \text{scale}\; dS\,K, \quad dK = \text{scale}\; dS^\top Q$$

    Args:
        dout: gradient with respect to the output (..., L, Dv).
        q, k, v, attn_mask, is_causal, scale: the forward call's arguments.

    Returns:
        (dq, dk, dv) with the shapes of q (..., L, D), k (..., S, D), v (..., S, Dv); a float
        ``attn_mask`` is treated as a constant (its gradient would be dS).
    """
    q, k, v, attn_mask = validate_sdpa_inputs(q, k, v, attn_mask, is_causal, scale)
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    dout = check_like("dout", dout, (*batch, q.shape[-2], v.shape[-1]), "the output (..., L, Dv)")
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    p = softmax(attention_scores(q, k, attn_mask, is_causal, scale))  # (..., L, S)
    dv = np.swapaxes(p, -1, -2) @ dout  # (..., S, L) @ (..., L, Dv) -> (..., S, Dv)
    dp = dout @ np.swapaxes(v, -1, -2)  # (..., L, Dv) @ (..., Dv, S) -> (..., L, S)
    ds = softmax_backward(p, dp) * scale  # (..., L, S)
    dq = ds @ k  # (..., L, S) @ (..., S, D) -> (..., L, D)
    dk = np.swapaxes(ds, -1, -2) @ q  # (..., S, L) @ (..., L, D) -> (..., S, D)
    return sum_to_shape(dq, q.shape), sum_to_shape(dk, k.shape), sum_to_shape(dv, v.shape)


def _linear_backward(x: np.ndarray, W: np.ndarray, dy: np.ndarray):
    """For y = x @ W + b with x (B, N, in): return dx (B, N, in), dW (in, out), db (out,)."""
    dW = x.reshape(-1, x.shape[-1]).T @ dy.reshape(-1, dy.shape[-1])  # (in, B*N) @ (B*N, out)
    return dy @ W.T, dW, dy.sum(axis=(0, 1))  # (B, N, out) @ (out, in) -> (B, N, in)


def mha_backward(
    dout: np.ndarray,
    mha: MultiHeadAttention,
    query: np.ndarray,
    key: np.ndarray,
    value: np.ndarray,
    attn_mask: np.ndarray | None = None,
    key_padding_mask: np.ndarray | None = None,
    is_causal: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    r"""Gradients of :class:`MultiHeadAttention` with respect to its inputs and parameters.

    The forward pass is recomputed, then each step is reversed: the output projection
    ($dW_o = \mathrm{concat}^\top dY$), the heads (:func:`sdpa_backward`), the input projections.

    Args:
        dout: gradient with respect to the output (B, L, E).
        mha: the module; query (B, L, E), key (B, S, kdim), value (B, S, vdim) and the masks as
            passed to ``mha.forward``.

    Returns:
        (d_query, d_key, d_value, grads) where grads maps "W_q", "b_q", ..., "W_o", "b_o" to
        arrays of the parameters' shapes (biases only if present). For self-attention
        (query = key = value = x) the gradient with respect to x is the sum of the three.
    """
    query, key, value = mha.check_inputs(query, key, value)
    check_rank("dout", as_float_array("dout", dout), 3, 3)
    dout = check_like("dout", dout, query.shape, "the output (B, L, E)")
    (B, L, _), S, H = query.shape, key.shape[1], mha.num_heads
    mask = combine_masks(
        attn_mask, key_padding_mask, B, H, L, S, check_flag("is_causal", is_causal)
    )
    q = split_heads(mha.project(query, mha.W_q, mha.b_q), H)  # (B, H, L, D)
    k = split_heads(mha.project(key, mha.W_k, mha.b_k), H)  # (B, H, S, D)
    v = split_heads(mha.project(value, mha.W_v, mha.b_v), H)  # (B, H, S, D)
    heads = merge_heads(scaled_dot_product_attention(q, k, v, attn_mask=mask))  # (B, L, E)
    grads: dict[str, np.ndarray] = {}
    d_heads, grads["W_o"], b_o = _linear_backward(heads, mha.W_o, dout)
    dq, dk, dv = sdpa_backward(split_heads(d_heads, H), q, k, v, attn_mask=mask)  # (B, H, ., D)
    d_query, grads["W_q"], b_q = _linear_backward(query, mha.W_q, merge_heads(dq))
    d_key, grads["W_k"], b_k = _linear_backward(key, mha.W_k, merge_heads(dk))
    d_value, grads["W_v"], b_v = _linear_backward(value, mha.W_v, merge_heads(dv))
    for name, g in (("b_q", b_q), ("b_k", b_k), ("b_v", b_v), ("b_o", b_o)):
        if getattr(mha, name) is not None:
            grads[name] = g
    return d_query, d_key, d_value, grads
