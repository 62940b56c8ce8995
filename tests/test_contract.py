"""One contract, two backends: every public name that ``attnlib.scratch`` and ``attnlib.nn`` share
is called with the same arguments on both, and the results (or the exception types) compared.

NumPy arrays go to ``scratch``; the same arrays as float64 tensors go to ``nn``. Modules are
built with the same constructor arguments and load the same ``torch.nn`` weights through the
one loading verb, ``load_torch_state_dict``. Deliberate differences are listed in API_CHANGES.md.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from attnlib import nn as tnn
from attnlib import scratch
from compare import assert_close

R = np.random.default_rng(0)


def as_torch(x):
    """The nn-side copy of an argument: arrays become tensors, containers are walked."""
    if isinstance(x, np.ndarray):
        return torch.from_numpy(x.copy())
    if isinstance(x, dict):
        return {k: as_torch(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(as_torch(v) for v in x)
    return x


def as_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, (tuple, list)):
        return type(x)(as_numpy(v) for v in x)
    return x


def same(ours_np, ours_torch, atol=1e-12):
    """:func:`compare.assert_close` on results that may be nested tuples or None.

    The nn side is compared in float64 (nn keeps a few tables in float32: documented).
    """
    if ours_np is None or ours_torch is None:
        assert ours_np is None and ours_torch is None
        return
    if isinstance(ours_np, tuple):
        assert len(ours_np) == len(ours_torch)
        for a, b in zip(ours_np, ours_torch):
            same(a, b, atol)
        return
    assert_close(np.asarray(ours_np, np.float64), ours_torch.double(), atol)


def qkv(L=5, S=7, D=4, Dv=6, batch=(2, 3)):
    return (
        R.normal(size=(*batch, L, D)),
        R.normal(size=(*batch, S, D)),
        R.normal(size=(*batch, S, Dv)),
    )


dead = R.random((5, 7)) > 0.4
dead[3] = False  # a fully masked row: zeros on both backends
SDPA_CASES = {
    "plain": (qkv(), {}),
    "causal L<S": (qkv(), {"is_causal": True}),
    "causal L>S": (qkv(L=7, S=5), {"is_causal": True}),
    "bool mask with a dead row": (qkv(), {"attn_mask": dead}),
    "float mask": (qkv(), {"attn_mask": R.normal(size=(2, 1, 5, 7))}),
    "scale": (qkv(), {"scale": 0.3}),
    "weights": (qkv(), {"is_causal": True, "return_weights": True}),
}


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize("case", SDPA_CASES)
def test_scaled_dot_product_attention(case, fast):
    args, kwargs = SDPA_CASES[case]
    ours_np = scratch.scaled_dot_product_attention(*args, **kwargs)
    ours_torch = tnn.scaled_dot_product_attention(*as_torch(args), **as_torch(kwargs), fast=fast)
    same(ours_np, ours_torch)


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((3,), {}),
        ((3, 5), {}),
        ((5, 3), {}),
        ((3, 5), {"offset": 2}),
        ((4, 4), {"offset": -1}),
        ((0, 3), {}),
        ((2, 6), {"offset": 4}),
    ],
)
def test_causal_mask(args, kwargs):
    ours_np, ours_torch = scratch.causal_mask(*args, **kwargs), tnn.causal_mask(*args, **kwargs)
    assert ours_np.dtype == np.bool_ and ours_torch.dtype == torch.bool
    np.testing.assert_array_equal(ours_np, ours_torch.numpy())


@pytest.mark.parametrize("H", range(1, 10))
def test_alibi(H):
    same(scratch.alibi_slopes(H), tnn.alibi_slopes(H), atol=1e-7)  # nn: float32
    same(scratch.alibi_bias(H, 3, 5), tnn.alibi_bias(H, 3, 5), atol=1e-6)


def _torch_mha(E, H, kdim=None, vdim=None, bias=True):
    torch.manual_seed(1)
    ref = torch.nn.MultiheadAttention(E, H, bias=bias, kdim=kdim, vdim=vdim, batch_first=True)
    return ref.double().state_dict()


PAD = np.array([[True] * 6, [True] * 4 + [False] * 2])
MHA_CASES = {
    "self": ({}, {}),
    "bias=False": ({"bias": False}, {}),
    "kdim, vdim": ({"kdim": 3, "vdim": 5}, {}),
    "attn_mask bool": ({}, {"attn_mask": R.random((6, 6)) > 0.3}),
    "attn_mask float (B*H, L, S)": ({}, {"attn_mask": R.normal(size=(4, 6, 6))}),
    "key_padding_mask": ({}, {"key_padding_mask": PAD}),
    "is_causal": ({}, {"is_causal": True}),
    "is_causal + key_padding_mask": ({}, {"is_causal": True, "key_padding_mask": PAD}),
    "is_causal L<S": ({}, {"is_causal": True, "S": 9}),
    "weights per head": ({}, {"need_weights": True, "average_attn_weights": False}),
    "weights averaged": ({}, {"need_weights": True}),
    "unbatched": ({}, {"B": None, "need_weights": True}),
}


@pytest.mark.parametrize("case", MHA_CASES)
def test_multi_head_attention(case):
    init, call = MHA_CASES[case]
    call = dict(call)
    B, S = call.pop("B", 2), call.pop("S", 6)
    lead = () if B is None else (B,)
    if B is None:
        call.pop("key_padding_mask", None)
    kd, vd = init.get("kdim") or 8, init.get("vdim") or 8
    x, key, value = (
        R.normal(size=(*lead, 6, 8)),
        R.normal(size=(*lead, S, kd)),
        R.normal(size=(*lead, S, vd)),
    )
    sd = _torch_mha(8, 2, **init)
    ours_np = scratch.MultiHeadAttention(8, 2, **init)
    ours_torch = tnn.MultiHeadAttention(8, 2, **init).double()
    ours_np.load_torch_state_dict(sd)
    ours_torch.load_torch_state_dict(sd)
    same(ours_np(x, key, value, **call), ours_torch(*as_torch((x, key, value)), **as_torch(call)))


LAYER_INIT = [
    {"norm_first": False, "activation": "relu"},
    {"norm_first": True, "activation": "gelu"},
    {"norm_first": False, "activation": "gelu", "bias": False},
]


@pytest.mark.parametrize("init", LAYER_INIT, ids=["post-LN relu", "pre-LN gelu", "no bias"])
@pytest.mark.parametrize(
    "call",
    [
        {},
        {"is_causal": True},
        {"src_key_padding_mask": PAD},
        {"src_mask": R.random((6, 6)) > 0.2, "is_causal": True},
    ],
    ids=["plain", "causal", "padding", "mask+causal"],
)
def test_encoder_layer(init, call):
    torch.manual_seed(2)
    ref = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, **init)
    sd = ref.double().state_dict()
    ours_np, ours_torch = (
        scratch.EncoderBlock(8, 2, 16, **init),
        tnn.TransformerEncoderLayer(8, 2, 16, **init),
    )
    ours_np.load_torch_state_dict(sd)
    ours_torch.double().load_torch_state_dict(sd)
    x = R.normal(size=(2, 6, 8))
    same(ours_np(x, **call), ours_torch(as_torch(x), **as_torch(call)))


@pytest.mark.parametrize("init", LAYER_INIT, ids=["post-LN relu", "pre-LN gelu", "no bias"])
@pytest.mark.parametrize(
    "call",
    [
        {},
        {"tgt_is_causal": True},
        {"memory_key_padding_mask": np.array([[True] * 5, [True] * 2 + [False] * 3])},
        {"tgt_mask": R.random((6, 6)) > 0.2, "memory_mask": R.random((6, 5)) > 0.2},
    ],
    ids=["plain", "causal", "memory padding", "masks"],
)
def test_decoder_layer(init, call):
    torch.manual_seed(3)
    ref = torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True, **init)
    sd = ref.double().state_dict()
    ours_np, ours_torch = (
        scratch.DecoderBlock(8, 2, 16, **init),
        tnn.TransformerDecoderLayer(8, 2, 16, **init),
    )
    ours_np.load_torch_state_dict(sd)
    ours_torch.double().load_torch_state_dict(sd)
    x, memory = R.normal(size=(2, 6, 8)), R.normal(size=(2, 5, 8))
    same(ours_np(x, memory, **call), ours_torch(*as_torch((x, memory)), **as_torch(call)))


def test_rope_and_rotary_embedding():
    x = R.normal(size=(2, 3, 5, 8))
    q, _ = tnn.RotaryEmbedding(8)(as_torch(x), as_torch(x))
    same(scratch.rope(x), q)
    q, _ = tnn.RotaryEmbedding(8)(as_torch(x), as_torch(x), offset=4)
    same(scratch.rope(x, positions=np.arange(4, 9)), q)


def test_sinusoidal_encoding():
    pe = tnn.SinusoidalPositionalEncoding(8, max_len=12)(torch.zeros(1, 12, 8, dtype=torch.float64))
    same(scratch.sinusoidal_encoding(12, 8), pe[0], atol=1e-7)  # nn keeps the table in float32


BAD = {
    "sdpa head dim 0": (
        "scaled_dot_product_attention",
        (np.ones((5, 0)), np.ones((6, 0)), np.ones((6, 3))),
        {},
    ),
    "sdpa mask and is_causal": (
        "scaled_dot_product_attention",
        qkv(L=5, S=5),
        {"attn_mask": np.ones((5, 5), bool), "is_causal": True},
    ),
    "sdpa integer mask": (
        "scaled_dot_product_attention",
        qkv(),
        {"attn_mask": np.ones((5, 7), np.int64)},
    ),
    "sdpa q and k disagree on D": (
        "scaled_dot_product_attention",
        (np.ones((5, 4)), np.ones((6, 3)), np.ones((6, 3))),
        {},
    ),
    "sdpa is_causal not a bool": ("scaled_dot_product_attention", qkv(), {"is_causal": "yes"}),
    "causal_mask negative L": ("causal_mask", (-1,), {}),
    "causal_mask float S": ("causal_mask", (3, 2.5), {}),
    "alibi_slopes 0": ("alibi_slopes", (0,), {}),
    "alibi_slopes -3": ("alibi_slopes", (-3,), {}),
    "alibi_bias negative L": ("alibi_bias", (2, -1), {}),
    "MultiHeadAttention 0 heads": ("MultiHeadAttention", (8, 0), {}),
    "MultiHeadAttention 3 heads for E=8": ("MultiHeadAttention", (8, 3), {}),
    "MultiHeadAttention float heads": ("MultiHeadAttention", (8, 2.0), {}),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_raises_the_same_exception_type(case):
    name, args, kwargs = BAD[case]
    errors = []
    for backend, convert in ((scratch, lambda a: a), (tnn, as_torch)):
        with pytest.raises((TypeError, ValueError)) as caught:
            getattr(backend, name)(*convert(args), **convert(kwargs))
        errors.append(caught.type)
    assert errors[0] is errors[1], errors


def test_learned_positional_embedding():
    scratch_pe, nn_pe = (
        scratch.LearnedPositionalEmbedding(10, 8),
        tnn.LearnedPositionalEmbedding(10, 8),
    )
    scratch_pe.table = nn_pe.weight.detach().double().numpy().copy()
    x = R.normal(size=(2, 6, 8))
    same(scratch_pe(x), nn_pe.double()(as_torch(x)))


# The names both backends export, and the pairs that share a contract under two names; a new
# shared name fails here until it has a test above.
PAIRS = {
    ("EncoderBlock", "TransformerEncoderLayer"),
    ("DecoderBlock", "TransformerDecoderLayer"),
    ("rope", "RotaryEmbedding"),
    ("sinusoidal_encoding", "SinusoidalPositionalEncoding"),
}
COVERED = {
    "LearnedPositionalEmbedding",
    "MultiHeadAttention",
    "alibi_bias",
    "alibi_slopes",
    "causal_mask",
    "scaled_dot_product_attention",
}


def test_every_shared_name_is_covered():
    assert set(scratch.__all__) & set(tnn.__all__) == COVERED
    for ours_np, ours_torch in PAIRS:
        assert ours_np in scratch.__all__ and ours_torch in tnn.__all__
