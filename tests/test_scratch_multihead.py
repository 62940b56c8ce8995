"""attnlib.scratch heads and MultiHeadAttention against torch.nn.MultiheadAttention (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from attnlib.scratch import MultiHeadAttention, causal_mask, merge_heads, split_heads
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_helpers import scratch_twin

TOL = 1e-10


def torch_mha(E, H, seed=0, **kwargs):
    torch.manual_seed(seed)
    mha = torch.nn.MultiheadAttention(E, H, dtype=torch.float64, **kwargs).eval()
    with torch.no_grad():  # non-zero biases, so a wrong bias mapping cannot hide
        for name, p in mha.named_parameters():
            if "bias" in name:
                p.normal_()
    return mha


# label, E, H, L, S, torch kwargs, masks to use
MHA_CASES = [
    ("self-attention", 8, 2, 5, 5, {}, ()),
    ("cross L!=S", 12, 3, 4, 7, {}, ()),
    ("key padding mask", 8, 2, 5, 6, {}, ("kpm",)),
    ("bool attn_mask (L,S)", 8, 4, 5, 6, {}, ("bool",)),
    ("float attn_mask (B*H,L,S)", 8, 2, 5, 6, {}, ("float3",)),
    ("bool mask + key padding", 16, 4, 6, 6, {}, ("causal", "kpm")),
    ("float mask + key padding", 8, 2, 5, 6, {}, ("float3", "kpm")),
    ("kdim/vdim != E", 8, 2, 5, 6, {"kdim": 5, "vdim": 3}, ("kpm",)),
    ("no bias", 8, 2, 5, 6, {"bias": False}, ()),
]


@pytest.mark.parametrize("average", [True, False], ids=["avg-weights", "per-head-weights"])
@pytest.mark.parametrize("case", MHA_CASES, ids=[c[0] for c in MHA_CASES])
def test_mha_matches_torch(case, average, close):
    label, E, H, L, S, kwargs, masks = case
    B = 3
    mha = torch_mha(E, H, batch_first=True, **kwargs)
    ours = scratch_twin(mha)
    rng = np.random.default_rng(0)
    query = rng.standard_normal((B, L, E))
    key = rng.standard_normal((B, S, kwargs.get("kdim", E)))
    value = rng.standard_normal((B, S, kwargs.get("vdim", E)))
    allowed_keys, attn_mask, torch_kw = None, None, {}
    if "kpm" in masks:
        allowed_keys = np.arange(S) < rng.integers(1, S + 1, size=B)[:, None]  # (B, S)
        torch_kw["key_padding_mask"] = torch.from_numpy(~allowed_keys)  # torch: True = padding
    if "bool" in masks or "causal" in masks:
        attn_mask = causal_mask(L, S) if "causal" in masks else rng.random((L, S)) < 0.6
        attn_mask[:, 0] = True
        torch_kw["attn_mask"] = torch.from_numpy(~attn_mask)  # torch: True = blocked
    if "float3" in masks:
        attn_mask = rng.standard_normal((B * H, L, S))
        torch_kw["attn_mask"] = torch.from_numpy(attn_mask)
        if allowed_keys is not None:  # torch wants both masks of one type; ours mixes them
            torch_kw["key_padding_mask"] = torch.from_numpy(np.where(allowed_keys, 0.0, -np.inf))
    out, w = ours(query, key, value, attn_mask, allowed_keys, True, average)
    ref_out, ref_w = mha(
        *map(torch.from_numpy, (query, key, value)),
        need_weights=True,
        average_attn_weights=average,
        **torch_kw,
    )
    kind = "avg" if average else "per-head"
    close(out, ref_out, TOL, f"mha out: {label}")
    close(w, ref_w, TOL, f"mha weights ({kind}): {label}")


def test_mha_sequence_first_and_unbatched(close):
    mha = torch_mha(8, 2, batch_first=False)
    ours = scratch_twin(mha)
    x = np.random.default_rng(1).standard_normal((5, 3, 8))  # (L, B, E), torch's default layout
    ref, _ = mha(*(torch.from_numpy(x),) * 3)
    out, w = ours(*(x.transpose(1, 0, 2),) * 3)  # ours is batch first: (B, L, E)
    close(out.transpose(1, 0, 2), ref, TOL, "mha out: batch_first=False (transposed)")
    out1, w1 = ours(x[:, 0], x[:, 0], x[:, 0], need_weights=True)  # unbatched (L, E)
    close(out1, ref[:, 0], TOL, "mha out: unbatched (L, E)")
    assert w is None and w1.shape == (5, 5)


def test_split_merge_roundtrip_and_layout():
    x = np.arange(2 * 3 * 12, dtype=float).reshape(2, 3, 12)
    h = split_heads(x, 4)
    assert h.shape == (2, 4, 3, 3)
    assert np.array_equal(h[1, 2, 0], x[1, 0, 6:9])  # head 2 holds features 6..8
    assert np.array_equal(merge_heads(h), x)


def test_mha_preserves_float32():
    mha = MultiHeadAttention(8, 2, seed=1)
    x = np.random.default_rng(2).standard_normal((2, 4, 8)).astype(np.float32)
    out, w = mha(x, x, x, need_weights=True)
    assert out.dtype == np.float32 and w.dtype == np.float32


@settings(max_examples=20, deadline=None)
@given(L=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_self_attention_is_permutation_equivariant(L, seed):
    """Without positions, permuting the tokens permutes the outputs the same way."""
    rng = np.random.default_rng(seed)
    mha = MultiHeadAttention(8, 2, seed=seed)
    x = rng.standard_normal((2, L, 8))
    perm = rng.permutation(L)
    out, _ = mha(x, x, x)
    out_perm, _ = mha(x[:, perm], x[:, perm], x[:, perm])
    assert np.allclose(out_perm, out[:, perm], rtol=0, atol=1e-12)
