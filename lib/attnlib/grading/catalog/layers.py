"""Exercises: multi-head split/merge and layer norm."""

from __future__ import annotations

import numpy as np
import torch.nn.functional as F

from attnlib.grading.catalog._common import rng, t
from attnlib.grading.compare import KEEPDIMS_HINT
from attnlib.grading.spec import Exercise, Mistake, Test, register


def _split(x, num_heads):
    B, L, E = x.shape
    return t(x).reshape(B, L, num_heads, E // num_heads).permute(0, 2, 1, 3)  # (B, H, L, D)


def _merge(x):
    B, H, L, D = x.shape
    return t(x).permute(0, 2, 1, 3).reshape(B, L, H * D)  # (B, H, L, D) -> (B, L, E)


r = rng(5)
register(
    Exercise(
        name="heads",
        title="Multi-head split and merge",
        functions=("split_heads", "merge_heads"),
        oracles={"split_heads": _split, "merge_heads": _merge},
        tests=[
            Test("split (2, 3, 8) into H = 2", 2, (r.normal(size=(2, 3, 8)), 2)),
            Test("split (1, 5, 12) into H = 3", 1, (r.normal(size=(1, 5, 12)), 3)),
            Test("merge (2, 2, 3, 4)", 2, (r.normal(size=(2, 2, 3, 4)),), function="merge_heads"),
            Test("merge (1, 4, 5, 3)", 1, (r.normal(size=(1, 4, 5, 3)),), function="merge_heads"),
        ],
        mistakes={
            "split_heads": [
                Mistake(
                    "A plain reshape to (B, H, L, D) mixes tokens across heads: reshape to "
                    "(B, L, H, D) first, then swap axes 1 and 2.",
                    lambda x, h: x.reshape(x.shape[0], h, x.shape[1], x.shape[2] // h),
                ),
                Mistake(
                    "Each head takes a contiguous block of D = E / H features: reshape to "
                    "(B, L, H, D), not (B, L, D, H).",
                    lambda x, h: x.reshape(*x.shape[:2], x.shape[2] // h, h).transpose(0, 3, 1, 2),
                ),
            ],
            "merge_heads": [
                Mistake(
                    "A plain reshape of (B, H, L, D) to (B, L, E) mixes tokens: swap axes 1 and 2 "
                    "first (back to (B, L, H, D)), then reshape.",
                    lambda x: x.reshape(x.shape[0], x.shape[2], -1),
                ),
                Mistake(
                    "Features come out in the wrong order: merge (B, L, H, D) so head 0's D "
                    "features come first, not (B, L, D, H).",
                    lambda x: x.transpose(0, 2, 3, 1).reshape(x.shape[0], x.shape[2], -1),
                ),
            ],
        },
    )
)


def _ln(x, gamma, beta, eps=1e-5):
    return F.layer_norm(t(x), (x.shape[-1],), t(gamma), t(beta), eps)


def _ln_wrong(x, gamma, beta, eps=1e-5, axis=-1, ddof=0, outside=False, affine=True):
    mu, sd = x.mean(axis, keepdims=True), np.sqrt(x.var(axis, ddof=ddof, keepdims=True) + eps)
    if outside:
        sd = x.std(axis, keepdims=True) + eps
    xh = (x - mu) / sd
    return gamma * xh + beta if affine else xh


r = rng(7)
E = 8
register(
    Exercise(
        name="layer_norm",
        title="Layer normalisation",
        functions=("layer_norm",),
        oracles={"layer_norm": _ln},
        error_hints={"could not be broadcast": KEEPDIMS_HINT},
        tests=[
            Test(
                "(3, 8), gamma = 1, beta = 0", 1, (r.normal(size=(3, E)), np.ones(E), np.zeros(E))
            ),
            Test(
                "(2, 4, 8) with gamma and beta",
                2,
                (r.normal(2, 3, size=(2, 4, E)), r.normal(size=E), r.normal(size=E)),
            ),
            Test(
                "tiny variance: eps inside the square root",
                2,
                (1e-3 * r.normal(size=(4, E)), np.ones(E), np.zeros(E)),
            ),
            Test(
                "eps = 1e-3",
                1,
                (r.normal(size=(3, E)), r.normal(size=E), r.normal(size=E)),
                {"eps": 1e-3},
            ),
        ],
        mistakes={
            "layer_norm": [
                Mistake(
                    "Normalised over the batch axis (that is batch norm): layer norm uses the mean "
                    "and variance of each token's features, the last axis.",
                    lambda x, g, b, eps=1e-5: _ln_wrong(x, g, b, eps, axis=0),
                ),
                Mistake(
                    "Unbiased variance (ddof=1): layer norm divides by E, not E - 1.",
                    lambda x, g, b, eps=1e-5: _ln_wrong(x, g, b, eps, ddof=1),
                ),
                Mistake(
                    "eps goes inside the square root: (x - mean) / sqrt(var + eps).",
                    lambda x, g, b, eps=1e-5: _ln_wrong(x, g, b, eps, outside=True),
                ),
                Mistake(
                    "gamma and beta are not applied: return gamma * x_hat + beta.",
                    lambda x, g, b, eps=1e-5: _ln_wrong(x, g, b, eps, affine=False),
                ),
            ]
        },
    )
)
