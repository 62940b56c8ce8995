"""Generating with a KV cache gives the same logits and tokens as recomputing from scratch.

Not bit for bit in float32: the cached step multiplies a (B, 1, E) row by the weights while the
recomputation multiplies the whole (B, T, E) block, and the BLAS kernels accumulate those sums
in a different order. The tokens are identical, the logits agree to float32 rounding
(<= 1e-6 relative), and in float64 to 1e-12.
"""

from __future__ import annotations

import pytest
import torch
from attnlib.nn import CausalLM, KVCache, MultiHeadAttention, Seq2SeqTransformer

CONFIGS = {
    "mha-learned": dict(positional="learned"),
    "gqa-rope": dict(positional="rope", num_kv_heads=2),
    "mqa-learned": dict(positional="learned", num_kv_heads=1),
    "mha-rope-untied": dict(positional="rope", tie_weights=False),
}


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cached_generation_equals_recomputation(name, dtype):
    torch.manual_seed(0)
    model = (
        CausalLM(vocab_size=40, d_model=32, num_heads=4, num_layers=2, max_len=64, **CONFIGS[name])
        .to(dtype)
        .eval()
    )
    prompt = torch.randint(0, 40, (3, 5))
    tokens_cached, logits_cached = model.generate(prompt, 24, use_cache=True, return_logits=True)
    tokens_full, logits_full = model.generate(prompt, 24, use_cache=False, return_logits=True)
    assert torch.equal(tokens_cached, tokens_full)
    assert logits_cached.shape == (3, 24, 40) and logits_cached.dtype == dtype
    scale = logits_full.abs().max()
    rel = ((logits_cached - logits_full).abs().max() / scale).item()
    assert rel <= (1e-6 if dtype == torch.float32 else 1e-12), rel


def test_cache_holds_only_the_kv_heads():
    torch.manual_seed(0)
    model = CausalLM(40, 32, 4, 2, num_kv_heads=1).eval()
    caches = [KVCache() for _ in model.blocks]
    model(torch.randint(0, 40, (2, 7)), kv_caches=caches)
    assert [len(c) for c in caches] == [7, 7]
    assert caches[0].k.shape == (2, 1, 7, 8)  # (B, H_kv, S, D): one shared head
    model(torch.randint(0, 40, (2, 1)), kv_caches=caches)
    assert caches[1].v.shape == (2, 1, 8, 8)


@pytest.mark.parametrize("num_kv_heads", [4, 2, 1])
def test_mha_chunked_prefill_with_cache_equals_full(num_kv_heads):
    torch.manual_seed(0)
    mha = MultiHeadAttention(16, 4, num_kv_heads=num_kv_heads).double()
    x = torch.randn(2, 9, 16, dtype=torch.float64)
    full, _ = mha(x, x, x, is_causal=True)
    cache, outs = KVCache(), []
    for chunk in (x[:, :4], x[:, 4:5], x[:, 5:]):  # prompt, one token, several tokens
        outs.append(mha(chunk, chunk, chunk, is_causal=True, kv_cache=cache)[0])
    torch.testing.assert_close(torch.cat(outs, 1), full, atol=1e-12, rtol=0)


def test_cache_rejects_mismatched_heads_and_resets():
    cache = KVCache()
    cache.update(torch.zeros(1, 2, 3, 4), torch.zeros(1, 2, 3, 4))
    with pytest.raises(ValueError, match=r"\(1, 4, 1, 4\).*\(1, 2, 3, 4\)"):
        cache.update(torch.zeros(1, 4, 1, 4), torch.zeros(1, 4, 1, 4))
    cache.reset()
    assert len(cache) == 0


def test_learned_positions_refuse_to_run_past_max_len():
    model = CausalLM(10, 16, 2, 1, max_len=8)
    with pytest.raises(ValueError, match="max_len=8"):
        model.generate(torch.zeros(1, 4, dtype=torch.long), 6)


def test_seq2seq_decoder_with_cache_equals_full_decode():
    torch.manual_seed(0)
    model = Seq2SeqTransformer(12, 12, d_model=32, num_heads=4).double().eval()
    src, tgt = torch.randint(0, 12, (2, 5)), torch.randint(0, 12, (2, 6))
    memory = model.encode(src)
    full = model.decode(tgt, memory)  # (B, L, V) in one pass
    caches = [KVCache() for _ in model.decoder]
    steps = [model.decode(tgt[:, t : t + 1], memory, kv_caches=caches) for t in range(6)]
    torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-12, rtol=0)
