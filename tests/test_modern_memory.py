"""Less memory per token: MLA's absorbed projections equal the explicit ones, the latent cache
equals recomputation, int8 quantisation keeps its error bound, byte counts match tensors."""

from __future__ import annotations

import pytest
import torch
from attnlib.modern.kv_bytes import kv_bytes_per_token
from attnlib.modern.kv_quant import Int8KVCache, dequantize_int8, quantize_int8
from attnlib.modern.latent_attention import LatentCache, MultiHeadLatentAttention
from attnlib.nn import CausalLM, KVCache
from compare import assert_close


@pytest.fixture
def mla():
    torch.manual_seed(0)
    return MultiHeadLatentAttention(embed_dim=32, num_heads=4, latent_dim=12).double()


def test_absorbed_projections_equal_explicit_keys_and_values(mla):
    x = torch.randn(2, 9, 32, dtype=torch.float64)
    assert_close(mla(x, absorbed=True), mla(x), 1e-12, "MLA absorbed vs explicit")


def test_mla_is_causal_and_equals_a_hand_written_reference(mla):
    x = torch.randn(1, 6, 32, dtype=torch.float64)
    out = mla(x)
    c = x @ mla.w_dkv  # (B, L, C)
    heads = []
    for h in range(4):
        q, k, v = x @ mla.w_q[h], c @ mla.w_uk[h], c @ mla.w_uv[h]  # (B, L, D)
        heads.append(torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True))
    want = sum(o @ mla.w_o[h] for h, o in enumerate(heads))
    assert_close(out, want, 1e-12, "MLA vs per-head SDPA")
    x2 = x.clone()
    x2[:, 4:] += 1.0
    assert torch.equal(mla(x2)[:, :4], out[:, :4])  # the future does not leak


@pytest.mark.parametrize("absorbed", [False, True])
def test_decoding_from_the_latent_cache_equals_the_full_pass(mla, absorbed):
    x = torch.randn(2, 7, 32, dtype=torch.float64)
    cache = LatentCache()
    steps = [mla(x[:, :3], cache, absorbed)] + [
        mla(x[:, t : t + 1], cache, absorbed) for t in range(3, 7)
    ]
    assert_close(torch.cat(steps, dim=1), mla(x), 1e-12, "MLA cached decode")
    assert cache.c.shape == (2, 7, 12)


def test_mla_rejects_bad_input(mla):
    with pytest.raises(ValueError, match=r"\(B, L, E=32\)"):
        mla(torch.zeros(2, 3, 31, dtype=torch.float64))
    with pytest.raises(TypeError, match="float64"):
        mla(torch.zeros(2, 3, 32))


def test_int8_error_is_at_most_half_a_step():
    x = torch.randn(3, 5, 64, dtype=torch.float64) * torch.logspace(-3, 2, 5)[:, None]
    codes, scale = quantize_int8(x)
    assert codes.dtype == torch.int8 and scale.shape == (3, 5, 1)
    assert codes.abs().amax(-1).eq(127).all()  # the largest entry maps to +-127
    err = (dequantize_int8(codes, scale) - x).abs()
    assert (err <= scale / 2 + 1e-15).all()
    zeros, s0 = quantize_int8(torch.zeros(4, 8))
    assert torch.equal(dequantize_int8(zeros, s0), torch.zeros(4, 8))
    with pytest.raises(TypeError, match="int8"):
        dequantize_int8(codes.int(), scale)


def test_int8_cache_decodes_like_the_float_cache_and_counts_its_bytes():
    torch.manual_seed(0)
    model = CausalLM(50, d_model=32, num_heads=4, num_layers=2, num_kv_heads=2).eval()
    prompt = torch.randint(0, 50, (2, 6))
    logits = {}
    for kind in (KVCache, Int8KVCache):
        caches, new, steps = [kind() for _ in model.blocks], prompt, []
        with torch.no_grad():
            for _ in range(8):
                step = model(new, kv_caches=caches)[:, -1]
                steps.append(step)
                new = step.argmax(-1, keepdim=True)
        logits[kind] = torch.stack(steps, 1)
    err = (logits[Int8KVCache] - logits[KVCache]).abs().max()
    assert 0 < err < 0.05  # quantised: not equal, but close
    # 2 layers, B = 2, H_kv = 2, D = 8, 6 + 7 tokens cached (the last one is never fed back)
    want = kv_bytes_per_token("int8", 2, 4, 8, num_kv_heads=2) * 2 * 13
    assert sum(c.nbytes() for c in caches) == want


def test_bytes_per_token_formulas():
    kw = {"num_layers": 32, "num_heads": 32, "head_dim": 128}
    assert kv_bytes_per_token("mha", **kw) == 2 * 32 * 32 * 128 * 2 == 524288
    assert kv_bytes_per_token("gqa", **kw, num_kv_heads=8) == 524288 // 4
    assert kv_bytes_per_token("mqa", **kw) == 524288 // 32
    assert kv_bytes_per_token("mla", **kw, latent_dim=512, rope_dim=64) == 32 * 576 * 2
    assert kv_bytes_per_token("int8", **kw) == 32 * (2 * 32 * 128 + 2 * 32 * 2)
    with pytest.raises(ValueError, match="multiple of num_kv_heads=5"):
        kv_bytes_per_token("gqa", **kw, num_kv_heads=5)
    with pytest.raises(ValueError, match="method must be"):
        kv_bytes_per_token("mla2", **kw)


def test_the_cache_per_token_diagram_counts_the_numbers_of_each_method():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from attnlib.modern.diagrams import cache_per_token

    fig = cache_per_token(4, 16, num_kv_heads=2, latent_dim=24)
    texts = [t.get_text() for t in fig.axes[0].texts]
    for n in (128, 64, 32, 24):
        assert any(t.endswith(f"= {n} numbers") for t in texts), texts
    assert len(fig.axes[0].patches) == 128 + 64 + 32 + 24  # one cell per number
    plt.close(fig)
