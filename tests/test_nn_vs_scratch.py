"""attnlib.nn (PyTorch) agrees with attnlib.scratch (NumPy) in float64: two readings, one math."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from attnlib import scratch
from attnlib.nn import (
    MultiHeadAttention,
    RotaryEmbedding,
    SinusoidalPositionalEncoding,
    TransformerDecoderLayer,
    TransformerEncoderLayer,
    alibi_bias,
    alibi_slopes,
    scaled_dot_product_attention,
)
from compare import assert_close
from torch_helpers import scratch_twin

F64 = torch.float64


def assert_same(ours: torch.Tensor, theirs: np.ndarray, atol: float = 1e-10) -> None:
    """Shape, then dtype (both float64), then values, through the one comparison helper."""
    assert ours.dtype == F64
    assert_close(ours, theirs, atol)


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("case", ["plain", "causal", "bool-with-dead-row", "float"])
def test_sdpa_matches_scratch(fast, case):
    rng = np.random.default_rng(0)
    q, k, v = (
        rng.normal(size=(2, 3, 5, 4)),
        rng.normal(size=(2, 3, 7, 4)),
        rng.normal(size=(2, 3, 7, 6)),
    )
    mask, is_causal = None, case == "causal"
    if case == "bool-with-dead-row":
        mask = rng.random((5, 7)) > 0.4
        mask[3] = False  # a fully masked row: both libraries return zeros
    elif case == "float":
        mask = rng.normal(size=(2, 1, 5, 7))
    t = lambda a: None if a is None else torch.from_numpy(a)
    ours = scaled_dot_product_attention(t(q), t(k), t(v), t(mask), is_causal, fast=fast)
    theirs = scratch.scaled_dot_product_attention(q, k, v, mask, is_causal)
    assert_same(ours, theirs)
    _, w = scaled_dot_product_attention(t(q), t(k), t(v), t(mask), is_causal, return_weights=True)
    assert_same(
        w, scratch.scaled_dot_product_attention(q, k, v, mask, is_causal, return_weights=True)[1]
    )


@pytest.mark.parametrize("average", [True, False])
def test_mha_matches_scratch_on_torch_weights(average):
    torch.manual_seed(0)
    ref = torch.nn.MultiheadAttention(16, 4, kdim=6, vdim=10, batch_first=True).double()
    ours = MultiHeadAttention(16, 4, kdim=6, vdim=10).double()
    ours.load_torch_state_dict(ref.state_dict())
    theirs = scratch_twin(ref)
    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=(2, 5, 16)), rng.normal(size=(2, 7, 6)), rng.normal(size=(2, 7, 10))
    padding = np.array([[True] * 7, [True] * 5 + [False] * 2])  # True = real token, both libs
    out, w = ours(
        *map(torch.from_numpy, (q, k, v)),
        key_padding_mask=torch.from_numpy(padding),
        need_weights=True,
        average_attn_weights=average,
    )
    out_s, w_s = theirs(
        q, k, v, key_padding_mask=padding, need_weights=True, average_attn_weights=average
    )
    assert_same(out, out_s)
    assert_same(w, w_s)


@pytest.mark.parametrize("norm_first", [False, True])
def test_layers_match_scratch_blocks(norm_first):
    torch.manual_seed(0)
    enc_ref = torch.nn.TransformerEncoderLayer(
        16, 4, 32, 0.0, batch_first=True, norm_first=norm_first
    ).double()
    dec_ref = torch.nn.TransformerDecoderLayer(
        16, 4, 32, 0.0, activation="gelu", batch_first=True, norm_first=norm_first
    ).double()
    enc = TransformerEncoderLayer(16, 4, 32, norm_first=norm_first).double()
    dec = TransformerDecoderLayer(16, 4, 32, activation="gelu", norm_first=norm_first).double()
    enc.load_torch_state_dict(enc_ref.state_dict())
    dec.load_torch_state_dict(dec_ref.state_dict())
    rng = np.random.default_rng(2)
    x, memory = rng.normal(size=(2, 5, 16)), rng.normal(size=(2, 6, 16))
    tx, tm = torch.from_numpy(x), torch.from_numpy(memory)
    assert_same(enc(tx, is_causal=True), scratch_twin(enc_ref)(x, is_causal=True))
    assert_same(
        dec(tx, tm, tgt_is_causal=True),
        scratch_twin(dec_ref)(x, memory, tgt_is_causal=True),
    )


def test_positions_match_scratch():
    pe = SinusoidalPositionalEncoding(16, max_len=10).double()
    np.testing.assert_allclose(pe.pe.numpy(), scratch.sinusoidal_encoding(10, 16), atol=1e-6)
    x = np.random.default_rng(3).normal(size=(2, 3, 6, 8))
    positions = np.arange(4, 10)
    ours = RotaryEmbedding(8).rotate(torch.from_numpy(x), torch.from_numpy(positions))
    assert_same(ours, scratch.rope(x, positions))
    for H in (4, 6):
        np.testing.assert_allclose(alibi_slopes(H).numpy(), scratch.alibi_slopes(H), rtol=1e-6)
        np.testing.assert_allclose(
            alibi_bias(H, 3, 5).numpy(), scratch.alibi_bias(H, 3, 5), rtol=1e-6
        )
