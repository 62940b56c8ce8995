"""Exercises: stable softmax, scaled dot-product attention, masks, masked attention."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from attnlib.grading.catalog._common import attention_weights, np_softmax, rng, t
from attnlib.grading.compare import KEEPDIMS_HINT
from attnlib.grading.spec import Exercise, Mistake, Test, register


def _softmax(x, axis=-1):
    """Oracle: torch's softmax, with the course's convention that an all -inf row gives zeros."""
    return torch.nan_to_num(torch.softmax(t(x), dim=axis), nan=0.0)


def _no_keepdims(x, axis=-1):
    """Wrong variant: max and sum without keepdims (right for axis 0 or 1-D by accident)."""
    z = np.exp(x - np.max(x, axis=axis))
    return z / np.sum(z, axis=axis)


r = rng(1)
register(
    Exercise(
        name="softmax",
        title="Stable softmax",
        functions=("softmax",),
        oracles={"softmax": _softmax},
        error_hints={"could not be broadcast": KEEPDIMS_HINT},
        tests=[
            Test("1-D vector [1, 2, 3]", 1, (np.array([1.0, 2.0, 3.0]),)),
            Test("rows of a square (5, 5) matrix", 2, (r.normal(size=(5, 5)),)),
            Test("axis=1 of a (2, 3, 4) array", 1, (r.normal(size=(2, 3, 4)),), {"axis": 1}),
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
            Test(
                "an all -inf row gives zeros (course convention)",
                1,
                (np.array([[0.5, 2.0, -1.0], [-np.inf, -np.inf, -np.inf]]),),
            ),
        ],
        mistakes={
            "softmax": [
                Mistake(
                    "An all -inf row must give zeros (the course's convention), not NaN: its "
                    "exponentials sum to 0, and its max shift is -inf - (-inf) = NaN. Shift by 0 "
                    "where the max is -inf, and divide only where the sum is not 0.",
                    lambda x, axis=-1: np_softmax(x, axis),
                ),
                Mistake(
                    "Overflow: exp(1000) is inf. Subtract each row's maximum before exp "
                    "(softmax(x) = softmax(x - max x)).",
                    lambda x, axis=-1: np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True),
                ),
                Mistake(
                    "keepdims is missing: x.max(axis) and x.sum(axis) drop the axis, and "
                    "broadcasting then lines them up with the wrong axis. Pass keepdims=True.",
                    _no_keepdims,
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
        Test("", 0, (L,)), Test("", 0, (L + int(g.integers(1, 4)), L)),
        Test("", 0, (L, L + int(g.integers(1, 4)))),
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
            Test("causal_mask(5, 3): more queries than keys", 1, (5, 3)),
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
