"""Reference solution: the backward pass of scaled dot-product attention."""

import numpy as np


def attention_backward(dout, q, k, v):
    """Gradients (dq, dk, dv) of out = softmax(q k^T / sqrt(D)) v, given dout = dLoss/dout."""
    scale = 1 / np.sqrt(q.shape[-1])
    scores = q @ np.swapaxes(k, -1, -2) * scale  # (..., L, S)
    P = np.exp(scores - scores.max(-1, keepdims=True))
    P /= P.sum(-1, keepdims=True)
    dv = np.swapaxes(P, -1, -2) @ dout  # (..., S, L) @ (..., L, Dv) -> (..., S, Dv)
    dP = dout @ np.swapaxes(v, -1, -2)  # (..., L, Dv) @ (..., Dv, S) -> (..., L, S)
    dS = P * (dP - (dP * P).sum(-1, keepdims=True))  # softmax backward, row by row
    dq = dS @ k * scale  # (..., L, S) @ (..., S, D) -> (..., L, D)
    dk = np.swapaxes(dS, -1, -2) @ q * scale  # (..., S, L) @ (..., L, D) -> (..., S, D)
    return dq, dk, dv
