r"""Sliding-window and block-sparse attention: masks, tile layouts, and a tiled NumPy path that
visits only the tiles a mask leaves open.

A **sliding window** of width $w$ lets query $i$ see keys $i - w < j \le i$ (causal, itself
included). A **block-sparse** mask is a coarse boolean layout of ``(L / block, S / block)``
blocks, expanded to the ``(L, S)`` mask. Cut the ``(L, S)`` score matrix into tiles of
``block_m x block_n``: a tile with no allowed entry can be skipped entirely, one with all
entries allowed needs no mask, and only the edge tiles need an element-wise mask. The work
then scales with the open tiles, $O(L w)$ for a window, instead of $O(L S)$.

Masks are boolean, ``True`` = may attend; a query row with no allowed key returns zeros
(the library's convention).
"""

from __future__ import annotations

import math

import numpy as np

from attnlib.scratch._checks import as_float_array, check_size

SKIP, PARTIAL, FULL = 0, 1, 2  #: tile kinds in a layout


def sliding_window_mask(L: int, S: int | None = None, *, window: int, offset: int = 0):
    r"""Causal sliding window: ``mask[i, j] = (i + offset - window < j <= i + offset)``, (L, S)."""
    L = check_size("L", L, 1)
    S = L if S is None else check_size("S", S, 1)
    window = check_size("window", window, 1)
    i = np.arange(L)[:, None] + check_size("offset", offset, None)  # (L, 1)
    j = np.arange(S)[None, :]  # (1, S)
    return (j <= i) & (j > i - window)  # (L, S)


def block_sparse_mask(layout, block: int):
    """Expand a boolean block layout (L / block, S / block) to the (L, S) element mask."""
    layout = np.asarray(layout)
    if layout.dtype != bool or layout.ndim != 2:
        raise TypeError(f"layout must be a 2-D bool array, got {layout.dtype} {layout.shape}")
    block = check_size("block", block, 1)
    return np.kron(layout, np.ones((block, block), dtype=bool)).astype(bool)  # (L, S)


def tile_layout(mask, block_m: int, block_n: int):
    """Kind of each ``block_m x block_n`` tile of ``mask`` (L, S): SKIP, PARTIAL or FULL.

    Returns an int array (ceil(L / block_m), ceil(S / block_n)). Tiles past the end of a
    ragged L or S count only their real entries.
    """
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.ndim != 2:
        raise TypeError(f"mask must be a 2-D bool array (L, S), got {mask.dtype} {mask.shape}")
    bm, bn = check_size("block_m", block_m, 1), check_size("block_n", block_n, 1)
    L, S = mask.shape
    tm, tn = math.ceil(L / bm), math.ceil(S / bn)
    kinds = np.empty((tm, tn), dtype=np.int64)
    for a in range(tm):
        for b in range(tn):
            tile = mask[a * bm : (a + 1) * bm, b * bn : (b + 1) * bn]
            kinds[a, b] = FULL if tile.all() else PARTIAL if tile.any() else SKIP
    return kinds


def attention_flops(tiles: int, block_m: int, block_n: int, head_dim: int) -> int:
    """FLOPs of ``tiles`` tiles: ``q k^T`` and ``p v``, each 2 * block_m * block_n * D."""
    return 4 * tiles * block_m * block_n * head_dim


def tiled_sparse_attention(q, k, v, mask, block_m: int = 16, block_n: int = 16,
                           scale: float | None = None):  # fmt: skip
    r"""Masked attention tile by tile with an online softmax, skipping fully masked tiles.

    $$o_i = \sum_{j:\ \mathrm{mask}_{ij}} \frac{e^{s_{ij}}}{\sum_{j':\ \mathrm{mask}_{ij'}}
    e^{s_{ij'}}} v_j, \qquad s = \mathrm{scale}\cdot q k^\top .$$

    Args:
        q: (L, D); k: (S, D); v: (S, Dv); mask: bool (L, S), ``True`` = may attend.

    Returns:
        (output (L, Dv), number of tiles visited).
    """
    q, k, v = as_float_array("q", q), as_float_array("k", k), as_float_array("v", v)
    mask = np.asarray(mask)
    if q.ndim != 2 or k.ndim != 2 or v.ndim != 2 or k.shape[0] != v.shape[0]:
        raise ValueError(f"q {q.shape}, k {k.shape}, v {v.shape} must be (L, D), (S, D), (S, Dv)")
    if q.shape[1] != k.shape[1] or mask.shape != (q.shape[0], k.shape[0]):
        raise ValueError(f"q {q.shape}, k {k.shape} and mask {mask.shape} disagree: "
                         "need (L, D), (S, D) and (L, S)")  # fmt: skip
    kinds = tile_layout(mask, block_m, block_n)
    scale = 1 / math.sqrt(q.shape[1]) if scale is None else scale
    L, S = mask.shape
    out = np.zeros((L, v.shape[1]), dtype=q.dtype)
    visited = 0
    for a in range(kinds.shape[0]):
        rows = slice(a * block_m, min((a + 1) * block_m, L))
        m = np.full(rows.stop - rows.start, -np.inf)  # running max per query
        l = np.zeros_like(m)  # running sum
        acc = np.zeros((len(m), v.shape[1]))  # unnormalised output
        for b in np.flatnonzero(kinds[a] != SKIP):  # only the open tiles
            cols = slice(b * block_n, min((b + 1) * block_n, S))
            s = q[rows] @ k[cols].T * scale  # (bm, D) @ (D, bn) -> (bm, bn)
            if kinds[a, b] == PARTIAL:
                s = np.where(mask[rows, cols], s, -np.inf)
            m_new = np.maximum(m, s.max(axis=1))
            safe = np.where(np.isfinite(m_new), m_new, 0.0)  # a row with nothing open yet
            p = np.exp(s - safe[:, None])  # (bm, bn)
            alpha = np.exp(m - safe)
            l = alpha * l + p.sum(axis=1)
            acc = alpha[:, None] * acc + p @ v[cols]  # (bm, bn) @ (bn, Dv)
            m = m_new
            visited += 1
        out[rows] = np.divide(acc, l[:, None], out=np.zeros_like(acc), where=l[:, None] > 0)
    return out, visited
