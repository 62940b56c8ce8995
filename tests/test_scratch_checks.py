"""Bad input to attnlib.scratch raises ValueError/TypeError naming the shapes or dtypes."""

from __future__ import annotations

import re

import numpy as np
import pytest
from attnlib import scratch

R = np.random.default_rng(0)


def arr(*shape, dtype=np.float64):
    return R.standard_normal(shape).astype(dtype)


def names(*parts):
    """A regex requiring every part (a shape tuple or a dtype name) in order in the message."""
    return ".*".join(re.escape(str(p)) for p in parts)


SDPA = scratch.scaled_dot_product_attention

BAD_INPUTS = [
    ("head dims differ", lambda: SDPA(arr(2, 5, 4), arr(2, 6, 5), arr(2, 6, 4)),
     ValueError, names((2, 5, 4), (2, 6, 5))),
    ("k and v differ in S", lambda: SDPA(arr(2, 5, 4), arr(2, 6, 4), arr(2, 7, 4)),
     ValueError, names((2, 6, 4), (2, 7, 4))),
    ("mask does not broadcast", lambda: SDPA(arr(5, 4), arr(6, 4), arr(6, 4), np.ones((3, 6), bool)),
     ValueError, names((3, 6), (5, 6))),
    ("batch dims do not broadcast", lambda: SDPA(arr(2, 5, 4), arr(3, 6, 4), arr(3, 6, 4)),
     ValueError, names((2, 5, 4), (3, 6, 4))),
    ("integer q", lambda: SDPA(np.ones((5, 4), int), arr(6, 4), arr(6, 4)),
     TypeError, names("int64", (5, 4))),
    ("object k", lambda: SDPA(arr(5, 4), np.empty((6, 4), object), arr(6, 4)),
     TypeError, names("object", (6, 4))),
    ("mixed dtypes", lambda: SDPA(arr(5, 4, dtype=np.float32), arr(6, 4), arr(6, 4)),
     TypeError, names("float32", (5, 4), "float64", (6, 4))),
    ("integer mask", lambda: SDPA(arr(5, 4), arr(6, 4), arr(6, 4), np.ones((5, 6), int)),
     TypeError, names("int64", (5, 6))),
    ("q of rank 1", lambda: SDPA(arr(4), arr(6, 4), arr(6, 4)),
     ValueError, names("q", (4,))),
    ("mask and is_causal", lambda: SDPA(arr(5, 4), arr(5, 4), arr(5, 4), np.ones((5, 5), bool), True),
     ValueError, "either attn_mask or is_causal"),
    ("num_heads does not divide E", lambda: scratch.split_heads(arr(2, 3, 10), 4),
     ValueError, names("num_heads=4", "E=10", (2, 3, 10))),
    ("split_heads of rank 2", lambda: scratch.split_heads(arr(3, 8), 2),
     ValueError, names((3, 8))),
    ("merge_heads of rank 3", lambda: scratch.merge_heads(arr(2, 3, 8)),
     ValueError, names((2, 3, 8))),
    ("MHA num_heads does not divide E", lambda: scratch.MultiHeadAttention(10, 4),
     ValueError, names("num_heads=4", "embed_dim=10")),
    ("MHA query width", lambda: scratch.MultiHeadAttention(8, 2)(arr(2, 5, 6), arr(2, 5, 8), arr(2, 5, 8)),
     ValueError, names("query", 8, (2, 5, 6))),
    ("MHA key/value S differ", lambda: scratch.MultiHeadAttention(8, 2)(arr(2, 5, 8), arr(2, 6, 8), arr(2, 7, 8)),
     ValueError, names((2, 6, 8), (2, 7, 8))),
    ("MHA key padding shape", lambda: scratch.MultiHeadAttention(8, 2)(
        arr(2, 5, 8), arr(2, 6, 8), arr(2, 6, 8), key_padding_mask=np.ones((2, 5), bool)),
     ValueError, names("(B, S)=(2, 6)", (2, 5))),
    ("MHA attn_mask shape", lambda: scratch.MultiHeadAttention(8, 2)(
        arr(2, 5, 8), arr(2, 6, 8), arr(2, 6, 8), attn_mask=np.ones((3, 5, 6), bool)),
     ValueError, names("(B*H, L, S)=(4, 5, 6)", (3, 5, 6))),
    ("lengths longer than S", lambda: scratch.lengths_to_mask(np.array([2, 9]), 5),
     ValueError, names("S=5", [2, 9])),
    ("float lengths", lambda: scratch.lengths_to_mask(np.array([2.0, 3.0]), 5),
     TypeError, names("float64", (2,))),
    ("rope with odd head dim", lambda: scratch.rope(arr(2, 5, 7)), ValueError, names("D=7")),
    ("rope positions shape", lambda: scratch.rope(arr(5, 4), np.arange(6)),
     ValueError, names("(L,)=(5,)", (6,))),
    ("layer_norm gamma shape", lambda: scratch.layer_norm(arr(2, 8), np.ones(6), np.zeros(8)),
     ValueError, names((6,), (8,), (2, 8))),
    ("feed_forward inner dims",
     lambda: scratch.feed_forward(arr(2, 8), arr(6, 4), arr(4), arr(4, 8), arr(8)),
     ValueError, names((2, 8), (6, 4))),
    ("luong dot dims differ", lambda: scratch.luong_score(arr(3, 4), arr(5, 6)),
     ValueError, names((3, 4), (5, 6))),
    ("additive attention dims", lambda: scratch.additive_attention(
        arr(3, 4), arr(5, 6), arr(5, 2), arr(4, 7), arr(5, 7), arr(7)),
     ValueError, names((5, 6), (5, 7))),
    ("tiled k/v S differ", lambda: scratch.tiled_attention(arr(5, 4), arr(6, 4), arr(7, 4)),
     ValueError, names((6, 4), (7, 4))),
    ("sdpa_backward head dims",
     lambda: scratch.sdpa_backward(arr(5, 4), arr(5, 4), arr(6, 3), arr(6, 4)),
     ValueError, names((5, 4), (6, 3))),
    ("mha_backward dout shape", lambda: scratch.mha_backward(
        arr(2, 4, 8), scratch.MultiHeadAttention(8, 2), arr(2, 5, 8), arr(2, 6, 8), arr(2, 6, 8)),
     ValueError, names((2, 5, 8), (2, 4, 8))),
    ("softmax of ints", lambda: scratch.softmax(np.arange(3)),
     TypeError, names("int64", (3,))),
]  # fmt: skip


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_names_the_culprit(case):
    _, call, error, pattern = case
    with pytest.raises(error, match=pattern):
        call()
