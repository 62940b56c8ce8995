"""attnlib.nn.MultiHeadAttention equals torch.nn.MultiheadAttention on the same weights."""

from __future__ import annotations

import re

import pytest
import torch
from attnlib.nn import KVCache, MultiHeadAttention
from torch_helpers import DEVICES, F64, assert_same


def pair(E=16, H=4, seed=0, device="cpu", **kw):
    """A torch.nn.MultiheadAttention with random weights and ours loaded from it (float64)."""
    torch.manual_seed(seed)
    ref = torch.nn.MultiheadAttention(E, H, **kw).to(device, F64)
    with torch.no_grad():
        for p in ref.parameters():
            p.normal_()  # biases are zero at init: make them count
    ours = MultiHeadAttention(E, H, **kw).to(device, F64)
    ours.load_torch_state_dict(ref.state_dict())
    return ours, ref


def randn(*shape, device="cpu"):
    return torch.randn(*shape, dtype=F64, device=device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("batch_first", [True, False])
def test_self_attention_matches_torch(device, fast, batch_first):
    ours, ref = pair(batch_first=batch_first, device=device)
    ours.fast = fast
    x = randn(2, 5, 16, device=device) if batch_first else randn(5, 2, 16, device=device)
    out, w = ours(x, x, x)
    assert w is None
    assert_same(out, ref(x, x, x, need_weights=False)[0])


@pytest.mark.parametrize("bias", [True, False])
def test_cross_attention_with_kdim_vdim_matches_torch(bias):
    ours, ref = pair(kdim=6, vdim=10, bias=bias, batch_first=True)
    assert "q_proj_weight" in ref.state_dict()
    q, k, v = randn(3, 4, 16), randn(3, 7, 6), randn(3, 7, 10)
    assert_same(ours(q, k, v)[0], ref(q, k, v)[0])


@pytest.mark.parametrize("average", [True, False])
@pytest.mark.parametrize("mask_kind", ["bool", "float"])
def test_masks_and_weights_match_torch(average, mask_kind):
    ours, ref = pair(batch_first=True)
    q, kv = randn(2, 5, 16), randn(2, 6, 16)
    g = torch.Generator().manual_seed(3)
    allowed = torch.rand(5, 6, generator=g) > 0.4
    allowed[:, 0] = True
    padding = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])  # ours: True = real token
    ref_padding = ~padding  # torch's boolean masks mean "blocked"
    if mask_kind == "bool":
        mask, ref_mask = allowed, ~allowed
    else:
        mask = ref_mask = torch.randn(5, 6, generator=g, dtype=F64)
        ref_padding = torch.zeros(2, 6, dtype=F64).masked_fill(~padding, -torch.inf)
    out, w = ours(
        q,
        kv,
        kv,
        attn_mask=mask,
        key_padding_mask=padding,
        need_weights=True,
        average_attn_weights=average,
    )
    ref_out, ref_w = ref(
        q, kv, kv, attn_mask=ref_mask, key_padding_mask=ref_padding, average_attn_weights=average
    )
    assert_same(out, ref_out)
    assert_same(w, ref_w)
    assert w.shape == ((2, 5, 6) if average else (2, 4, 5, 6))
    fast_out, _ = ours(q, kv, kv, attn_mask=mask, key_padding_mask=padding)
    assert_same(fast_out, ref_out)


def test_per_head_3d_mask_and_is_causal_match_torch():
    ours, ref = pair(batch_first=True)
    x = randn(2, 5, 16)
    mask3d = torch.rand(2 * 4, 5, 5, generator=torch.Generator().manual_seed(0)) > 0.3
    mask3d[..., 0] = True
    assert_same(ours(x, x, x, attn_mask=mask3d)[0], ref(x, x, x, attn_mask=~mask3d)[0])
    blocked = torch.ones(5, 5, dtype=torch.bool).triu(1)
    expected = ref(x, x, x, attn_mask=blocked, is_causal=True)[0]
    assert_same(ours(x, x, x, is_causal=True)[0], expected)


def test_unbatched_input_matches_torch():
    ours, ref = pair(batch_first=True)
    x = randn(5, 16)
    out, w = ours(x, x, x, need_weights=True)
    ref_out, ref_w = ref(x, x, x)
    assert_same(out, ref_out)
    assert_same(w, ref_w)


def test_gradients_match_torch():
    ours, ref = pair(batch_first=True)
    x = randn(2, 5, 16)
    ours(x, x, x, is_causal=True)[0].square().sum().backward()
    blocked = torch.ones(5, 5, dtype=torch.bool).triu(1)
    ref(x, x, x, attn_mask=blocked, need_weights=False)[0].square().sum().backward()
    in_proj_grad = torch.cat([p.weight.grad for p in (ours.q_proj, ours.k_proj, ours.v_proj)])
    assert_same(in_proj_grad, ref.in_proj_weight.grad)
    assert_same(ours.out_proj.weight.grad, ref.out_proj.weight.grad)
    assert_same(ours.out_proj.bias.grad, ref.out_proj.bias.grad)


@pytest.mark.parametrize("kw", [{}, {"kdim": 6, "vdim": 10}, {"bias": False}])
def test_state_dict_round_trip(kw):
    ours, ref = pair(**kw)
    sd = ours.torch_state_dict()
    assert sd.keys() == ref.state_dict().keys()
    for name, t in ref.state_dict().items():
        assert_same(sd[name], t, atol=0)
    fresh = torch.nn.MultiheadAttention(16, 4, **kw).double()
    fresh.load_state_dict(sd)  # strict: the names and shapes are PyTorch's


def test_load_rejects_wrong_keys():
    ours, _ = pair()
    ref = torch.nn.MultiheadAttention(16, 4, add_bias_kv=True)
    with pytest.raises(ValueError, match="bias_k"):
        ours.load_torch_state_dict(ref.state_dict())


@pytest.mark.parametrize("num_kv_heads", [1, 2])
def test_gqa_equals_mha_with_repeated_kv_weights(num_kv_heads):
    torch.manual_seed(0)
    gqa = MultiHeadAttention(16, 4, num_kv_heads=num_kv_heads).double()
    mha = MultiHeadAttention(16, 4).double()
    group, D = 4 // num_kv_heads, 4
    with torch.no_grad():
        mha.q_proj.load_state_dict(gqa.q_proj.state_dict())
        mha.out_proj.load_state_dict(gqa.out_proj.state_dict())
        for src, dst in ((gqa.k_proj, mha.k_proj), (gqa.v_proj, mha.v_proj)):
            # (Hkv*D, E) -> (Hkv, D, E) -> each kv head copied to its `group` query heads
            dst.weight.copy_(
                src.weight.view(num_kv_heads, D, 16).repeat_interleave(group, 0).reshape(16, 16)
            )
            dst.bias.copy_(src.bias.view(num_kv_heads, D).repeat_interleave(group, 0).reshape(16))
    assert gqa.k_proj.weight.shape == (num_kv_heads * D, 16)
    x = randn(2, 5, 16)
    for fast in (True, False):
        gqa.fast = fast
        assert_same(gqa(x, x, x, is_causal=True)[0], mha(x, x, x, is_causal=True)[0])
    with pytest.raises(ValueError, match="grouped-query"):
        gqa.torch_state_dict()


def test_dropout_only_in_training():
    ours = MultiHeadAttention(16, 4, dropout=0.5).double()
    x = randn(2, 5, 16)
    ours.eval()
    assert torch.equal(ours(x, x, x)[0], ours(x, x, x)[0])
    ours.train()
    torch.manual_seed(0)
    a = ours(x, x, x)[0]
    assert not torch.allclose(a, ours(x, x, x)[0])


def test_kv_cache_step_by_step_equals_full_causal():
    ours, _ = pair(batch_first=True)
    x = randn(2, 6, 16)
    full = ours(x, x, x, is_causal=True)[0]
    cache = KVCache()
    steps = [
        ours(x[:, t : t + 1], x[:, t : t + 1], x[:, t : t + 1], is_causal=True, kv_cache=cache)[0]
        for t in range(6)
    ]
    assert len(cache) == 6
    assert_same(torch.cat(steps, dim=1), full)


@pytest.mark.parametrize(
    ("shapes", "kw", "words"),
    [
        (((2, 5, 12), (2, 5, 16), (2, 5, 16)), {}, "query of shape (2, 5, 12) must end in 16"),
        (((2, 5, 16), (2, 5, 16), (2, 4, 16)), {}, "key (2, 5, 16) and value (2, 4, 16)"),
        (((2, 5, 16), (3, 5, 16), (3, 5, 16)), {}, "batch sizes differ"),
        (
            ((2, 5, 16), (2, 6, 16), (2, 6, 16)),
            {"attn_mask": torch.ones(5, 5).bool()},
            "attn_mask of shape (5, 5)",
        ),
        (
            ((2, 5, 16), (2, 6, 16), (2, 6, 16)),
            {"key_padding_mask": torch.ones(2, 5).bool()},
            "key_padding_mask of shape (2, 5) must be (B, S) = (2, 6)",
        ),
    ],
)
def test_bad_input_names_the_shapes(shapes, kw, words):
    ours = MultiHeadAttention(16, 4)
    q, k, v = (torch.randn(s) for s in shapes)
    with pytest.raises(ValueError, match=re.escape(words)):
        ours(q, k, v, **kw)


def test_bad_head_counts():
    with pytest.raises(ValueError, match="not divisible by num_heads=3"):
        MultiHeadAttention(16, 3)
    with pytest.raises(ValueError, match="num_kv_heads=3"):
        MultiHeadAttention(16, 4, num_kv_heads=3)
