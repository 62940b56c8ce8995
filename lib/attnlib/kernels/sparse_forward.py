"""Block-sparse attention forward in Triton: each program visits only its open key tiles.

The wrapper turns an ``(L, S)`` boolean mask into a compressed list of open tiles per query
block (CSR: ``offsets`` and ``cols``, as block-sparse kernels do). Program ``m`` loops over
``cols[offsets[m]:offsets[m + 1]]`` only, so a fully masked tile is never loaded, multiplied
or even looked at; inside an open tile the element mask is applied as in FlashAttention's
edge tiles. The online softmax is the one of :mod:`attnlib.kernels.flash_forward`, in base e.
A query row with no open key gets zeros (the library's convention).

Import through ``attnlib.kernels`` first (it decides whether Triton interprets on the CPU).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import triton
import triton.language as tl

# fmt: off


@triton.jit
def sparse_forward_kernel(
    Q, K, V, O,                    # Q, O: (B·H, L, D); K, V: (B·H, S, D), contiguous
    MASK,                          # (L, S) int8, 1 = may attend
    OFFSETS, COLS,                 # CSR of open tiles: query block m visits COLS[OFFSETS[m]:OFFSETS[m+1]]
    VISITED,                       # (num query blocks, B·H) int32: tiles this program visited
    L, S, scale,
    HEAD_DIM: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
):
    m_block = tl.program_id(0)
    bh = tl.program_id(1).to(tl.int64)
    offs_m = m_block * BLOCK_M + tl.arange(0, BLOCK_M)  # (BLOCK_M,) query positions
    offs_d = tl.arange(0, HEAD_DIM)
    q = tl.load(Q + bh * L * HEAD_DIM + offs_m[:, None] * HEAD_DIM + offs_d[None, :],
                mask=offs_m[:, None] < L, other=0.0)  # (BLOCK_M, D)
    m_i = tl.full([BLOCK_M], float("-inf"), dtype=tl.float32)
    l_i = tl.zeros([BLOCK_M], dtype=tl.float32)
    acc = tl.zeros([BLOCK_M, HEAD_DIM], dtype=tl.float32)
    start = tl.load(OFFSETS + m_block)
    end = tl.load(OFFSETS + m_block + 1)
    for idx in range(start, end):  # the open tiles of this query block, and no others
        offs_n = tl.load(COLS + idx) * BLOCK_N + tl.arange(0, BLOCK_N)  # (BLOCK_N,)
        k = tl.load(K + bh * S * HEAD_DIM + offs_n[None, :] * HEAD_DIM + offs_d[:, None],
                    mask=offs_n[None, :] < S, other=0.0)  # (D, BLOCK_N), transposed
        v = tl.load(V + bh * S * HEAD_DIM + offs_n[:, None] * HEAD_DIM + offs_d[None, :],
                    mask=offs_n[:, None] < S, other=0.0)  # (BLOCK_N, D)
        inside = (offs_m[:, None] < L) & (offs_n[None, :] < S)
        allowed = tl.load(MASK + offs_m[:, None] * S + offs_n[None, :], mask=inside, other=0)
        s = tl.dot(q, k, input_precision="ieee") * scale  # (BLOCK_M, BLOCK_N)
        s = tl.where(allowed != 0, s, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(s, axis=1))
        safe = tl.where(m_new == float("-inf"), 0.0, m_new)  # rows with nothing open yet
        p = tl.exp(s - safe[:, None])
        alpha = tl.exp(m_i - safe)
        l_i = l_i * alpha + tl.sum(p, axis=1)
        acc = acc * alpha[:, None] + tl.dot(p, v, input_precision="ieee")
        m_i = m_new
    out = tl.where(l_i[:, None] > 0, acc / tl.where(l_i > 0, l_i, 1.0)[:, None], 0.0)
    tl.store(O + bh * L * HEAD_DIM + offs_m[:, None] * HEAD_DIM + offs_d[None, :], out,
             mask=offs_m[:, None] < L)
    tl.store(VISITED + m_block * tl.num_programs(1) + bh, end - start)


# fmt: on


def open_tiles(mask: np.ndarray, block_m: int, block_n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the tiles of ``mask`` (L, S) holding at least one allowed entry.

    Returns ``offsets`` (num query blocks + 1,) and ``cols`` (open tiles,), int32.
    """
    L, S = mask.shape
    tm, tn = -(-L // block_m), -(-S // block_n)
    padded = np.zeros((tm * block_m, tn * block_n), dtype=bool)
    padded[:L, :S] = mask
    open_ = padded.reshape(tm, block_m, tn, block_n).any(axis=(1, 3))  # (tm, tn)
    offsets = np.concatenate([[0], np.cumsum(open_.sum(axis=1))]).astype(np.int32)
    return offsets, np.nonzero(open_)[1].astype(np.int32)


def sparse_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask,
                     block_m: int = 16, block_n: int = 16,
                     scale: float | None = None) -> tuple[torch.Tensor, int]:  # fmt: skip
    r"""$\mathrm{softmax}(\mathrm{scale}\cdot QK^\top \text{ masked})V$ visiting only open tiles.

    Args:
        q: (B, H, L, D) float32; k, v: (B, H, S, D) float32; D a power of two >= 16.
        mask: bool (L, S), ``True`` = may attend (NumPy array or tensor), shared by B and H.
        block_m, block_n: tile shape (powers of two >= 16).

    Returns:
        (output (B, H, L, D) float32, tiles visited in total over all programs).
    """
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor) or t.dtype != torch.float32:
            what = t.dtype if isinstance(t, torch.Tensor) else type(t).__name__
            raise TypeError(f"{name} must be a float32 tensor, got {what}")
    if q.dim() != 4 or k.shape != v.shape or k.dim() != 4 or q.shape[:2] != k.shape[:2]:
        raise ValueError(f"q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)} must be "
                         "(B, H, L, D), (B, H, S, D), (B, H, S, D)")  # fmt: skip
    B, H, L, D = q.shape
    S = k.shape[2]
    if k.shape[3] != D or D < 16 or D & (D - 1):
        raise ValueError(
            f"head dim D must match and be a power of two >= 16, got q {D}, k {k.shape[3]}"
        )
    mask_np = np.asarray(mask.cpu() if isinstance(mask, torch.Tensor) else mask)
    if mask_np.dtype != bool or mask_np.shape != (L, S):
        raise ValueError(
            f"mask must be bool (L, S) = ({L}, {S}), got {mask_np.dtype} {mask_np.shape}"
        )
    for name, b in (("block_m", block_m), ("block_n", block_n)):
        if b < 16 or b & (b - 1):
            raise ValueError(f"{name} must be a power of two >= 16, got {b}")
    offsets, cols = open_tiles(mask_np, block_m, block_n)
    dev = q.device
    qf, kf, vf = (t.contiguous().view(B * H, -1, D) for t in (q, k, v))
    out = torch.empty_like(qf)
    tm = len(offsets) - 1
    visited = torch.zeros((tm, B * H), dtype=torch.int32, device=dev)
    scale = 1 / math.sqrt(D) if scale is None else float(scale)
    sparse_forward_kernel[(tm, B * H)](
        qf, kf, vf, out, torch.as_tensor(mask_np, dtype=torch.int8, device=dev),
        torch.as_tensor(offsets, device=dev), torch.as_tensor(cols, device=dev), visited,
        L, S, scale, HEAD_DIM=D, BLOCK_M=block_m, BLOCK_N=block_n,
    )  # fmt: skip
    return out.view(B, H, L, D), int(visited.sum())
