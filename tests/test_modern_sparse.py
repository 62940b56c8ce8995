"""Sliding-window and block-sparse attention: masks, tile layouts, the tiled NumPy path and the
Triton kernel (under the CPU interpreter: small, float32) against the dense masked reference."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from attnlib.kernels import interpreter_active, triton_available
from attnlib.modern.sparse import (
    FULL,
    PARTIAL,
    SKIP,
    attention_flops,
    block_sparse_mask,
    sliding_window_mask,
    tile_layout,
    tiled_sparse_attention,
)


def dense_reference(q, k, v, mask):
    """Masked softmax attention in float64; a row with no allowed key gives zeros."""
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=torch.as_tensor(mask))
    return torch.nan_to_num(out, nan=0.0)


def test_sliding_window_mask_is_the_band_it_claims():
    m = sliding_window_mask(6, window=3)
    want = np.array([[0 <= i - j < 3 for j in range(6)] for i in range(6)])
    assert m.dtype == bool and np.array_equal(m, want)
    assert np.array_equal(sliding_window_mask(3, 7, window=2, offset=4)[0], [0, 0, 0, 1, 1, 0, 0])
    assert np.array_equal(sliding_window_mask(5, window=99), np.tril(np.ones((5, 5), bool)))


def test_block_sparse_mask_and_tile_layout():
    layout = np.array([[1, 0], [1, 1]], dtype=bool)
    mask = block_sparse_mask(layout, 4)
    assert mask.shape == (8, 8) and mask[:4, 4:].sum() == 0 and mask[4:].all()
    assert np.array_equal(tile_layout(mask, 4, 4), [[FULL, SKIP], [FULL, FULL]])
    kinds = tile_layout(sliding_window_mask(8, window=2), 4, 4)
    assert np.array_equal(kinds, [[PARTIAL, SKIP], [PARTIAL, PARTIAL]])
    with pytest.raises(TypeError, match="2-D bool"):
        tile_layout(np.ones((4, 4)), 2, 2)


@pytest.mark.parametrize("L, window, block", [(64, 8, 16), (50, 20, 16), (37, 1, 8), (32, 64, 16)])
def test_tiled_sparse_attention_equals_dense_masked_attention(close, L, window, block):
    g = torch.Generator().manual_seed(L)
    q, k, v = (torch.randn(L, 8, generator=g, dtype=torch.float64) for _ in range(3))
    mask = sliding_window_mask(L, window=window)
    out, visited = tiled_sparse_attention(q.numpy(), k.numpy(), v.numpy(), mask, block, block)
    close(torch.from_numpy(out), dense_reference(q, k, v, mask), 1e-13, "tiled sparse")
    assert visited == int((tile_layout(mask, block, block) != SKIP).sum())


def test_tiled_sparse_attention_gives_zeros_for_a_row_with_nothing_open_and_checks_shapes():
    q, k, v = (np.random.default_rng(0).standard_normal((20, 4)) for _ in range(3))
    mask = block_sparse_mask(np.array([[1, 0], [0, 1]], dtype=bool), 10)
    mask[3] = False
    out, visited = tiled_sparse_attention(q, k, v, mask, 10, 10)
    assert visited == 2 and np.array_equal(out[3], np.zeros(4))
    want = dense_reference(*(torch.from_numpy(t) for t in (q, k, v)), mask).numpy()
    assert np.abs(out - want).max() < 1e-13
    with pytest.raises(ValueError, match=r"mask \(20, 19\)"):
        tiled_sparse_attention(q, k, v, mask[:, :19])


def test_flops_and_work_shrink_with_the_window():
    L, b = 256, 16
    tiles = [int((tile_layout(sliding_window_mask(L, window=w), b, b) != SKIP).sum())
             for w in (256, 64, 16)]  # fmt: skip
    # causal: 16 * 17 / 2; w = 64 reaches 4 blocks back (1 + 2 + 3 + 4 + 12 * 5); w = 16: 1 + 15 * 2
    assert tiles == [136, 70, 31]
    assert attention_flops(tiles[0], b, b, 64) == 4 * 136 * 16 * 16 * 64


kernel = pytest.mark.skipif(not triton_available(), reason="Triton is not installed")


@kernel
@pytest.mark.parametrize(
    "L, S, make_mask",
    [
        (48, 48, lambda L, S: sliding_window_mask(L, S, window=12)),
        (40, 64, lambda L, S: block_sparse_mask(np.eye(4, dtype=bool)[:, [0, 1, 2, 3]], 16)[:L]),
    ],
)
def test_sparse_kernel_equals_dense_masked_reference(close, L, S, make_mask):
    from attnlib.kernels.sparse_forward import open_tiles, sparse_attention

    device = "cpu" if interpreter_active() else "cuda"
    g = torch.Generator().manual_seed(0)
    q = torch.randn(1, 2, L, 16, generator=g)
    k, v = (torch.randn(1, 2, S, 16, generator=g) for _ in range(2))
    mask = make_mask(L, S)
    mask[5] = False  # a row with nothing open: zeros
    out, visited = sparse_attention(*(t.to(device) for t in (q, k, v)), mask)
    want = dense_reference(q.double(), k.double(), v.double(), mask)
    close(out.cpu().double(), want, 1e-5, "sparse kernel fp32")
    offsets, cols = open_tiles(mask, 16, 16)
    assert visited == 2 * len(cols) == 2 * int((tile_layout(mask, 16, 16) != SKIP).sum())
    assert visited < 2 * offsets.size * (-(-S // 16))  # some tiles were skipped


@kernel
def test_sparse_kernel_rejects_bad_input():
    from attnlib.kernels.sparse_forward import sparse_attention

    q = torch.zeros(1, 1, 16, 16)
    with pytest.raises(TypeError, match="float32"):
        sparse_attention(q.double(), q, q, np.ones((16, 16), bool))
    with pytest.raises(ValueError, match=r"bool \(L, S\) = \(16, 16\)"):
        sparse_attention(q, q, q, np.ones((16, 8), bool))


def test_the_tile_diagram_counts_the_tiles_it_draws():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from attnlib.modern.diagrams import sparse_tiles

    fig = sparse_tiles({"causal": sliding_window_mask(64, window=64)}, block=16)
    assert fig.axes[0].get_title() == "causal\n10 of 16 tiles visited"
    assert len(fig.axes[0].patches) == 16
    plt.close(fig)
