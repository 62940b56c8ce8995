"""Exercise: find and fix the bug — element-wise Q * K.T and a softmax over the wrong axis."""

from __future__ import annotations

import numpy as np
import torch.nn.functional as F

from attnlib.grading.catalog._common import np_softmax, rng, t
from attnlib.grading.spec import Exercise, Mistake, Test, register


def _self_attention(x, W_q, W_k, W_v):
    x = t(x)
    return F.scaled_dot_product_attention(x @ t(W_q), x @ t(W_k), x @ t(W_v))


def _buggy(x, W_q, W_k, W_v, elementwise=True, axis=0, scale=True):
    Q, K, V = x @ W_q, x @ W_k, x @ W_v  # (L, D)
    scores = Q * K.T if elementwise else Q @ K.T  # (L, L)
    if scale:
        scores = scores / np.sqrt(K.shape[-1])
    return np_softmax(scores, axis) @ V


def _case(r, L, E, D):
    return (r.normal(size=(L, E)), *(r.normal(size=(E, D)) for _ in range(3)))


r = rng(11)
register(
    Exercise(
        name="fix_elementwise",
        title="Find the bug: element-wise Q * K.T and a softmax over the wrong axis",
        functions=("self_attention",),
        oracles={"self_attention": _self_attention},
        tests=[
            Test("L = D = 4 (the buggy code runs but is wrong)", 2, _case(r, 4, 5, 4)),
            Test("L = 6, E = 5, D = 3", 2, _case(r, 6, 5, 3)),
            Test("L = 3, E = 8, D = 8", 1, _case(r, 3, 8, 8)),
        ],
        mistakes={
            "self_attention": [
                Mistake(
                    "Both bugs are still there: `Q * K.T` is element-wise (scores need the "
                    "matrix product Q @ K.T, (L, D) @ (D, L) -> (L, L)), and the softmax runs "
                    "over axis 0 (it must normalise each query's row, axis=-1).",
                    lambda *a: _buggy(*a),
                ),
                Mistake(
                    "The product is fixed, but the softmax still runs over axis 0 (each key's "
                    "column); each query's row (axis=-1) must sum to 1.",
                    lambda *a: _buggy(*a, elementwise=False),
                ),
                Mistake(
                    "The axis is fixed, but `Q * K.T` is still element-wise: use Q @ K.T.",
                    lambda *a: _buggy(*a, axis=-1),
                ),
                Mistake(
                    "Keep the 1/sqrt(D) scale while fixing the bugs.",
                    lambda *a: _buggy(*a, elementwise=False, axis=-1, scale=False),
                ),
            ]
        },
    )
)
