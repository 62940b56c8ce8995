"""Exercises: sinusoidal positional encoding and rotary position embedding (RoPE)."""

from __future__ import annotations

import numpy as np
import torch

from attnlib.grading.catalog._common import rng, t
from attnlib.grading.spec import Exercise, Mistake, Test, register


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
        fresh=lambda g: (
            [  # other sizes, drawn at grading time (E even)
                Test("", 0, (int(g.integers(2, 60)), 2 * int(g.integers(2, 40)))) for _ in range(3)
            ]
            + [Test("", 0, (1, 2 * int(g.integers(2, 40))))]
        ),
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
