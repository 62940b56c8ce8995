r"""Split-K decoding (FlashDecoding): attend to chunks of the keys in parallel, then combine.

One decoding query has a single row of scores, so the one-pass kernel has too little work to fill
a GPU. FlashDecoding splits the $S$ keys into $n$ chunks, attends to each chunk separately and
keeps each chunk's log-sum-exp $\ell_c = \log \sum_{j \in c} e^{s_j}$:

$$o_c = \frac{\sum_{j \in c} e^{s_j} v_j}{\sum_{j \in c} e^{s_j}}, \qquad
o = \sum_c \frac{e^{\ell_c}}{\sum_{c'} e^{\ell_{c'}}}\, o_c ,$$

which equals one softmax over all $S$ keys exactly (in exact arithmetic). The same combination
lets paged attention read one block at a time (:func:`paged_attention`).
Shapes: q (..., L, D), k (..., S, D), v (..., S, Dv); a chunk's output (..., L, Dv), its
log-sum-exp (..., L).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from attnlib.modern.paged_kv_cache import PagedKVCache
from attnlib.scratch._checks import check_size


def _check_qkv(q: Tensor, k: Tensor, v: Tensor) -> None:
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, Tensor) or not t.is_floating_point():
            what = t.dtype if isinstance(t, Tensor) else type(t).__name__
            raise TypeError(f"{name} must be a floating tensor, got {what}")
    if not q.dtype == k.dtype == v.dtype:
        raise TypeError(f"q, k, v dtypes differ: {q.dtype}, {k.dtype}, {v.dtype}")
    if q.dim() < 2 or k.dim() != q.dim() or v.dim() != q.dim():
        raise ValueError(f"q, k, v need the same rank >= 2, got {q.dim()}, {k.dim()}, {v.dim()}")
    if q.shape[-1] != k.shape[-1] or k.shape[:-1] != v.shape[:-1] or q.shape[:-2] != k.shape[:-2]:
        raise ValueError(
            f"q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)} must be (..., L, D), "
            "(..., S, D), (..., S, Dv)"
        )


def partial_attention(q: Tensor, k: Tensor, v: Tensor, scale: float | None = None):
    r"""Attention of q to one chunk of keys: normalised output (..., L, Dv) and
    $\ell = \log\sum_j e^{s_j}$ (..., L)."""
    _check_qkv(q, k, v)
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ k.transpose(-2, -1) * scale  # (..., L, D) @ (..., D, S_c) -> (..., L, S_c)
    lse = torch.logsumexp(s, dim=-1)  # (..., L)
    return torch.exp(s - lse[..., None]) @ v, lse  # (..., L, S_c) @ (..., S_c, Dv)


def combine_partials(outs: list[Tensor], lses: list[Tensor]) -> Tensor:
    r"""$o = \sum_c w_c o_c$ with $w_c = \mathrm{softmax}_c(\ell_c)$: one softmax over all keys."""
    if not outs or len(outs) != len(lses):
        raise ValueError(f"need as many outputs as log-sum-exps, got {len(outs)} and {len(lses)}")
    lse = torch.stack(lses)  # (n, ..., L)
    w = torch.softmax(lse, dim=0)  # (n, ..., L): each chunk's share of the total mass
    return (w[..., None] * torch.stack(outs)).sum(0)  # (n, ..., L, Dv) -> (..., L, Dv)


def split_k_attention(q: Tensor, k: Tensor, v: Tensor, num_splits: int,
                      scale: float | None = None) -> Tensor:  # fmt: skip
    """Attention over S keys in ``num_splits`` chunks (as equal as possible), combined.

    Args:
        q: (..., L, D); k: (..., S, D); v: (..., S, Dv).
        num_splits: 1 <= num_splits <= S; chunks are independent (parallel on a GPU).

    Returns:
        (..., L, Dv), equal to ``softmax(q k^T * scale) v``.
    """
    _check_qkv(q, k, v)
    S = k.shape[-2]
    n = check_size("num_splits", num_splits, 1)
    if n > S:
        raise ValueError(f"num_splits={n} exceeds the number of keys S={S}")
    parts = [partial_attention(q, kc, vc, scale)
             for kc, vc in zip(k.tensor_split(n, dim=-2), v.tensor_split(n, dim=-2))]  # fmt: skip
    return combine_partials([o for o, _ in parts], [lse for _, lse in parts])


def paged_attention(q: Tensor, cache: PagedKVCache, seq: int,
                    scale: float | None = None) -> Tensor:  # fmt: skip
    """Attention of q (H, L, D) to sequence ``seq`` of a paged cache, one block at a time.

    Each block of the block table is a chunk of split-K; the last block is read only up to
    the sequence's length. No contiguous copy of the keys is made. Returns (H, L, D).
    """
    if seq not in cache.tables:
        raise KeyError(f"sequence {seq} is not in the cache (has {sorted(cache.tables)})")
    bs, n = cache.block_size, cache.lengths[seq]
    parts = []
    for i, block in enumerate(cache.tables[seq]):
        used = min(bs, n - i * bs)  # slots of this block holding tokens
        k, v = cache.k_pool[block, :, :used], cache.v_pool[block, :, :used]  # (H, used, D)
        parts.append(partial_attention(q, k, v, scale))
    return combine_partials([o for o, _ in parts], [lse for _, lse in parts])
