"""FlexAttention on this torch's CPU (eager): the part's masks and ALiBi as mask/score
modifications agree with the library's masks and with SDPA; BlockMask skips the tiles that
tile_layout marks as closed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from attnlib.modern.flex import (
    alibi_score_mod,
    causal_mod,
    dense_mask,
    document_mod,
    sink_window_mod,
    window_mod,
)
from attnlib.modern.sparse import SKIP, sliding_window_mask, tile_layout
from attnlib.nn import alibi_bias, alibi_slopes, causal_mask
from compare import assert_close

flex = pytest.importorskip("torch.nn.attention.flex_attention")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="flex_attention called without torch.compile")
        yield


def qkv(L, H=2, D=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(1, H, L, D, generator=g) for _ in range(3))


def test_dense_views_equal_the_library_masks():
    assert torch.equal(dense_mask(causal_mod, 9), causal_mask(9))
    want = torch.from_numpy(sliding_window_mask(9, window=3))
    assert torch.equal(dense_mask(window_mod(3), 9), want)
    docs = torch.tensor([0, 0, 0, 1, 1, 2])
    m = dense_mask(document_mod(docs), 6)
    assert m[4, 3] and not m[3, 2] and not m[3, 4] and m.sum() == 6 + 3 + 1
    sw = dense_mask(sink_window_mod(1, 2), 6)
    assert sw[5].tolist() == [True, False, False, False, True, True]


@pytest.mark.parametrize("mod", [causal_mod, window_mod(5), sink_window_mod(2, 4)])
def test_flex_with_a_block_mask_equals_sdpa_with_the_dense_mask(mod):
    q, k, v = qkv(40)
    block_mask = flex.create_block_mask(mod, 1, 2, 40, 40, device="cpu")
    out = flex.flex_attention(q, k, v, block_mask=block_mask)
    want = F.scaled_dot_product_attention(q, k, v, attn_mask=dense_mask(mod, 40))
    assert_close(out, want, 1e-5, "flex vs SDPA")


def test_alibi_score_mod_equals_the_library_bias():
    q, k, v = qkv(24, H=4)
    slopes = alibi_slopes(4)
    out = flex.flex_attention(q, k, v, score_mod=alibi_score_mod(slopes))
    want = F.scaled_dot_product_attention(q, k, v, attn_mask=alibi_bias(4, 24))
    assert_close(out, want, 1e-5, "flex ALiBi vs alibi_bias")


def test_block_mask_keeps_the_tiles_tile_layout_keeps():
    L = 1024
    block_mask = flex.create_block_mask(window_mod(200), 1, 1, L, L, device="cpu")
    kinds = tile_layout(sliding_window_mask(L, window=200), 128, 128)
    visited = int(block_mask.kv_num_blocks.sum() + block_mask.full_kv_num_blocks.sum())
    assert visited == int((kinds != SKIP).sum())
    assert int(block_mask.full_kv_num_blocks.sum()) == int((kinds == 2).sum())


def test_mods_check_their_arguments():
    with pytest.raises(ValueError, match="window must be a positive int"):
        window_mod(0)
    with pytest.raises(TypeError, match="1-D integer tensor"):
        document_mod(torch.zeros(4))
    assert np.array_equal(dense_mask(window_mod(1), 3).numpy(), np.eye(3, dtype=bool))
