"""attnlib.scratch softmax, masks and scaled dot-product attention against PyTorch (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from attnlib.scratch import (
    additive_to_bool,
    blocked_to_allowed,
    bool_to_additive,
    causal_mask,
    key_padding_to_attn_mask,
    lengths_to_mask,
    log_softmax,
    scaled_dot_product_attention,
    softmax,
)
from hypothesis import given, settings
from hypothesis import strategies as st

TOL = 1e-10
FAST = settings(max_examples=25, deadline=None)


def rand(rng, *shape):
    return rng.standard_normal(shape)


def some_allowed(rng, shape):
    """A random boolean mask with at least one True per row (so PyTorch gives no NaN)."""
    mask = rng.random(shape) < 0.6
    mask[..., 0] = True
    return mask


# label, q shape, k shape, v shape, mask kind, is_causal, scale
SDPA_CASES = [
    ("plain L=S=5 D=4", (5, 4), (5, 4), (5, 4), None, False, None),
    ("L!=S, Dv!=D, batch (2,3)", (2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 6), None, False, None),
    ("3 leading batch dims", (2, 2, 3, 4, 8), (2, 2, 3, 6, 8), (2, 2, 3, 6, 8), None, False, None),
    ("bool mask (L,S) broadcast", (2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 8), "bool_LS", False, None),
    ("bool padding mask (B,1,1,S)", (2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 8), "pad", False, None),
    ("float mask (B,H,L,S)", (2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 4), "float", False, None),
    ("float mask with -inf", (2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 8), "float_inf", False, None),
    ("is_causal L=S", (2, 3, 6, 8), (2, 3, 6, 8), (2, 3, 6, 8), None, True, None),
    ("is_causal L<S", (2, 4, 8), (2, 7, 8), (2, 7, 5), None, True, None),
    ("is_causal L>S", (2, 7, 8), (2, 4, 8), (2, 4, 8), None, True, None),
    ("custom scale 0.3", (2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 8), None, False, 0.3),
    ("custom scale + bool mask", (3, 5, 16), (3, 9, 16), (3, 9, 2), "bool_LS", False, 1.7),
]


def make_mask(rng, kind, q, k):
    L, S = q.shape[-2], k.shape[-2]
    if kind == "bool_LS":
        return some_allowed(rng, (L, S))
    if kind == "pad":
        lengths = rng.integers(1, S + 1, size=q.shape[0])
        return key_padding_to_attn_mask(lengths_to_mask(lengths, S))
    if kind == "float":
        return rand(rng, *q.shape[:-1], S)
    if kind == "float_inf":
        return np.where(some_allowed(rng, (L, S)), rand(rng, L, S), -np.inf)
    return None


@pytest.mark.parametrize("case", SDPA_CASES, ids=[c[0] for c in SDPA_CASES])
def test_sdpa_matches_torch(case, close):
    label, qs, ks, vs, kind, is_causal, scale = case
    rng = np.random.default_rng(0)
    q, k, v = rand(rng, *qs), rand(rng, *ks), rand(rng, *vs)
    mask = make_mask(rng, kind, q, k)
    ours = scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal, scale=scale)
    t = torch.from_numpy
    ref = F.scaled_dot_product_attention(
        t(q),
        t(k),
        t(v),
        attn_mask=None if mask is None else t(np.ascontiguousarray(mask)),
        is_causal=is_causal,
        scale=scale,
    )
    close(ours, ref, TOL, f"sdpa: {label}")


def test_sdpa_weights_match_torch_softmax(close):
    rng = np.random.default_rng(1)
    q, k, v = rand(rng, 2, 5, 8), rand(rng, 2, 7, 8), rand(rng, 2, 7, 8)
    mask = some_allowed(rng, (5, 7))
    _, w = scaled_dot_product_attention(q, k, v, attn_mask=mask, return_weights=True)
    scores = torch.from_numpy(q @ k.transpose(0, 2, 1) / np.sqrt(8))
    ref = torch.softmax(scores.masked_fill(~torch.from_numpy(mask), float("-inf")), dim=-1)
    close(w, ref, TOL, "sdpa weights vs torch.softmax")


def test_fully_masked_rows_give_zero_output_and_weights(close):
    rng = np.random.default_rng(2)
    q, k, v = rand(rng, 2, 5, 4), rand(rng, 2, 6, 4), rand(rng, 2, 6, 4)
    mask = some_allowed(rng, (2, 5, 6))
    mask[0, 1] = False  # query 1 of batch 0 may attend nothing
    out, w = scaled_dot_product_attention(q, k, v, attn_mask=mask, return_weights=True)
    assert np.all(out[0, 1] == 0) and np.all(w[0, 1] == 0)
    assert not np.isnan(out).any()
    # torch>=2.5's F.scaled_dot_product_attention also returns zeros here; a plain softmax gives NaN
    ref = F.scaled_dot_product_attention(*map(torch.from_numpy, (q, k, v, mask)))
    close(out, ref, TOL, "sdpa with a fully masked row")


def test_float32_in_float32_out(close):
    rng = np.random.default_rng(3)
    q, k, v = (rand(rng, 2, 5, 8).astype(np.float32) for _ in range(3))
    mask = rand(rng, 5, 5)  # float64 mask must not promote the result
    out = scaled_dot_product_attention(q, k, v, attn_mask=mask)
    ref = F.scaled_dot_product_attention(
        *map(torch.from_numpy, (q, k, v)), attn_mask=torch.from_numpy(mask.astype(np.float32))
    )
    close(out, ref, 1e-5, "sdpa float32")


def test_softmax_matches_torch_and_handles_all_inf_rows(close):
    rng = np.random.default_rng(4)
    x = rand(rng, 4, 6) * 50
    x[1] = -np.inf
    x[2, :3] = -np.inf
    y, ly = softmax(x), log_softmax(x)
    assert np.all(y[1] == 0) and np.all(ly[1] == -np.inf) and not np.isnan(ly).any()
    ok = [0, 2, 3]
    close(y[ok], torch.softmax(torch.from_numpy(x[ok]), -1), TOL, "softmax")
    close(ly[ok], torch.log_softmax(torch.from_numpy(x[ok]), -1), TOL, "log_softmax")
    close(
        softmax(x, axis=0)[:, 0], torch.softmax(torch.from_numpy(x[:, 0]), 0), TOL, "softmax axis 0"
    )
    big = np.array([1000.0, 1001.0, 1002.0], dtype=np.float32)  # would overflow without max shift
    assert np.allclose(softmax(big), softmax(big - 1000)) and softmax(big).dtype == np.float32


def test_mask_helpers():
    assert causal_mask(2, 3).tolist() == [[True, False, False], [True, True, False]]
    assert causal_mask(2, 3, offset=1).tolist() == [[True, True, False], [True] * 3]
    assert lengths_to_mask(np.array([1, 3]), 3).tolist() == [[True, False, False], [True] * 3]
    assert key_padding_to_attn_mask(np.ones((2, 5), bool)).shape == (2, 1, 1, 5)
    m = np.array([[True, False]])
    assert bool_to_additive(m).tolist() == [[0.0, -np.inf]]
    assert additive_to_bool(bool_to_additive(m, neg=-1e9)).tolist() == m.tolist()
    assert blocked_to_allowed(np.array([[0, 1]])).tolist() == m.tolist()


def test_minus_1e9_mask_does_not_empty_a_row():
    """The pitfall documented in bool_to_additive: with -1e9 a fully masked row attends everything."""
    rng = np.random.default_rng(5)
    q, k, v = rand(rng, 3, 4), rand(rng, 5, 4), rand(rng, 5, 4)
    blocked = np.zeros((3, 5), bool)
    _, w_inf = scaled_dot_product_attention(q, k, v, bool_to_additive(blocked), return_weights=True)
    _, w_1e9 = scaled_dot_product_attention(
        q, k, v, bool_to_additive(blocked, neg=-1e9), return_weights=True
    )
    _, w_unmasked = scaled_dot_product_attention(q, k, v, return_weights=True)
    assert np.all(w_inf == 0) and np.allclose(w_1e9, w_unmasked, atol=1e-6)


@FAST
@given(
    L=st.integers(1, 6),
    S=st.integers(1, 7),
    D=st.integers(1, 5),
    seed=st.integers(0, 2**16),
    causal=st.booleans(),
)
def test_weight_rows_sum_to_one_or_zero(L, S, D, seed, causal):
    rng = np.random.default_rng(seed)
    q, k, v = rand(rng, 2, L, D), rand(rng, 2, S, D), rand(rng, 2, S, D)
    mask = rng.random((2, L, S)) < 0.5
    if causal:
        mask &= causal_mask(L, S)
    out, w = scaled_dot_product_attention(q, k, v, attn_mask=mask, return_weights=True)
    expected = mask.any(-1).astype(float)  # 1 where some key is allowed, else 0
    assert np.allclose(w.sum(-1), expected, atol=1e-12)
    assert np.all(w[~mask] == 0)
    assert np.all(out[~mask.any(-1)] == 0)


@FAST
@given(L=st.integers(2, 8), i=st.integers(0, 6), seed=st.integers(0, 2**16))
def test_causality_future_tokens_do_not_change_past_outputs(L, i, seed):
    i = min(i, L - 2)
    rng = np.random.default_rng(seed)
    q, k, v = rand(rng, 2, L, 4), rand(rng, 2, L, 4), rand(rng, 2, L, 3)
    out = scaled_dot_product_attention(q, k, v, is_causal=True)
    q2, k2, v2 = q.copy(), k.copy(), v.copy()
    for x in (q2, k2, v2):
        x[:, i + 1 :] = rand(rng, 2, L - i - 1, x.shape[-1]) * 10  # change the future
    out2 = scaled_dot_product_attention(q2, k2, v2, is_causal=True)
    assert np.allclose(out[:, : i + 1], out2[:, : i + 1], rtol=0, atol=1e-12)
    assert not np.allclose(out[:, i + 1 :], out2[:, i + 1 :])


@FAST
@given(L=st.integers(1, 7), S=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_permuting_keys_and_values_together_leaves_output_unchanged(L, S, seed):
    rng = np.random.default_rng(seed)
    q, k, v = rand(rng, L, 4), rand(rng, S, 4), rand(rng, S, 5)
    perm = rng.permutation(S)
    out = scaled_dot_product_attention(q, k, v)
    assert np.allclose(scaled_dot_product_attention(q, k[perm], v[perm]), out, atol=1e-12)
    perm_q = rng.permutation(L)  # permuting queries permutes the output rows
    assert np.allclose(scaled_dot_product_attention(q[perm_q], k, v), out[perm_q], atol=1e-12)


def test_no_keys_at_all_gives_zero_rows():
    """S = 0 is the extreme fully masked case: every query row is empty, so every output is 0."""
    q, k, v = np.ones((2, 3, 4)), np.ones((2, 0, 4)), np.ones((2, 0, 5))
    out, w = scaled_dot_product_attention(q, k, v, return_weights=True)
    assert out.shape == (2, 3, 5) and w.shape == (2, 3, 0) and np.all(out == 0)


def test_softmax_propagates_nan_instead_of_hiding_it():
    # A NaN score is a bug upstream; turning its row into zeros would hide it from the learner.
    x = np.array([[0.0, np.nan, 1.0], [-np.inf, -np.inf, -np.inf], [0.0, 1.0, 2.0]])
    p = softmax(x)
    assert np.isnan(p[0]).all()
    np.testing.assert_array_equal(p[1], np.zeros(3))
    np.testing.assert_allclose(p[2].sum(), 1.0)
    lp = log_softmax(x)
    assert np.isnan(lp[0]).all()
    assert np.isneginf(lp[1]).all()
