"""Bad input to every public entry point raises before any arithmetic, naming what is wrong.

One row per (entry point, kind of mistake): the call, the exception type, and a regex of what
the message must name (the offending value, shape or dtype). Kernels: tests/test_kernels.py;
the original scratch cases: tests/test_scratch_checks.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from attnlib import nn as tnn
from attnlib import scratch

R = np.random.default_rng(0)


def arr(*shape, dtype=np.float64):
    return R.standard_normal(shape).astype(dtype)


def ten(*shape, dtype=torch.float64):
    return torch.randn(*shape, dtype=dtype)


def names(*parts):
    """A regex requiring every part (a shape, value or dtype) in order in the message."""
    return ".*".join(re.escape(str(p)) for p in parts)


S_MHA = scratch.MultiHeadAttention(8, 2)
T_MHA = tnn.MultiHeadAttention(8, 2).double()
X, TX = arr(2, 5, 8), ten(2, 5, 8)
q4, k4, v4 = arr(2, 5, 4), arr(2, 6, 4), arr(2, 6, 4)
tiled_out, tiled_lse = scratch.tiled_attention(q4, k4, v4, return_logsumexp=True)

SCRATCH = [
    # scaled_dot_product_attention
    (
        "sdpa head dim 0",
        lambda: scratch.scaled_dot_product_attention(arr(5, 0), arr(6, 0), arr(6, 3)),
        ValueError,
        names("at least 1", (5, 0)),
    ),
    (
        "sdpa is_causal not a bool",
        lambda: scratch.scaled_dot_product_attention(q4, k4, v4, is_causal="yes"),
        TypeError,
        names("is_causal", "yes"),
    ),
    (
        "sdpa scale an array",
        lambda: scratch.scaled_dot_product_attention(q4, k4, v4, scale=np.ones(3)),
        TypeError,
        "scale",
    ),
    # backward passes
    (
        "sdpa_backward dout shape",
        lambda: scratch.sdpa_backward(arr(2, 5, 3), q4, k4, v4),
        ValueError,
        names("dout", (2, 5, 4), (2, 5, 3)),
    ),
    (
        "sdpa_backward dout broadcastable",
        lambda: scratch.sdpa_backward(arr(5, 4), q4, k4, v4),
        ValueError,
        names("dout", (2, 5, 4), (5, 4)),
    ),
    (
        "sdpa_backward integer dout",
        lambda: scratch.sdpa_backward(np.ones((2, 5, 4), int), q4, k4, v4),
        TypeError,
        names("dout", "int64"),
    ),
    (
        "softmax_backward dy shape",
        lambda: scratch.softmax_backward(arr(3, 4), arr(3, 1)),
        ValueError,
        names("dy", (3, 4), (3, 1)),
    ),
    (
        "mha_backward dout shape",
        lambda: scratch.mha_backward(arr(2, 5, 1), S_MHA, X, X, X),
        ValueError,
        names("dout", (2, 5, 8), (2, 5, 1)),
    ),
    (
        "mha_backward integer query",
        lambda: scratch.mha_backward(X, S_MHA, np.ones((2, 5, 8), int), X, X),
        TypeError,
        names("query", "int64"),
    ),
    (
        "tiled backward dout shape",
        lambda: scratch.tiled_attention_backward(arr(2, 5, 1), q4, k4, v4, tiled_out, tiled_lse),
        ValueError,
        names("dout", (2, 5, 4), (2, 5, 1)),
    ),
    (
        "tiled backward out shape",
        lambda: scratch.tiled_attention_backward(
            tiled_out, q4, k4, v4, tiled_out[:, :3], tiled_lse
        ),
        ValueError,
        names("out", (2, 5, 4), (2, 3, 4)),
    ),
    (
        "tiled backward lse shape",
        lambda: scratch.tiled_attention_backward(tiled_out, q4, k4, v4, tiled_out, tiled_lse[None]),
        ValueError,
        names("logsumexp", (2, 5), (1, 2, 5)),
    ),
    (
        "tiled block_q 0",
        lambda: scratch.tiled_attention(q4, k4, v4, block_q=0),
        ValueError,
        names("block_q", 0),
    ),
    # masks
    ("causal_mask negative L", lambda: scratch.causal_mask(-1), ValueError, names("L=-1")),
    ("causal_mask negative S", lambda: scratch.causal_mask(3, -2), ValueError, names("S=-2")),
    ("causal_mask float L", lambda: scratch.causal_mask(2.5), TypeError, names("L", "2.5")),
    (
        "causal_mask float offset",
        lambda: scratch.causal_mask(3, offset=0.5),
        TypeError,
        names("offset", "0.5"),
    ),
    (
        "lengths_to_mask negative S",
        lambda: scratch.lengths_to_mask(np.array([1]), -4),
        ValueError,
        names("S=-4"),
    ),
    # heads and positions
    ("split_heads zero heads", lambda: scratch.split_heads(X, 0), ValueError, names("num_heads=0")),
    (
        "split_heads negative heads",
        lambda: scratch.split_heads(X, -2),
        ValueError,
        names("num_heads=-2"),
    ),
    (
        "sinusoidal negative L",
        lambda: scratch.sinusoidal_encoding(-3, 8),
        ValueError,
        names("L=-3"),
    ),
    ("sinusoidal E 0", lambda: scratch.sinusoidal_encoding(3, 0), ValueError, names("E=0")),
    ("alibi_slopes 0 heads", lambda: scratch.alibi_slopes(0), ValueError, names("num_heads=0")),
    ("alibi_bias negative L", lambda: scratch.alibi_bias(2, -1), ValueError, names("L=-1")),
    ("rope_angles D 0", lambda: scratch.rope_angles(np.arange(3), 0), ValueError, names("D=0")),
    (
        "learned table 0 rows",
        lambda: scratch.LearnedPositionalEmbedding(0, 4),
        ValueError,
        names("max_len=0"),
    ),
    # modules
    ("MHA 0 heads", lambda: scratch.MultiHeadAttention(8, 0), ValueError, names("num_heads=0")),
    ("MHA -2 heads", lambda: scratch.MultiHeadAttention(8, -2), ValueError, names("num_heads=-2")),
    (
        "MHA float heads",
        lambda: scratch.MultiHeadAttention(8, 2.0),
        TypeError,
        names("num_heads", "2.0"),
    ),
    (
        "MHA integer query",
        lambda: S_MHA(np.ones((2, 5, 8), int), X, X),
        TypeError,
        names("query", "int64"),
    ),
    (
        "MHA integer attn_mask",
        lambda: S_MHA(X, X, X, attn_mask=np.ones((5, 5), int)),
        TypeError,
        names("int64", (1, 1, 5, 5)),
    ),
    (
        "MHA integer key_padding_mask",
        lambda: S_MHA(X, X, X, key_padding_mask=np.ones((2, 5), int)),
        TypeError,
        names("int64"),
    ),
    (
        "MHA mixed dtypes",
        lambda: S_MHA(X.astype(np.float32), X, X),
        TypeError,
        names("float32", "float64"),
    ),
    (
        "OnlineSoftmax scores rows",
        lambda: scratch.OnlineSoftmax((2, 3), 4).update(arr(2, 4, 5), arr(2, 5, 4)),
        ValueError,
        names((2, 4, 5), (2, 3)),
    ),
    (
        "OnlineSoftmax values width",
        lambda: scratch.OnlineSoftmax((3,), 4).update(arr(3, 5), arr(5, 2)),
        ValueError,
        names((5, 2), (5, 4)),
    ),
    (
        "feed_forward b1 shape",
        lambda: scratch.feed_forward(arr(2, 8), arr(8, 16), arr(8), arr(16, 8), arr(8)),
        ValueError,
        names("b1", (8,), (16,)),
    ),
    ("gelu integer x", lambda: scratch.gelu(np.arange(3)), TypeError, names("int64")),
    ("EncoderBlock 0 heads", lambda: scratch.EncoderBlock(8, 0), ValueError, names("nhead=0")),
    (
        "EncoderBlock dropout",
        lambda: scratch.EncoderBlock(8, 2, 16, dropout=0.1),
        ValueError,
        names("dropout", "0.1"),
    ),
    (
        "EncoderBlock unknown keyword",
        lambda: scratch.EncoderBlock(8, 2, 16)(X, mask=None),
        TypeError,
        names("mask"),
    ),
]

NN = [
    # functional
    ("sdpa NumPy q", lambda: tnn.scaled_dot_product_attention(arr(5, 4), ten(6, 4), ten(6, 4)),
     TypeError, names("q", "ndarray")),
    ("sdpa integer q", lambda: tnn.scaled_dot_product_attention(torch.ones(5, 4, dtype=torch.long), ten(6, 4), ten(6, 4)),
     TypeError, names("q", "torch.int64")),
    ("sdpa head dim 0", lambda: tnn.scaled_dot_product_attention(ten(5, 0), ten(6, 0), ten(6, 3)),
     ValueError, names("at least 1", (5, 0))),
    ("sdpa integer mask", lambda: tnn.scaled_dot_product_attention(
        ten(5, 4), ten(6, 4), ten(6, 4), torch.ones(5, 6, dtype=torch.long)), TypeError, names("torch.int64", (5, 6))),
    ("sdpa NumPy mask", lambda: tnn.scaled_dot_product_attention(ten(5, 4), ten(6, 4), ten(6, 4), np.ones((5, 6), bool)),
     TypeError, names("attn_mask", "ndarray")),
    ("sdpa is_causal not a bool", lambda: tnn.scaled_dot_product_attention(ten(5, 4), ten(5, 4), ten(5, 4), is_causal=1),
     TypeError, names("is_causal", 1)),
    ("sdpa dropout_p 2", lambda: tnn.scaled_dot_product_attention(ten(5, 4), ten(5, 4), ten(5, 4), dropout_p=2.0),
     ValueError, names("dropout_p", 2.0)),
    ("sdpa mask and is_causal", lambda: tnn.scaled_dot_product_attention(
        ten(5, 4), ten(5, 4), ten(5, 4), torch.ones(5, 5, dtype=torch.bool), True), ValueError, "either attn_mask or is_causal"),
    ("causal_mask negative L", lambda: tnn.causal_mask(-1), ValueError, names("L=-1")),
    ("causal_mask float offset", lambda: tnn.causal_mask(3, 4, offset=1.5), TypeError, names("offset", "1.5")),
    # MultiHeadAttention
    ("MHA 0 heads", lambda: tnn.MultiHeadAttention(8, 0), ValueError, names("num_heads=0")),
    ("MHA -1 heads", lambda: tnn.MultiHeadAttention(8, -1), ValueError, names("num_heads=-1")),
    ("MHA 0 kv heads", lambda: tnn.MultiHeadAttention(8, 2, num_kv_heads=0), ValueError, names("num_kv_heads=0")),
    ("MHA dropout 1.5", lambda: tnn.MultiHeadAttention(8, 2, dropout=1.5), ValueError, names("dropout", 1.5)),
    ("MHA integer query", lambda: T_MHA(torch.ones(2, 5, 8, dtype=torch.long), TX, TX), TypeError, names("query", "torch.int64")),
    ("MHA NumPy query", lambda: T_MHA(X, TX, TX), TypeError, names("query", "ndarray")),
    ("MHA integer attn_mask", lambda: T_MHA(TX, TX, TX, attn_mask=torch.ones(5, 5, dtype=torch.long)),
     TypeError, names("attn_mask", "torch.int64", (5, 5))),
    ("MHA integer key_padding_mask", lambda: T_MHA(TX, TX, TX, key_padding_mask=torch.ones(2, 5, dtype=torch.int32)),
     TypeError, names("key_padding_mask", "torch.int32", (2, 5))),
    ("MHA is_causal not a bool", lambda: T_MHA(TX, TX, TX, is_causal="no"), TypeError, names("is_causal", "no")),
    ("MHA kv_cache not a cache", lambda: T_MHA(TX, TX, TX, kv_cache=[]), TypeError, names("kv_cache", "list")),
    # KV cache
    ("KVCache k and v lengths", lambda: tnn.KVCache().update(ten(1, 2, 3, 4), ten(1, 2, 2, 4)),
     ValueError, names((1, 2, 3, 4), (1, 2, 2, 4))),
    ("KVCache rank 3", lambda: tnn.KVCache().update(ten(2, 3, 4), ten(2, 3, 4)), ValueError, names((2, 3, 4))),
    ("KVCache integer keys", lambda: tnn.KVCache().update(torch.ones(1, 2, 3, 4, dtype=torch.long), ten(1, 2, 3, 4)),
     TypeError, names("torch.int64")),
    # positions and layers
    ("alibi_slopes 0 heads", lambda: tnn.alibi_slopes(0), ValueError, names("num_heads=0")),
    ("alibi_bias negative S", lambda: tnn.alibi_bias(2, 3, -1), ValueError, names("S=-1")),
    ("sinusoidal d_model 0", lambda: tnn.SinusoidalPositionalEncoding(0), ValueError, names("d_model=0")),
    ("rotary head_dim 0", lambda: tnn.RotaryEmbedding(0), ValueError, names("head_dim=0")),
    ("sinusoidal forward width", lambda: tnn.SinusoidalPositionalEncoding(8)(ten(2, 5, 6)),
     ValueError, names(8, (2, 5, 6))),
    ("sinusoidal negative offset", lambda: tnn.SinusoidalPositionalEncoding(8)(ten(2, 5, 8), offset=-1),
     ValueError, names("offset=-1")),
    ("rotary forward head dim", lambda: tnn.RotaryEmbedding(8)(ten(2, 5, 6), ten(2, 5, 6)), ValueError, names(8, (2, 5, 6))),
    ("rotary NumPy q", lambda: tnn.RotaryEmbedding(8)(arr(2, 5, 8), ten(2, 5, 8)), TypeError, names("q", "ndarray")),
    ("learned positions integer x", lambda: tnn.LearnedPositionalEmbedding(8, 4)(torch.ones(1, 3, 4, dtype=torch.long)),
     TypeError, names("torch.int64")),
    ("ALiBi 0 heads", lambda: tnn.ALiBi(0), ValueError, names("num_heads=0")),
    ("encoder layer 0 heads", lambda: tnn.TransformerEncoderLayer(8, 0), ValueError, names("num_heads=0")),
    ("encoder layer 0 feed-forward", lambda: tnn.TransformerEncoderLayer(8, 2, 0), ValueError, names("dim_feedforward=0")),
]  # fmt: skip


@pytest.mark.parametrize(
    "call, error, message", [c[1:] for c in SCRATCH], ids=[c[0] for c in SCRATCH]
)
def test_scratch_rejects(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("call, error, message", [c[1:] for c in NN], ids=[c[0] for c in NN])
def test_nn_rejects(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"attn_mask": torch.ones(5, 4, dtype=torch.bool)},
        {"key_padding_mask": torch.ones(2, 4, dtype=torch.bool)},
    ],
    ids=["attn_mask", "key_padding_mask"],
)
def test_nn_mha_checks_masks_before_the_projections(kwargs):
    mha = tnn.MultiHeadAttention(8, 2).double()
    ran = []
    mha.q_proj.register_forward_hook(lambda *args: ran.append("q_proj"))
    with pytest.raises(ValueError, match=re.escape("(2, 5)") + "|" + re.escape("(5, 5)")):
        mha(TX, TX, TX, **kwargs)
    assert ran == []


def test_nn_mha_checks_the_cache_before_the_projections():
    mha, cache = tnn.MultiHeadAttention(8, 2).double(), tnn.KVCache()
    mha(TX, TX, TX, kv_cache=cache)  # fills the cache for B = 2
    ran = []
    mha.q_proj.register_forward_hook(lambda *args: ran.append("q_proj"))
    with pytest.raises(ValueError, match=names("(B, H_kv) = (2, 2)", "B=1")):
        mha(TX[:1], TX[:1], TX[:1], kv_cache=cache)
    assert ran == [] and len(cache) == 5


def test_kv_cache_rejects_a_step_unlike_the_cache():
    cache = tnn.KVCache()
    cache.update(ten(1, 2, 3, 4), ten(1, 2, 3, 5))
    with pytest.raises(ValueError, match=names("values", (1, 2, 1, 4), (1, 2, 3, 5))):
        cache.update(ten(1, 2, 1, 4), ten(1, 2, 1, 4))
    assert len(cache) == 3  # nothing was appended
