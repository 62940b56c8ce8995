"""attnlib.nn.scaled_dot_product_attention: manual path, fast path and PyTorch agree."""

from __future__ import annotations

import re

import pytest
import torch
import torch.nn.functional as F
from attnlib.nn import causal_mask, scaled_dot_product_attention
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_helpers import DEVICES, F64, assert_same


def qkv(B=2, H=3, L=5, S=7, D=4, Dv=6, dtype=F64, device="cpu", seed=0):
    g = torch.Generator().manual_seed(seed)
    make = lambda *shape: torch.randn(*shape, generator=g, dtype=dtype).to(device)
    return make(B, H, L, D), make(B, H, S, D), make(B, H, S, Dv)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("case", ["none", "causal", "bool", "float", "scale"])
def test_matches_torch_sdpa(device, fast, case):
    q, k, v = qkv(device=device, L=6, S=6 if "causal" in case else 7)
    L, S = q.shape[-2], k.shape[-2]
    g = torch.Generator().manual_seed(1)
    bool_mask = (torch.rand(2, 1, L, S, generator=g) > 0.3).to(device)
    bool_mask[..., 0] = True  # every row keeps a key (PyTorch would give NaN otherwise)
    kwargs = {
        "none": {},
        "causal": {"is_causal": True},
        "bool": {"attn_mask": bool_mask},
        "float": {"attn_mask": torch.randn(L, S, generator=g, dtype=F64).to(device)},
        "scale": {"scale": 0.3},
    }[case]
    expected = F.scaled_dot_product_attention(q, k, v, **kwargs)
    assert_same(scaled_dot_product_attention(q, k, v, fast=fast, **kwargs), expected)


def test_mask_and_is_causal_together_is_an_error_as_in_pytorch():
    q, k, v = qkv(L=6, S=6)
    mask = torch.ones(6, 6, dtype=torch.bool)
    with pytest.raises(RuntimeError):
        F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=True)
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=True)


@pytest.mark.parametrize("fast", [False, True])
def test_gradients_match_torch(fast):
    q, k, v = (t.requires_grad_() for t in qkv())
    mask = causal_mask(5, 7)
    ours = scaled_dot_product_attention(q, k, v, attn_mask=mask, fast=fast)
    grads = torch.autograd.grad(ours.square().sum(), (q, k, v))
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    ref_grads = torch.autograd.grad(ref.square().sum(), (q, k, v))
    for g, r in zip(grads, ref_grads):
        assert_same(g, r)


def test_return_weights_rows_sum_to_one_and_reproduce_output():
    q, k, v = qkv()
    out, w = scaled_dot_product_attention(q, k, v, is_causal=True, return_weights=True)
    assert w.shape == (2, 3, 5, 7)
    assert_same(w.sum(-1), torch.ones(2, 3, 5, dtype=F64))
    assert_same(out, w @ v)
    assert torch.all(w.triu(1) == 0)  # causal: nothing above the diagonal


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_fully_masked_rows_give_zeros_and_finite_grads(fast, kind):
    q, k, v = (t.requires_grad_() for t in qkv())
    allowed = torch.ones(5, 7, dtype=torch.bool)
    allowed[2] = False  # query row 2 may attend nothing
    mask = (
        allowed
        if kind == "bool"
        else torch.zeros(5, 7, dtype=F64).masked_fill(~allowed, -torch.inf)
    )
    out = scaled_dot_product_attention(q, k, v, attn_mask=mask, fast=fast)
    assert torch.all(out[..., 2, :] == 0)
    assert torch.isfinite(out).all()
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    keep = torch.arange(5) != 2
    assert_same(out[..., keep, :], ref[..., keep, :])
    grads = torch.autograd.grad(out.sum(), (q, k, v))
    assert all(torch.isfinite(g).all() for g in grads)
    assert torch.all(grads[0][..., 2, :] == 0)  # the dead row's query gets no gradient


def test_fully_masked_row_weights_are_zero():
    q, k, v = qkv()
    mask = torch.ones(5, 7, dtype=torch.bool)
    mask[0] = False
    _, w = scaled_dot_product_attention(q, k, v, attn_mask=mask, return_weights=True)
    assert torch.all(w[..., 0, :] == 0)
    assert_same(w[..., 1:, :].sum(-1), torch.ones(2, 3, 4, dtype=F64))


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_low_precision_fast_and_manual_agree(dtype):
    q, k, v = qkv(dtype=dtype)
    a = scaled_dot_product_attention(q, k, v, is_causal=True, fast=False)
    b = scaled_dot_product_attention(q, k, v, is_causal=True, fast=True)
    assert a.dtype == b.dtype == dtype
    torch.testing.assert_close(a, b, atol=2e-2 if dtype == torch.bfloat16 else 1e-5, rtol=0)


@pytest.mark.parametrize(
    ("q_shape", "k_shape", "v_shape", "mask", "error", "words"),
    [
        ((2, 5, 4), (2, 7, 3), (2, 7, 6), None, ValueError, "(2, 5, 4) vs k (2, 7, 3)"),
        ((2, 5, 4), (2, 7, 4), (2, 6, 6), None, ValueError, "same length S"),
        ((2, 5, 4), (3, 7, 4), (3, 7, 6), None, ValueError, "batch dims"),
        ((5,), (7, 4), (7, 6), None, ValueError, "(..., length, dim)"),
        ((2, 5, 4), (2, 7, 4), (2, 7, 6), torch.ones(5, 6, dtype=torch.bool), ValueError, "(5, 6)"),
        ((2, 5, 4), (2, 7, 4), (2, 7, 6), torch.ones(5, 7, dtype=torch.long), TypeError, "int64"),
    ],
)
def test_bad_input_names_the_shapes(q_shape, k_shape, v_shape, mask, error, words):
    q, k, v = torch.randn(q_shape), torch.randn(k_shape), torch.randn(v_shape)
    with pytest.raises(error, match=re.escape(words)):
        scaled_dot_product_attention(q, k, v, attn_mask=mask)


def test_dtype_mismatch_is_a_type_error():
    q, k, v = qkv()
    with pytest.raises(TypeError, match="float32"):
        scaled_dot_product_attention(q.float(), k, v)


def test_causal_mask_offset_aligns_last_query_with_last_key():
    assert torch.equal(
        causal_mask(2, 4, offset=2), torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]]).bool()
    )
    assert torch.equal(causal_mask(3), torch.ones(3, 3).tril().bool())


@settings(max_examples=25, deadline=None)
@given(L=st.integers(1, 6), S=st.integers(1, 6), seed=st.integers(0, 10_000))
def test_property_permuting_keys_and_values_together_changes_nothing(L, S, seed):
    q, k, v = qkv(B=1, H=2, L=L, S=S, seed=seed)
    perm = torch.randperm(S, generator=torch.Generator().manual_seed(seed))
    a = scaled_dot_product_attention(q, k, v)
    b = scaled_dot_product_attention(q, k[..., perm, :], v[..., perm, :])
    assert_same(a, b)


@settings(max_examples=25, deadline=None)
@given(L=st.integers(2, 7), i=st.integers(0, 5), seed=st.integers(0, 10_000))
def test_property_causal_output_ignores_the_future(L, i, seed):
    i = min(i, L - 2)
    q, k, v = qkv(B=1, H=2, L=L, S=L, seed=seed)
    k2, v2 = k.clone(), v.clone()
    k2[..., i + 1 :, :] += 5.0  # change every token after i
    v2[..., i + 1 :, :] -= 3.0
    a = scaled_dot_product_attention(q, k, v, is_causal=True)
    b = scaled_dot_product_attention(q, k2, v2, is_causal=True)
    assert_same(a[..., : i + 1, :], b[..., : i + 1, :])
    assert not torch.allclose(a[..., i + 1 :, :], b[..., i + 1 :, :])


@settings(max_examples=25, deadline=None)
@given(L=st.integers(1, 6), S=st.integers(1, 6), seed=st.integers(0, 10_000))
def test_property_weights_rows_sum_to_one(L, S, seed):
    q, k, v = qkv(B=1, H=2, L=L, S=S, seed=seed)
    _, w = scaled_dot_product_attention(q, k, v, return_weights=True)
    assert torch.all(w >= 0)
    assert_same(w.sum(-1), torch.ones(1, 2, L, dtype=F64))
