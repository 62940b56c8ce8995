"""Attention before the Transformer: Bahdanau's additive scores and Luong's multiplicative scores.

Both were designed for RNN encoder-decoders: a decoder state (the query) scores every encoder
state (the keys), softmax turns the scores into weights, and the weighted sum of the encoder
states (the values) is the context vector.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_mask, check_rank
from .softmax import softmax


def additive_attention(
    query: np.ndarray,
    keys: np.ndarray,
    values: np.ndarray,
    W_q: np.ndarray,
    W_k: np.ndarray,
    v_a: np.ndarray,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Additive (Bahdanau et al., 2015) attention: a one-hidden-layer MLP scores each pair.

    $$e_{ij} = v_a^\top \tanh(W_q^\top q_i + W_k^\top k_j), \quad \alpha_{ij} = \mathrm{softmax}_j(e_{ij}),
    \quad c_i = \sum_j \alpha_{ij} v_j$$

    Args:
        query: (..., L, Dq) decoder states. keys: (..., S, Dk). values: (..., S, Dv).
        W_q: (Dq, A). W_k: (Dk, A). v_a: (A,), A the hidden size of the scoring MLP.
        mask: bool (..., L, S), True = may attend.

    Returns:
        (context (..., L, Dv), weights (..., L, S)).
    """
    query, keys = as_float_array("query", query), as_float_array("keys", keys)
    values = as_float_array("values", values)
    for name, x in (("query", query), ("keys", keys), ("values", values)):
        check_rank(name, x, 2)
    if (
        W_q.shape[0] != query.shape[-1]
        or W_k.shape[0] != keys.shape[-1]
        or keys.shape[-2] != values.shape[-2]
    ):
        raise ValueError(
            f"shapes do not fit: query {query.shape} @ W_q {W_q.shape}, keys {keys.shape} @ W_k "
            f"{W_k.shape}, values {values.shape}"
        )
    if not W_q.shape[1] == W_k.shape[1] == np.shape(v_a)[0]:
        raise ValueError(
            f"hidden sizes differ: W_q {W_q.shape}, W_k {W_k.shape}, v_a {np.shape(v_a)}"
        )
    hq = (query @ W_q)[..., :, None, :]  # (..., L, Dq) @ (Dq, A) -> (..., L, 1, A)
    hk = (keys @ W_k)[..., None, :, :]  # (..., S, Dk) @ (Dk, A) -> (..., 1, S, A)
    scores = np.tanh(hq + hk) @ v_a  # (..., L, S, A) @ (A,) -> (..., L, S)
    if mask is not None:
        scores = np.where(check_mask(mask, scores.shape), scores, -np.inf)
    weights = softmax(scores, axis=-1)  # (..., L, S)
    return weights @ values, weights  # (..., L, S) @ (..., S, Dv) -> (..., L, Dv)


class AdditiveAttention:
    """Bahdanau attention with its own parameters W_q (Dq, A), W_k (Dk, A), v_a (A,)."""

    def __init__(self, query_dim: int, key_dim: int, hidden_dim: int, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.W_q = rng.standard_normal((query_dim, hidden_dim)) / np.sqrt(query_dim)
        self.W_k = rng.standard_normal((key_dim, hidden_dim)) / np.sqrt(key_dim)
        self.v_a = rng.standard_normal(hidden_dim) / np.sqrt(hidden_dim)

    def __call__(self, query, keys, values, mask=None) -> tuple[np.ndarray, np.ndarray]:
        """(context, weights); see :func:`additive_attention`."""
        return additive_attention(query, keys, values, self.W_q, self.W_k, self.v_a, mask)


def luong_score(
    q: np.ndarray, k: np.ndarray, kind: str = "dot", W: np.ndarray | None = None
) -> np.ndarray:
    r"""Luong et al. (2015) multiplicative scores (unscaled: the $1/\sqrt{D}$ came later).

    $$\text{dot: } e_{ij} = q_i^\top k_j, \qquad \text{general: } e_{ij} = q_i^\top W k_j$$

    Args:
        q: (..., L, Dq). k: (..., S, Dk); "dot" needs Dq = Dk.
        kind: ``"dot"`` or ``"general"``. W: (Dq, Dk) for "general".

    Returns:
        scores (..., L, S), to be fed to softmax.
    """
    q, k = as_float_array("q", q), as_float_array("k", k)
    check_rank("q", q, 2)
    check_rank("k", k, 2)
    if kind == "dot":
        if q.shape[-1] != k.shape[-1]:
            raise ValueError(f"dot scores need equal dims: q {q.shape}, k {k.shape}")
        return q @ np.swapaxes(k, -1, -2)  # (..., L, D) @ (..., D, S) -> (..., L, S)
    if kind == "general":
        if W is None or np.shape(W) != (q.shape[-1], k.shape[-1]):
            raise ValueError(
                f"general scores need W of shape (Dq, Dk)=({q.shape[-1]}, {k.shape[-1]}), "
                f"got {None if W is None else np.shape(W)}"
            )
        return q @ W @ np.swapaxes(k, -1, -2)  # (..., L, Dq) @ (Dq, Dk) @ (..., Dk, S)
    raise ValueError(f"kind must be 'dot' or 'general', got {kind!r}")
