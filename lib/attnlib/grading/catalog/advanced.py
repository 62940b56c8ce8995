"""Exercises: the attention backward pass, and an online-softmax tile update."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from attnlib.grading.catalog._common import attention_weights, rng, t
from attnlib.grading.spec import Exercise, Mistake, Test, register


def _backward(dout, q, k, v):
    q, k, v = (t(a).requires_grad_() for a in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v)
    out.backward(t(dout))
    return q.grad, k.grad, v.grad


def _backward_wrong(dout, q, k, v, kind):
    s = q.shape[-1] ** -0.5
    P = attention_weights(q, k)  # (..., L, S)
    dP = dout @ np.swapaxes(v, -1, -2)  # (..., L, Dv) @ (..., Dv, S) -> (..., L, S)
    dS = P * (dP - (dP * P).sum(-1, keepdims=True))
    dv = np.swapaxes(P, -1, -2) @ dout
    if kind == "no_rowsum":
        dS = P * dP
    if kind == "dv":
        dv = P @ dout
    scale = 1.0 if kind == "no_scale" else s
    return dS @ k * scale, np.swapaxes(dS, -1, -2) @ q * scale, dv


r = rng(8)
register(
    Exercise(
        name="attention_backward",
        title="Attention backward pass by hand",
        functions=("attention_backward",),
        oracles={"attention_backward": _backward},
        tests=[
            Test("L = S = 3, D = 4", 2, tuple(r.normal(size=(4, 3, 4)))),
            Test(
                "L = 2, S = 5 (dV needs P transposed)",
                2,
                (r.normal(size=(2, 4)), r.normal(size=(2, 4)), *r.normal(size=(2, 5, 4))),
            ),
            Test("batched (2, 3, 4, 4)", 2, tuple(r.normal(size=(4, 2, 3, 4, 4)))),
        ],
        mistakes={
            "attention_backward": [
                Mistake(
                    "dQ and dK carry the forward pass's factor 1/sqrt(D).",
                    lambda *a: _backward_wrong(*a, "no_scale"),
                ),
                Mistake(
                    "Softmax backward is not element-wise: dS = P * (dP - rowsum(dP * P)).",
                    lambda *a: _backward_wrong(*a, "no_rowsum"),
                ),
                Mistake("dV = P^T dO (transpose P).", lambda *a: _backward_wrong(*a, "dv")),
            ]
        },
    )
)


def _state(tiles: list[tuple[np.ndarray, np.ndarray]], L: int, Dv: int):
    """The online-softmax state after ``tiles``, computed all at once (not tile by tile)."""
    if not tiles:
        return np.full(L, -np.inf), np.zeros(L), np.zeros((L, Dv))
    s = torch.cat([t(a) for a, _ in tiles], -1)  # (L, S_seen)
    v = torch.cat([t(b) for _, b in tiles], 0)  # (S_seen, Dv)
    m = s.max(-1).values  # (L,)
    p = torch.where(torch.isinf(m)[:, None], 0.0, torch.exp(s - m[:, None]))
    return m.numpy(), p.sum(-1).numpy(), (p @ v).numpy()


def _update_wrong(m, l, acc, s, v, kind):
    m_new = np.maximum(m, s.max(-1))
    alpha = np.exp(m - m_new)
    p = np.exp(s - (m if kind == "old_max" else m_new)[:, None])
    if kind == "no_acc":
        return m_new, alpha * l + p.sum(-1), acc + p @ v
    if kind == "no_l":
        return m_new, l + p.sum(-1), alpha[:, None] * acc + p @ v
    return m_new, alpha * l + p.sum(-1), alpha[:, None] * acc + p @ v


def _online_tests(r: np.random.Generator) -> list[Test]:
    tiles = [(r.normal(size=(3, 4)), r.normal(size=(4, 2))) for _ in range(3)]
    tiles[1] = (tiles[1][0] + 3.0, tiles[1][1])  # the running max moves
    tiles[2] = (tiles[2][0] + np.array([[-2.0], [4.0], [-2.0]]), tiles[2][1])  # moves in row 1 only
    masked = (np.array([[-np.inf] * 4, [0.5, -np.inf, 1.0, 2.0], [-np.inf] * 4]), tiles[0][1])
    names = ["first tile, from the empty state", "second tile, the maximum moves up",
             "third tile, the maximum moves in one row and stays in the others"]  # fmt: skip
    tests = []
    for i, name in enumerate(names):
        before, after = _state(tiles[:i], 3, 2), _state(tiles[: i + 1], 3, 2)
        tests.append(
            Test(name, 2 if i < 2 else 1, (*before, *tiles[i]), expected=lambda *a, e=after: e)
        )
    before, after = _state([], 3, 2), _state([masked], 3, 2)
    tests.append(
        Test("a fully masked row in the first tile stays empty (no NaN)", 1,
             (*before, *masked), expected=lambda *a, e=after: e)
    )  # fmt: skip
    return tests


register(
    Exercise(
        name="online_softmax",
        title="Online softmax: one tile update (FlashAttention's inner loop)",
        functions=("online_softmax_update",),
        oracles={"online_softmax_update": lambda *a: None},
        tests=_online_tests(rng(9)),
        fresh=_online_tests,
        mistakes={
            "online_softmax_update": [
                Mistake(
                    "The old accumulator must be rescaled by exp(m_old - m_new) when the maximum moves.",
                    lambda *a: _update_wrong(*a, "no_acc"),
                ),
                Mistake(
                    "The old sum l must be rescaled by exp(m_old - m_new) too.",
                    lambda *a: _update_wrong(*a, "no_l"),
                ),
                Mistake(
                    "p = exp(scores - m_new): use the NEW running maximum.",
                    lambda *a: _update_wrong(*a, "old_max"),
                ),
            ]
        },
    )
)
