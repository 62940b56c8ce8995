"""Tiled attention (online softmax, FlashAttention forward/backward) vs the naive NumPy path."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from attnlib.scratch import (
    OnlineSoftmax,
    causal_mask,
    scaled_dot_product_attention,
    sdpa_backward,
    softmax,
    tiled_attention,
    tiled_attention_backward,
)
from hypothesis import given, settings
from hypothesis import strategies as st

TOL = 1e-10

shapes = st.fixed_dictionaries(
    {
        "batch": st.sampled_from([(), (2,), (2, 3)]),
        "L": st.integers(1, 23),
        "S": st.integers(1, 23),
        "D": st.integers(1, 6),
        "Dv": st.integers(1, 6),
        "block_q": st.integers(1, 9),
        "block_k": st.integers(1, 9),
        "mode": st.sampled_from(["none", "causal", "bool", "float"]),
        "seed": st.integers(0, 2**16),
    }
)


def make_case(c):
    rng = np.random.default_rng(c["seed"])
    b, L, S = c["batch"], c["L"], c["S"]
    q, k, v = (rng.standard_normal((*b, n, d)) for n, d in ((L, c["D"]), (S, c["D"]), (S, c["Dv"])))
    mask = None
    if c["mode"] == "bool":
        mask = rng.random((*b, L, S)) < 0.5  # some rows may be fully masked
    elif c["mode"] == "float":
        mask = np.where(rng.random((L, S)) < 0.7, rng.standard_normal((L, S)), -np.inf)
    return q, k, v, mask, c["mode"] == "causal"


@settings(max_examples=60, deadline=None)
@given(c=shapes)
def test_tiled_equals_naive(c, close):
    q, k, v, mask, causal = make_case(c)
    ours = tiled_attention(q, k, v, mask, causal, block_q=c["block_q"], block_k=c["block_k"])
    close(ours, scaled_dot_product_attention(q, k, v, mask, causal), TOL, "tiled vs naive")


@settings(max_examples=30, deadline=None)
@given(c=shapes)
def test_tiled_backward_equals_naive_backward(c, close):
    q, k, v, mask, causal = make_case(c)
    bq, bk = c["block_q"], c["block_k"]
    out, lse = tiled_attention(q, k, v, mask, causal, block_q=bq, block_k=bk, return_logsumexp=True)
    dout = np.random.default_rng(c["seed"] + 1).standard_normal(out.shape)
    ours = tiled_attention_backward(dout, q, k, v, out, lse, mask, causal, block_q=bq, block_k=bk)
    for name, g, ref in zip("qkv", ours, sdpa_backward(dout, q, k, v, mask, causal)):
        close(g, ref, TOL, f"tiled backward d{name} vs naive")


def test_tiled_custom_scale_broadcast_batch_and_float32(close):
    rng = np.random.default_rng(0)
    q, k, v = (
        rng.standard_normal((3, 2, 10, 4)),
        rng.standard_normal((2, 7, 4)),
        rng.standard_normal((1, 7, 5)),
    )
    ref = scaled_dot_product_attention(q, k, v, scale=0.37)
    close(
        tiled_attention(q, k, v, scale=0.37, block_q=3, block_k=4),
        ref,
        TOL,
        "tiled broadcast batch + scale",
    )
    q32, k32, v32 = (x.astype(np.float32) for x in (q, k, v))
    out32 = tiled_attention(q32, k32, v32, is_causal=True, block_q=4, block_k=3)
    ref32 = scaled_dot_product_attention(q32, k32, v32, is_causal=True)
    close(out32, ref32, 1e-6, "tiled float32")


def test_fully_masked_rows_are_zero_in_tiled():
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((6, 3)) for _ in range(3))
    mask = causal_mask(6)
    mask[2] = False
    out, lse = tiled_attention(q, k, v, mask, block_q=4, block_k=4, return_logsumexp=True)
    assert np.all(out[2] == 0) and lse[2] == -np.inf and np.isfinite(np.delete(lse, 2)).all()


def test_online_softmax_streaming_matches_softmax(close):
    rng = np.random.default_rng(2)
    x, v = rng.standard_normal((4, 19)) * 20, rng.standard_normal((19, 3))
    x[1, :10] = -np.inf  # the first blocks of row 1 are fully masked
    state = OnlineSoftmax((4,), value_dim=3)
    for j in range(0, 19, 5):
        state.update(x[:, j : j + 5].copy(), v[j : j + 5])
    close(state.result(), softmax(x) @ v, TOL, "OnlineSoftmax result vs softmax @ v")
    m = x.max(-1)
    close(
        state.logsumexp(),
        m + np.log(np.exp(x - m[:, None]).sum(-1)),
        TOL,
        "OnlineSoftmax logsumexp",
    )


def test_tiled_extra_memory_is_linear_in_L():
    """Peak extra memory of tiled attention stays far below the L x S score matrix."""
    rng = np.random.default_rng(3)
    L, D = 1024, 16
    q, k, v = (rng.standard_normal((L, D)) for _ in range(3))
    peaks = []
    for fn in (
        lambda: scaled_dot_product_attention(q, k, v, is_causal=True),
        lambda: tiled_attention(q, k, v, is_causal=True, block_q=128, block_k=128),
    ):
        tracemalloc.start()
        fn()
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    naive, tiled = peaks
    assert naive >= L * L * 8  # at least one float64 (L, S) matrix
    assert tiled <= 0.05 * naive, f"tiled peak {tiled} B vs naive {naive} B"


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_bad_block_size_is_named(bad):
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match=f"block_k must be a positive int, got {bad}"):
        tiled_attention(x, x, x, block_k=bad)
