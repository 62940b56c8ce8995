"""Exercise: one decoding step with a key/value cache."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from attnlib.grading.catalog._common import np_softmax, rng, t
from attnlib.grading.spec import Exercise, Mistake, Test, register


def _full_causal(x_all, W_q, W_k, W_v):
    """Oracle: causal attention over the whole sequence (no cache), keep the last position."""
    x = t(x_all)  # (B, T+1, E)
    q, k, v = x @ t(W_q), x @ t(W_k), x @ t(W_v)  # (B, T+1, D)
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, T+1, D)
    return out[:, -1], k, v


def _step_wrong(x, W_q, W_k, W_v, k_cache, v_cache, kind):
    q, k, v = x @ W_q, x @ W_k, x @ W_v  # (B, D)
    K = np.concatenate([k_cache, k[:, None]], 1)  # (B, T+1, D)
    V = np.concatenate([v_cache, v[:, None]], 1)
    scale = 1.0 if kind == "no_scale" else q.shape[-1] ** -0.5
    if kind == "before":
        w = np_softmax(np.einsum("bd,btd->bt", q, k_cache) * scale)  # (B, T)
        return np.einsum("bt,btd->bd", w, v_cache), K, V
    if kind == "prepend":
        K = np.concatenate([k[:, None], k_cache], 1)
        V = np.concatenate([v[:, None], v_cache], 1)
    w = np_softmax(np.einsum("bd,btd->bt", q, K) * scale)  # (B, T+1)
    return np.einsum("bt,btd->bd", w, V), K, V


def _case(r, B, T, E=6, D=4) -> tuple[tuple, object]:
    x_all = r.normal(size=(B, T + 1, E))
    W = [r.normal(size=(E, D)) / np.sqrt(E) for _ in range(3)]
    k_cache, v_cache = x_all[:, :T] @ W[1], x_all[:, :T] @ W[2]  # (B, T, D)
    args = (x_all[:, T], *W, k_cache, v_cache)
    with torch.no_grad():
        expected = _full_causal(x_all, *W)
    return args, (lambda *a, e=expected: e)


def _fresh(g: np.random.Generator) -> list[Test]:
    """Twins: new inputs, and new cache lengths, drawn at grading time."""
    sizes = [(1, int(g.integers(1, 8))), (int(g.integers(2, 4)), int(g.integers(2, 9))), (2, 0)]
    return [Test("", 0, a, expected=e) for a, e in (_case(g, B, T) for B, T in sizes)]


r = rng(10)
cases = [_case(r, 1, 3), _case(r, 2, 5), _case(r, 2, 0)]
register(
    Exercise(
        name="kv_cache",
        title="One decoding step with a KV cache",
        functions=("decode_step",),
        oracles={"decode_step": lambda *a: None},
        fresh=_fresh,
        tests=[
            Test("B = 1, 3 cached tokens", 2, cases[0][0], expected=cases[0][1]),
            Test("B = 2, 5 cached tokens", 2, cases[1][0], expected=cases[1][1]),
            Test("the first token: an empty cache (T = 0)", 1, cases[2][0], expected=cases[2][1]),
        ],
        mistakes={
            "decode_step": [
                Mistake(
                    "The new token must attend to itself: append its key and value to the cache "
                    "BEFORE computing the attention.",
                    lambda *a: _step_wrong(*a, "before"),
                ),
                Mistake(
                    "Missing scale: divide q . k by sqrt(D).",
                    lambda *a: _step_wrong(*a, "no_scale"),
                ),
                Mistake(
                    "The new key/value go at the END of the cache (position T), not the front.",
                    lambda *a: _step_wrong(*a, "prepend"),
                ),
            ]
        },
    )
)
