"""Serving: the paged KV cache equals the contiguous one, split-K equals one pass, the
scheduler simulation counts what it claims."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from attnlib.modern.batching import Request, make_requests, simulate
from attnlib.modern.paged_kv_cache import BlockAllocator, PagedKVCache, PagedSequences
from attnlib.modern.split_k import paged_attention, split_k_attention
from attnlib.nn import CausalLM, KVCache
from compare import assert_close


def test_allocator_hands_out_lowest_ids_and_takes_them_back():
    a = BlockAllocator(3)
    assert [a.allocate(), a.allocate()] == [0, 1]
    a.share(1)
    a.release(1)
    assert a.num_free == 1  # block 1 still used once
    a.release(1)
    assert a.num_free == 2 and a.allocate() == 1
    a.allocate()
    with pytest.raises(MemoryError, match="all 3 blocks"):
        a.allocate()
    with pytest.raises(ValueError, match="already free"):
        BlockAllocator(2).release(0)


def test_paged_cache_gathers_exactly_what_was_appended():
    g = torch.Generator().manual_seed(0)
    cache = PagedKVCache(num_blocks=8, block_size=4, num_heads=2, head_dim=3, dtype=torch.float64)
    parts = {0: [], 1: []}
    for n0, n1 in ((5, 2), (1, 4), (3, 3)):  # interleaved appends of two sequences
        for seq, n in ((0, n0), (1, n1)):
            k = torch.randn(2, n, 3, generator=g, dtype=torch.float64)
            cache.append(seq, k, 2 * k)
            parts[seq].append(k)
    for seq in (0, 1):
        k, v = cache.gather(seq)
        want = torch.cat(parts[seq], dim=1)  # (H, S, D)
        assert torch.equal(k, want) and torch.equal(v, 2 * want)
    assert len(cache.tables[0]) == 3 and cache.lengths[0] == 9  # ceil(9 / 4) blocks
    cache.free(0)
    assert cache.allocator.num_free == 8 - len(cache.tables[1])


def test_fork_shares_blocks_and_copies_on_write():
    cache = PagedKVCache(num_blocks=6, block_size=4, num_heads=1, head_dim=2, dtype=torch.float64)
    prefix = torch.arange(12.0, dtype=torch.float64).view(1, 6, 2)
    cache.append(0, prefix, prefix)  # 6 tokens: blocks 0 (full) and 1 (half)
    cache.fork(0, 1)
    assert cache.tables[1] == cache.tables[0] and cache.allocator.num_free == 4
    new = torch.full((1, 1, 2), -1.0, dtype=torch.float64)
    cache.append(1, new, new)  # writes into the shared half block: copied first
    assert cache.tables[1][0] == cache.tables[0][0] and cache.tables[1][1] != cache.tables[0][1]
    assert torch.equal(cache.gather(0)[0], prefix)
    assert torch.equal(cache.gather(1)[0], torch.cat([prefix, new], dim=1))


def test_paged_cache_rejects_bad_input_before_writing():
    cache = PagedKVCache(4, 4, 2, 3)
    with pytest.raises(ValueError, match=r"\(H=2, L_new, D=3\)"):
        cache.append(0, torch.zeros(3, 1, 3), torch.zeros(3, 1, 3))
    with pytest.raises(TypeError, match="float32"):
        cache.append(0, torch.zeros(2, 1, 3, dtype=torch.float64), torch.zeros(2, 1, 3))
    assert cache.tables == {} and cache.allocator.num_free == 4


@pytest.mark.parametrize("num_kv_heads", [4, 2])
def test_generation_from_a_paged_cache_equals_the_contiguous_cache(num_kv_heads):
    torch.manual_seed(0)
    model = CausalLM(50, d_model=32, num_heads=4, num_layers=2, num_kv_heads=num_kv_heads)
    model = model.double().eval()
    prompt = torch.randint(0, 50, (2, 5))
    with torch.no_grad():
        want = model.generate(prompt, 12, return_logits=True)
        pools = [PagedKVCache(16, 4, num_kv_heads, 8, dtype=torch.float64) for _ in range(2)]
        caches = [PagedSequences(pool, [0, 1]) for pool in pools]
        idx, new, logits = prompt, prompt, []
        for _ in range(12):
            step = model(new, kv_caches=caches)[:, -1]  # (B, V)
            logits.append(step)
            new = step.argmax(-1, keepdim=True)
            idx = torch.cat([idx, new], dim=1)
    assert torch.equal(idx, want[0])
    assert_close(torch.stack(logits, 1), want[1], 1e-12, "paged vs contiguous logits")
    assert isinstance(caches[0], KVCache) and pools[0].lengths == {0: 16, 1: 16}


@pytest.mark.parametrize("num_splits", [1, 2, 3, 7, 20])
def test_split_k_equals_one_pass(num_splits):
    g = torch.Generator().manual_seed(1)
    q, k, v = (torch.randn(2, 3, n, 8, generator=g, dtype=torch.float64) for n in (1, 20, 20))
    want = F.scaled_dot_product_attention(q, k, v)
    assert_close(split_k_attention(q, k, v, num_splits), want, 1e-13, f"split-K {num_splits}")


def test_split_k_survives_large_scores_and_checks_its_inputs():
    q = torch.full((1, 1, 4), 100.0, dtype=torch.float64)
    k = torch.randn(1, 9, 4, dtype=torch.float64) * 10
    v = torch.randn(1, 9, 4, dtype=torch.float64)
    want = F.scaled_dot_product_attention(q, k, v)
    assert_close(split_k_attention(q, k, v, 3), want, 1e-12)
    with pytest.raises(ValueError, match="exceeds the number of keys S=9"):
        split_k_attention(q, k, v, 10)
    with pytest.raises(ValueError, match=r"\(\.\.\., S, Dv\)"):
        split_k_attention(q, k, v[:, :5], 2)


def test_paged_attention_reads_blocks_and_equals_dense_attention():
    g = torch.Generator().manual_seed(2)
    cache = PagedKVCache(8, 4, 2, 8, dtype=torch.float64)
    k, v = (torch.randn(2, 11, 8, generator=g, dtype=torch.float64) for _ in range(2))
    cache.append(0, torch.randn(2, 3, 8, dtype=torch.float64), k[:, :3])  # another sequence
    cache.append(5, k, v)
    q = torch.randn(2, 1, 8, generator=g, dtype=torch.float64)
    want = F.scaled_dot_product_attention(q, k, v)
    assert_close(paged_attention(q, cache, 5), want, 1e-13, "paged attention")
    with pytest.raises(KeyError, match="sequence 3"):
        paged_attention(q, cache, 3)


def test_simulation_counts_tokens_and_waste():
    one = [Request(prompt=4, output=3)]
    s = simulate(one, capacity=16, max_new_tokens=8, cache="contiguous")
    # steps store 5, 6, 7 tokens in a reservation of 4 + 8 = 12 slots
    assert (s.steps, s.tokens, s.reserved, s.used) == (3, 3, 36, 18)
    p = simulate(one, capacity=16, max_new_tokens=8, cache="paged", block_size=4)
    assert (p.steps, p.reserved, p.used) == (3, 8 + 8 + 8, 18)  # 2 blocks throughout


def test_paged_continuous_batching_wastes_less_and_finishes_sooner():
    reqs = make_requests(40, seed=0)
    runs = {
        (c, b): simulate(reqs, 1024, 96, cache=c, batching=b)
        for c in ("contiguous", "paged")
        for b in ("static", "continuous")
    }
    assert all(r.tokens == sum(q.output for q in reqs) for r in runs.values())
    static, cont, paged = (
        runs["contiguous", "static"],
        runs["contiguous", "continuous"],
        runs["paged", "continuous"],
    )
    assert paged.waste < cont.waste <= static.waste
    assert paged.steps < cont.steps < static.steps
    with pytest.raises(ValueError, match="multiple of block_size"):
        simulate(reqs, 1000, 96, cache="paged")


def test_the_paged_cache_diagram_shows_the_cache_it_is_given():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from attnlib.modern.diagrams import paged_cache, split_k

    cache = PagedKVCache(6, 4, 2, 8)
    cache.append(3, torch.zeros(2, 6, 8), torch.zeros(2, 6, 8))
    fig = paged_cache(cache)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "[0, 1]" in texts and "seq 3: 6 tok" in texts and "free blocks: 4" in texts
    plt.close(fig)
    fig = split_k(10, 3)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert ["4 keys", "3 keys", "3 keys"] == [t for t in texts if t.endswith("keys")]
    plt.close(fig)
