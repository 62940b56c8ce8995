"""Exercises: attention with a boolean mask, and "find the bug" in a -1e9 "1 = blocked" version."""

from __future__ import annotations

import numpy as np
import torch

from attnlib.grading.catalog._common import attention_weights, np_softmax, rng, t
from attnlib.grading.spec import Exercise, Mistake, Test, register


def _masked(q, k, v, attn_mask, scale=None):
    """Oracle: blocked scores -> -inf, softmax, fully masked rows -> zero weights."""
    scale = q.shape[-1] ** -0.5 if scale is None else scale
    scores = t(q) @ t(k).transpose(-2, -1) * scale  # (..., L, D) @ (..., D, S) -> (..., L, S)
    scores = scores.masked_fill(~t(attn_mask), float("-inf"))
    weights = torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)
    return weights @ t(v)


def _additive(q, k, v, mask, fill, scale=None, after=False, add=False):
    """Wrong variants: a finite fill value (replaced or added), or masking after the softmax."""
    scale = q.shape[-1] ** -0.5 if scale is None else scale
    scores = q @ np.swapaxes(k, -1, -2) * scale
    if after:
        return attention_weights(q, k, scale) * mask @ v
    if add:
        return np_softmax(scores + np.where(mask, 0.0, fill), -1) @ v
    return np_softmax(np.where(mask, scores, fill), -1) @ v


r = rng(3)
causal = np.tril(np.ones((4, 4), bool))
padding = np.array([[True] * 5, [True] * 3 + [False] * 2])[:, None, :]  # (B=2, 1, S=5)
cross = np.array([[1, 1, 0, 0, 1], [0, 1, 1, 1, 0], [1, 0, 0, 0, 0]], bool)
empty_row = np.array([[1, 1, 0], [0, 0, 0], [1, 1, 1]], bool)
register(
    Exercise(
        name="masked_attention",
        title="Attention with a boolean mask (True = may attend)",
        functions=("masked_attention",),
        oracles={"masked_attention": _masked},
        tests=[
            Test("causal mask, L = S = 4", 2, (*r.normal(size=(3, 4, 8)), causal)),
            Test(
                "padding mask (2, 1, 5), batch of 2",
                2,
                (r.normal(size=(2, 3, 4)), *r.normal(size=(2, 2, 5, 4)), padding),
            ),
            Test(
                "cross-attention mask, L = 3, S = 5",
                1,
                (r.normal(size=(3, 4)), *r.normal(size=(2, 5, 4)), cross),
            ),
            Test(
                "a fully masked row gives a zero output row",
                2,
                (*r.normal(size=(3, 3, 4)), empty_row),
            ),
        ],
        mistakes={
            "masked_attention": [
                Mistake(
                    "Inverted mask: True means MAY attend. Block the positions where the mask is False.",
                    lambda q, k, v, m: _masked(q, k, v, ~m),
                ),
                Mistake(
                    "Missing scale: divide the scores by sqrt(D).",
                    lambda q, k, v, m: _masked(q, k, v, m, scale=1.0),
                ),
                Mistake(
                    "Masked after the softmax: the weights no longer sum to 1. Fill blocked "
                    "scores with -inf before the softmax.",
                    lambda q, k, v, m: _additive(q, k, v, m, 0, after=True),
                ),
                Mistake(
                    "A fully masked row must give a ZERO output (course convention); a finite fill "
                    "such as -1e9 averages all values uniformly instead.",
                    lambda q, k, v, m: _additive(q, k, v, m, -1e9),
                ),
            ]
        },
    )
)


def _fixed(q, k, v, mask):
    return _masked(q, k, v, mask)


r = rng(4)
register(
    Exercise(
        name="fix_mask_scale",
        title="Find the bug: the missing scale and the '1 = blocked' mask",
        functions=("masked_attention_fixed",),
        oracles={"masked_attention_fixed": _fixed},
        tests=[
            Test("causal mask, L = S = 4, D = 8", 2, (*r.normal(size=(3, 4, 8)), causal)),
            Test(
                "cross-attention mask, L = 3, S = 5, D = 4",
                2,
                (r.normal(size=(3, 4)), *r.normal(size=(2, 5, 4)), cross),
            ),
            Test(
                "padding: the last 2 of 5 keys blocked, D = 16",
                1,
                (*r.normal(size=(3, 5, 16)), np.arange(5)[None, :].repeat(5, 0) < 3),
            ),
        ],
        mistakes={
            "masked_attention_fixed": [
                Mistake(
                    "Both bugs are still there: the scores need the 1/sqrt(D) scale, and the mask "
                    "is boolean with True = may attend (add -1e9 where it is False, not where True).",
                    lambda q, k, v, m: _additive(q, k, v, ~m, -1e9, scale=1.0, add=True),
                ),
                Mistake(
                    "The mask is fixed, but the 1/sqrt(D) scale is still missing.",
                    lambda q, k, v, m: _additive(q, k, v, m, -1e9, scale=1.0, add=True),
                ),
                Mistake(
                    "The scale is fixed, but the mask is still read as '1 = blocked': in this course "
                    "True = may attend, so block where the mask is False.",
                    lambda q, k, v, m: _additive(q, k, v, ~m, -1e9, add=True),
                ),
            ]
        },
    )
)
