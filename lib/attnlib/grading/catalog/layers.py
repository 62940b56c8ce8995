"""Exercises: multi-head split/merge, sinusoidal encoding, RoPE, layer norm."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from attnlib.grading.catalog._common import rng, t
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


def _sinusoid(L, E):
    pos = torch.arange(L, dtype=torch.float64)[:, None]  # (L, 1)
    freq = 10000.0 ** (-torch.arange(0, E, 2, dtype=torch.float64) / E)  # (E/2,)
    pe = torch.zeros(L, E, dtype=torch.float64)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
    return pe


def _sin_wrong(L, E, kind):
    pos, i = np.arange(L)[:, None], np.arange(E // 2)
    if kind == "concat":
        angle = pos * 10000.0 ** (-2 * i / E)
        return np.concatenate([np.sin(angle), np.cos(angle)], axis=-1)
    if kind == "swap":
        angle = pos * 10000.0 ** (-2 * i / E)
        return np.stack([np.cos(angle), np.sin(angle)], -1).reshape(L, E)
    j = np.arange(E)
    angle = pos * 10000.0 ** (-j / E)
    return np.where(j % 2 == 0, np.sin(angle), np.cos(angle))


register(
    Exercise(
        name="sinusoidal",
        title="Sinusoidal positional encoding",
        functions=("sinusoidal_encoding",),
        oracles={"sinusoidal_encoding": _sinusoid},
        tests=[
            Test("L = 4, E = 6", 1, (4, 6)),
            Test("L = 10, E = 16", 2, (10, 16)),
            Test("L = 50, E = 64", 1, (50, 64)),
            Test("one position, L = 1, E = 8", 1, (1, 8)),
        ],
        mistakes={
            "sinusoidal_encoding": [
                Mistake(
                    "Halves instead of interleaving: this exercise follows the paper, sin in even "
                    "columns 2i and cos in odd columns 2i+1 (many libraries concatenate instead).",
                    lambda L, E: _sin_wrong(L, E, "concat"),
                ),
                Mistake(
                    "sin and cos are swapped: even columns get sin, odd columns cos.",
                    lambda L, E: _sin_wrong(L, E, "swap"),
                ),
                Mistake(
                    "Frequency index: columns 2i and 2i+1 share the frequency 1/10000^(2i/E).",
                    lambda L, E: _sin_wrong(L, E, "index"),
                ),
            ]
        },
    )
)


def _rope(x, positions=None, base=10000.0, half=False, sign=1.0, step=2):
    x = t(x)
    L, D = x.shape[-2:]
    pos = torch.arange(L, dtype=torch.float64) if positions is None else t(positions)
    theta = float(base) ** (-torch.arange(0, D, 2, dtype=torch.float64) * (step / 2) / D)
    angle = pos[:, None] * theta  # (L, D/2)
    cos, sin = torch.cos(angle), sign * torch.sin(angle)
    a, b = (x[..., : D // 2], x[..., D // 2 :]) if half else (x[..., 0::2], x[..., 1::2])
    ra, rb = a * cos - b * sin, a * sin + b * cos
    return torch.cat([ra, rb], -1) if half else torch.stack([ra, rb], -1).flatten(-2)


r = rng(6)
register(
    Exercise(
        name="rope",
        title="Rotary position embedding (RoPE)",
        functions=("rope",),
        oracles={"rope": _rope},
        tests=[
            Test("(L, D) = (4, 8)", 2, (r.normal(size=(4, 8)),)),
            Test("batched (2, 3, 6, 4)", 1, (r.normal(size=(2, 3, 6, 4)),)),
            Test("explicit positions [0, 5, 7]", 1, (r.normal(size=(3, 6)), np.array([0, 5, 7]))),
            Test("base = 100", 1, (r.normal(size=(5, 8)),), {"base": 100.0}),
        ],
        mistakes={
            "rope": [
                Mistake(
                    "You rotated the pairs (x_i, x_{i+D/2}) (the GPT-NeoX/LLaMA layout); this "
                    "exercise pairs neighbours (x_2i, x_2i+1), as in the RoFormer paper.",
                    lambda x, positions=None, base=10000.0: _rope(x, positions, base, half=True),
                ),
                Mistake(
                    "Rotation in the wrong direction: out_2i = x_2i cos - x_2i+1 sin and "
                    "out_2i+1 = x_2i sin + x_2i+1 cos.",
                    lambda x, positions=None, base=10000.0: _rope(x, positions, base, sign=-1.0),
                ),
                Mistake(
                    "Frequencies: pair i rotates by position * base^(-2i/D).",
                    lambda x, positions=None, base=10000.0: _rope(x, positions, base, step=1),
                ),
            ]
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
