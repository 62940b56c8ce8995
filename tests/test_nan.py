"""NaN never silently becomes a number: every path, fused ones included, propagates it.

The reference is the readable math path (and ``scratch.softmax``): a NaN query makes its row
NaN, a NaN key makes NaN every row that may attend it, a NaN value makes every row NaN (its
weight times NaN is NaN, even a weight of 0). Kernels: tests/test_kernels.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from attnlib import nn as tnn
from attnlib import scratch

NAN = float("nan")
WHERE = ["q", "k", "v"]


def inputs(where, L=6, S=6, D=4, seed=0):
    rng = np.random.default_rng(seed)
    q, k, v = (
        rng.standard_normal((2, L, D)),
        rng.standard_normal((2, S, D)),
        rng.standard_normal((2, S, D)),
    )
    {"q": q, "k": k, "v": v}[where][0, 2, 1] = NAN
    return q, k, v


def expected_nan(where, L=6, D=4):
    """(B, L, D): where PyTorch's math path puts NaN (the NaN sits at batch 0, position 2, col 1).

    Causal or not: PyTorch adds the mask to the scores, and NaN + (-inf) is NaN.
    """
    nan = np.zeros((2, L, D), bool)
    if where == "q":
        nan[0, 2] = True
    elif where == "k":
        nan[0] = True
    else:
        nan[0, :, 1] = True  # weight (even 0) times NaN
    return nan


@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("where", WHERE)
def test_expectation_is_pytorchs_math_path(where, is_causal):
    from torch.nn.attention import SDPBackend, sdpa_kernel

    q, k, v = (torch.from_numpy(t)[:, None] for t in inputs(where))
    with sdpa_kernel(SDPBackend.MATH):
        ref = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=is_causal)
    np.testing.assert_array_equal(ref[:, 0].isnan().numpy(), expected_nan(where))


@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("where", WHERE)
def test_scratch_paths(where, is_causal):
    q, k, v = inputs(where)
    naive = scratch.scaled_dot_product_attention(q, k, v, is_causal=is_causal)
    tiled = scratch.tiled_attention(q, k, v, is_causal=is_causal, block_q=2, block_k=2)
    for out in (naive, tiled):
        np.testing.assert_array_equal(np.isnan(out), expected_nan(where))


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("where", WHERE)
def test_nn_paths(where, is_causal, fast):
    q, k, v = (torch.from_numpy(t) for t in inputs(where))
    out = tnn.scaled_dot_product_attention(q, k, v, is_causal=is_causal, fast=fast)
    np.testing.assert_array_equal(out.isnan().numpy(), expected_nan(where))


@pytest.mark.parametrize("fast", [False, True])
def test_nn_nan_in_a_float_mask(fast):
    q, k, v = (torch.from_numpy(t) for t in inputs("q"))
    q = torch.nan_to_num(q)
    mask = torch.zeros(6, 6, dtype=torch.float64)
    mask[4, 1] = NAN
    out = tnn.scaled_dot_product_attention(q, k, v, attn_mask=mask, fast=fast)
    assert out.isnan().any(-1)[:, 4].all() and not out.isnan()[:, :4].any()


def test_online_softmax_keeps_a_nan_row_nan():
    state = scratch.OnlineSoftmax((2,), 3)
    scores = np.array([[0.0, 1.0], [NAN, 1.0]])
    state.update(scores.copy(), np.ones((2, 3)))
    result = state.result()
    assert np.isfinite(result[0]).all() and np.isnan(result[1]).all()


def test_fully_masked_row_is_still_zero_not_nan():
    """The course's convention is untouched: a row with no key to attend gives zeros."""
    q, k, v = (np.nan_to_num(t) for t in inputs("q"))
    mask = np.ones((6, 6), bool)
    mask[3] = False
    for out in (
        scratch.scaled_dot_product_attention(q, k, v, attn_mask=mask),
        scratch.tiled_attention(q, k, v, attn_mask=mask, block_q=2, block_k=2),
        tnn.scaled_dot_product_attention(
            *map(torch.from_numpy, (q, k, v)), torch.from_numpy(mask), fast=True
        ).numpy(),
    ):
        assert (out[:, 3] == 0).all() and np.isfinite(out).all()


@pytest.mark.parametrize("fast", [False, True])
def test_nn_mha_nan_query_is_not_the_output_bias(fast):
    torch.manual_seed(0)
    mha = tnn.MultiHeadAttention(8, 2, fast=fast).double().eval()
    x = torch.randn(2, 5, 8, dtype=torch.float64)
    q = x.clone()
    q[1, 3, 0] = NAN
    out, _ = mha(q, x, x)
    assert out[1, 3].isnan().all()
    assert not out[0].isnan().any() and not out[1, :3].isnan().any()


def test_scratch_mha_and_softmax_propagate():
    mha = scratch.MultiHeadAttention(8, 2)
    x = np.random.default_rng(1).standard_normal((1, 4, 8))
    q = x.copy()
    q[0, 1, 2] = NAN
    out, _ = mha(q, x, x)
    assert np.isnan(out[0, 1]).all() and not np.isnan(out[0, [0, 2, 3]]).any()
    assert np.isnan(scratch.softmax(np.array([1.0, NAN]))).all()
