"""Exercises: stable softmax, scaled dot-product attention, masks, masked attention."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from attnlib.grading.catalog._common import attention_weights, np_softmax, rng, t
from attnlib.grading.spec import Exercise, Mistake, Test, register

r = rng(1)
register(
    Exercise(
        name="softmax",
        title="Stable softmax",
        functions=("softmax",),
        oracles={"softmax": lambda x, axis=-1: torch.softmax(t(x), dim=axis)},
        tests=[
            Test("1-D vector [1, 2, 3]", 1, (np.array([1.0, 2.0, 3.0]),)),
            Test("rows of a (4, 6) matrix", 2, (r.normal(size=(4, 6)),)),
            Test("axis=0 of a (5, 3) matrix", 1, (r.normal(size=(5, 3)),), {"axis": 0}),
            Test(
                "large scores [1000, 1001, 1002]: no overflow",
                2,
                (np.array([[1000.0, 1001, 1002]]),),
            ),
            Test("(2, 3, 4) batch, last axis", 1, (r.normal(size=(2, 3, 4)),)),
            Test(
                "-inf entries get weight 0",
                1,
                (np.array([[0.5, -np.inf, 1.0], [2.0, 1.0, -np.inf]]),),
            ),
        ],
        mistakes={
            "softmax": [
                Mistake(
                    "Overflow: exp(1000) is inf. Subtract each row's maximum before exp "
                    "(softmax(x) = softmax(x - max x)).",
                    lambda x, axis=-1: np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True),
                ),
                Mistake(
                    "Softmax over the wrong axis: normalise along `axis` (default -1, each row).",
                    lambda x, axis=-1: np_softmax(x, 0 if axis in (-1, x.ndim - 1) else -1),
                ),
                Mistake(
                    "Normalised over the whole array: sum along `axis` with keepdims=True.",
                    lambda x, axis=-1: np.exp(x - x.max()) / np.exp(x - x.max()).sum(),
                ),
            ]
        },
    )
)

SDPA_HINTS = [
    Mistake(
        "Missing scale: divide the scores q·k by sqrt(D) before the softmax.",
        lambda q, k, v: (attention_weights(q, k, 1.0) @ v, attention_weights(q, k, 1.0)),
    ),
    Mistake(
        "Softmax over the wrong axis: each query's weights (a row, axis=-1) must sum to 1.",
        lambda q, k, v: (attention_weights(q, k, axis=-2) @ v, attention_weights(q, k, axis=-2)),
    ),
    Mistake(
        "Scaled by 1/D: the scale is 1/sqrt(D).",
        lambda q, k, v: (
            attention_weights(q, k, 1 / q.shape[-1]) @ v,
            attention_weights(q, k, 1 / q.shape[-1]),
        ),
    ),
]


def _sdpa(q, k, v):
    scores = t(q) @ t(k).transpose(-2, -1) / t(q).shape[-1] ** 0.5  # (..., L, S)
    return F.scaled_dot_product_attention(t(q), t(k), t(v)), torch.softmax(scores, dim=-1)


r = rng(2)
register(
    Exercise(
        name="sdpa",
        title="Scaled dot-product attention",
        functions=("scaled_dot_product_attention",),
        oracles={"scaled_dot_product_attention": _sdpa},
        tests=[
            Test(
                "one query, (1, 4)",
                1,
                (r.normal(size=(1, 4)), r.normal(size=(3, 4)), r.normal(size=(3, 4))),
            ),
            Test("self-attention, L = S = 5, D = 8", 2, tuple(r.normal(size=(3, 5, 8)))),
            Test("batched heads (2, 3, 5, 8)", 2, tuple(r.normal(size=(3, 2, 3, 5, 8)))),
            Test(
                "cross-attention, L = 3, S = 7",
                2,
                (r.normal(size=(3, 4)), r.normal(size=(7, 4)), r.normal(size=(7, 4))),
            ),
            Test(
                "value dim 6 differs from D = 4",
                1,
                (r.normal(size=(4, 4)), r.normal(size=(5, 4)), r.normal(size=(5, 6))),
            ),
        ],
        mistakes={"scaled_dot_product_attention": SDPA_HINTS},
    )
)


def _fresh_masks(g: np.random.Generator) -> list[Test | None]:
    """Twins of the masks tests: other sizes and lengths, drawn at grading time."""
    L, S = int(g.integers(2, 9)), int(g.integers(2, 9))
    lengths = g.integers(0, S + 1, size=int(g.integers(2, 5)))
    return [
        Test("", 0, (L,)), None, Test("", 0, (L, L + int(g.integers(1, 4)))),
        Test("", 0, (lengths, S), function="lengths_to_mask"),
        Test("", 0, (np.append(lengths, 0), S), function="lengths_to_mask"),
    ]  # fmt: skip


register(
    Exercise(
        name="masks",
        title="Causal and padding masks",
        functions=("causal_mask", "lengths_to_mask"),
        oracles={
            "causal_mask": lambda L, S=None: torch.ones(L, S or L, dtype=torch.bool).tril(),
            "lengths_to_mask": lambda lengths, S: torch.arange(S)[None, :] < t(lengths)[:, None],
        },
        bool_output=True,
        fresh=_fresh_masks,
        tests=[
            Test("causal_mask(4)", 2, (4,)),
            Test("causal_mask(1)", 1, (1,)),
            Test("causal_mask(3, 5): L = 3 queries, S = 5 keys", 1, (3, 5)),
            Test(
                "lengths_to_mask([3, 1, 4], 5)",
                2,
                (np.array([3, 1, 4]), 5),
                function="lengths_to_mask",
            ),
            Test(
                "a zero length: lengths_to_mask([0, 2], 3)",
                1,
                (np.array([0, 2]), 3),
                function="lengths_to_mask",
            ),
        ],
        mistakes={
            "causal_mask": [
                Mistake(
                    "Inverted mask: True means MAY attend (PyTorch's convention). You marked the "
                    "blocked positions (the '1 = blocked' convention).",
                    lambda L, S=None: np.triu(np.ones((L, S or L), bool), 1),
                ),
                Mistake(
                    "The diagonal is missing: a token may attend to itself (np.tril with k=0).",
                    lambda L, S=None: np.tril(np.ones((L, S or L), bool), -1),
                ),
                Mistake(
                    "Transposed: row i is query i and may see keys j <= i (lower triangle).",
                    lambda L, S=None: np.triu(np.ones((L, S or L), bool)),
                ),
            ],
            "lengths_to_mask": [
                Mistake(
                    "Inverted mask: True marks a real token (may attend), False marks padding.",
                    lambda lengths, S: np.arange(S)[None, :] >= np.asarray(lengths)[:, None],
                ),
                Mistake(
                    "Off by one: positions 0 .. length-1 are real; compare with `<`, not `<=`.",
                    lambda lengths, S: np.arange(S)[None, :] <= np.asarray(lengths)[:, None],
                ),
            ],
        },
    )
)
