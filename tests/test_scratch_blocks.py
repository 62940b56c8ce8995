"""Layer norm, feed-forward, encoder/decoder blocks and the classic (Bahdanau, Luong) scores vs PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from attnlib.scratch import (
    AdditiveAttention,
    feed_forward,
    layer_norm,
    luong_score,
)
from torch_helpers import scratch_twin

TOL = 1e-10
T = torch.from_numpy


def test_layer_norm_matches_torch(close):
    rng = np.random.default_rng(0)
    x, g, b = rng.standard_normal((2, 5, 8)) * 3 + 1, rng.standard_normal(8), rng.standard_normal(8)
    close(layer_norm(x, g, b), F.layer_norm(T(x), (8,), T(g), T(b)), TOL, "layer_norm")
    assert layer_norm(x.astype(np.float32), g, b).dtype == np.float32


@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_feed_forward_matches_torch(activation, close):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 8))
    W1, b1, W2, b2 = (rng.standard_normal(s) for s in ((8, 32), (32,), (32, 8), (8,)))
    act = {"relu": F.relu, "gelu": F.gelu}[activation]
    ref = act(T(x) @ T(W1) + T(b1)) @ T(W2) + T(b2)
    close(feed_forward(x, W1, b1, W2, b2, activation), ref, TOL, f"feed_forward ({activation})")


def _randomise(layer):
    torch.manual_seed(0)
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(std=0.3)
    return layer.eval()


BLOCK_CASES = [(nf, act) for nf in (False, True) for act in ("relu", "gelu")]
BLOCK_IDS = [f"{'pre' if nf else 'post'}-LN-{act}" for nf, act in BLOCK_CASES]


@pytest.mark.parametrize("norm_first,activation", BLOCK_CASES, ids=BLOCK_IDS)
def test_encoder_block_matches_torch(norm_first, activation, close):
    layer = _randomise(
        torch.nn.TransformerEncoderLayer(
            16,
            4,
            32,
            dropout=0.0,
            activation=activation,
            batch_first=True,
            norm_first=norm_first,
            dtype=torch.float64,
        )
    )
    block = scratch_twin(layer)
    x = np.random.default_rng(2).standard_normal((3, 6, 16))
    padding = np.array([[True] * 6, [True] * 4 + [False] * 2, [True] * 2 + [False] * 4])
    with torch.no_grad():
        ref = layer(T(x), src_key_padding_mask=T(~padding))
    out = block(x, src_key_padding_mask=padding)
    real = padding[..., None]  # torch's fast path may zero padded positions: compare real tokens
    close(
        np.where(real, out, 0),
        np.where(real, ref.numpy(), 0),
        TOL,
        f"encoder block: {BLOCK_IDS[BLOCK_CASES.index((norm_first, activation))]}",
    )
    with torch.no_grad():
        ref_causal = layer(
            T(x),
            src_mask=torch.nn.Transformer.generate_square_subsequent_mask(6, dtype=torch.float64),
            is_causal=True,
        )
    close(block(x, is_causal=True), ref_causal, TOL, "encoder block causal")


@pytest.mark.parametrize("norm_first,activation", BLOCK_CASES, ids=BLOCK_IDS)
def test_decoder_block_matches_torch(norm_first, activation, close):
    layer = _randomise(
        torch.nn.TransformerDecoderLayer(
            16,
            4,
            32,
            dropout=0.0,
            activation=activation,
            batch_first=True,
            norm_first=norm_first,
            dtype=torch.float64,
        )
    )
    block = scratch_twin(layer)
    rng = np.random.default_rng(3)
    x, memory = rng.standard_normal((2, 5, 16)), rng.standard_normal((2, 7, 16))
    mem_real = np.array([[True] * 7, [True] * 3 + [False] * 4])
    causal = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    with torch.no_grad():
        ref = layer(T(x), T(memory), tgt_mask=causal, memory_key_padding_mask=T(~mem_real))
    out = block(x, memory, memory_key_padding_mask=mem_real, tgt_is_causal=True)
    close(out, ref, TOL, f"decoder block: {BLOCK_IDS[BLOCK_CASES.index((norm_first, activation))]}")
    x2 = x.copy()
    x2[:, 3:] += 5.0  # causality: changing later target tokens leaves positions 0..2 unchanged
    assert np.allclose(
        block(x2, memory, memory_key_padding_mask=mem_real, tgt_is_causal=True)[:, :3],
        out[:, :3],
        atol=1e-12,
    )


def test_additive_attention_matches_torch(close):
    rng = np.random.default_rng(4)
    attn = AdditiveAttention(query_dim=6, key_dim=5, hidden_dim=7, seed=1)
    q, k, v = (
        rng.standard_normal((2, 3, 6)),
        rng.standard_normal((2, 4, 5)),
        rng.standard_normal((2, 4, 3)),
    )
    mask = np.array([[True, True, True, False]] * 3)
    ctx, w = attn(q, k, v, mask)
    e = torch.tanh((T(q) @ T(attn.W_q))[:, :, None] + (T(k) @ T(attn.W_k))[:, None]) @ T(attn.v_a)
    ref_w = torch.softmax(e.masked_fill(~T(mask), float("-inf")), dim=-1)
    close(w, ref_w, TOL, "additive attention weights")
    close(ctx, ref_w @ T(v), TOL, "additive attention context")


def test_luong_scores_match_torch(close):
    rng = np.random.default_rng(5)
    q, k, W = (
        rng.standard_normal((2, 3, 4)),
        rng.standard_normal((2, 5, 4)),
        rng.standard_normal((4, 4)),
    )
    close(luong_score(q, k), T(q) @ T(k).transpose(1, 2), TOL, "luong dot")
    close(luong_score(q, k, "general", W), T(q) @ T(W) @ T(k).transpose(1, 2), TOL, "luong general")
