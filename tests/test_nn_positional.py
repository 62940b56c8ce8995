"""Positional encodings: sinusoidal, learned, RoPE, ALiBi."""

from __future__ import annotations

import math

import pytest
import torch
from attnlib.nn import (
    ALiBi,
    LearnedPositionalEmbedding,
    MultiHeadAttention,
    RotaryEmbedding,
    SinusoidalPositionalEncoding,
    alibi_bias,
    alibi_slopes,
)

F64 = torch.float64


def test_sinusoidal_values_follow_the_formula():
    pe = SinusoidalPositionalEncoding(d_model=8, max_len=10)
    x = torch.zeros(1, 10, 8)
    enc = pe(x)[0]
    p, i = 3, 2  # position 3, pair 2 -> features 4 (sin) and 5 (cos)
    angle = p / 10000 ** (2 * i / 8)
    assert enc[p, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-6)
    assert enc[p, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-6)
    torch.testing.assert_close(pe(x[:, :4], offset=6), enc[6:10][None])
    with pytest.raises(ValueError, match="max_len=10"):
        pe(x, offset=1)


def test_learned_embedding_adds_a_trainable_row_per_position():
    emb = LearnedPositionalEmbedding(max_len=6, d_model=4)
    x = torch.zeros(2, 3, 4)
    torch.testing.assert_close(emb(x, offset=2), emb.weight[2:5].expand(2, 3, 4))
    emb(x).sum().backward()
    assert emb.weight.grad[:3].abs().sum() > 0 and emb.weight.grad[3:].abs().sum() == 0


def test_rope_keeps_norms_and_scores_depend_on_offset_only():
    rope = RotaryEmbedding(head_dim=8)
    q, k = torch.randn(1, 1, 1, 8, dtype=F64), torch.randn(1, 1, 1, 8, dtype=F64)
    scores = []
    for m, n in ((5, 2), (13, 10), (3, 0)):  # same distance m - n = 3
        qm = rope.rotate(q, torch.tensor([m]))
        kn = rope.rotate(k, torch.tensor([n]))
        torch.testing.assert_close(qm.norm(), q.norm())
        scores.append((qm * kn).sum())
    torch.testing.assert_close(scores[0], scores[1], atol=1e-12, rtol=0)
    torch.testing.assert_close(scores[0], scores[2], atol=1e-12, rtol=0)
    assert not torch.allclose(scores[0], (q * k).sum())


def test_rope_rotates_the_first_pair_by_position_times_one():
    rope = RotaryEmbedding(head_dim=4)
    x = torch.tensor([[1.0, 0.0, 1.0, 0.0]], dtype=F64)  # (L=1, D=4)
    out = rope.rotate(x, torch.tensor([2]))
    expected_pair0 = [math.cos(2.0), math.sin(2.0)]  # theta_0 = 1
    torch.testing.assert_close(out[0, :2], torch.tensor(expected_pair0, dtype=F64))


def test_rope_in_attention_is_shift_invariant():
    torch.manual_seed(0)
    mha = MultiHeadAttention(16, 4, rotary=RotaryEmbedding(4)).double()
    x = torch.randn(1, 5, 16, dtype=F64)
    _, w = mha(x, x, x, need_weights=True, average_attn_weights=False)
    # RoPE depends on relative position: the same tokens at later absolute positions
    q = mha.q_proj(x).view(1, 5, 4, 4).transpose(1, 2)
    k = mha.k_proj(x).view(1, 5, 4, 4).transpose(1, 2)
    q0, k0 = mha.rotary(q, k, offset=0)
    q7, k7 = mha.rotary(q, k, offset=7)
    torch.testing.assert_close(q0 @ k0.transpose(-2, -1), q7 @ k7.transpose(-2, -1))
    expected = torch.softmax(q0 @ k0.transpose(-2, -1) / 2.0, dim=-1)
    torch.testing.assert_close(w, expected)


def test_alibi_slopes_match_the_paper():
    torch.testing.assert_close(alibi_slopes(8), torch.tensor([2.0 ** -(i + 1) for i in range(8)]))
    assert len(alibi_slopes(6)) == 6
    torch.testing.assert_close(alibi_slopes(6)[:4], alibi_slopes(4))


def test_alibi_bias_penalises_distance_and_aligns_the_last_query():
    bias = alibi_bias(num_heads=2, L=2, S=4)
    assert bias.shape == (2, 2, 4)
    m = alibi_slopes(2)[0].item()  # 2^-4
    assert bias[0, 1].tolist() == pytest.approx([-3 * m, -2 * m, -m, 0.0])  # last query = key 3
    assert bias[0, 0, 2].item() == 0.0
    assert torch.equal(ALiBi(2)(2, 4), bias[None])


def test_alibi_as_an_attention_mask():
    torch.manual_seed(0)
    mha = MultiHeadAttention(16, 4).double()
    x = torch.randn(2, 6, 16, dtype=F64)
    bias = alibi_bias(4, 6).double()[None]  # (1, H, L, S)
    out_fast, _ = mha(x, x, x, attn_mask=bias, is_causal=True)
    mha.fast = False
    out_manual, w = mha(x, x, x, attn_mask=bias, is_causal=True, need_weights=True)
    torch.testing.assert_close(out_fast, out_manual, atol=1e-12, rtol=0)
    assert torch.all(w.triu(1) == 0)
