"""FlashAttention forward pass in Triton: one program per (query block, batch·head).

Each program keeps a ``BLOCK_M × D`` tile of queries in registers and streams the keys and
values past it ``BLOCK_N`` rows at a time, updating an *online softmax* (running max ``m``,
running sum ``l``, unnormalised output ``acc``). The ``L × S`` score matrix never exists in
memory: reads and writes are O(L·D + S·D) instead of O(L·S).

Exponentials are base 2 (``exp2`` is one GPU instruction): scores are multiplied by
``scale · log2(e)`` once, and ``exp2(x · log2 e) = exp(x)`` keeps the softmax unchanged.
"""

from __future__ import annotations

import triton
import triton.language as tl

# The kernels are laid out by hand (arguments grouped by meaning), so the formatter skips them.
# fmt: off


@triton.jit
def _attend_to_key_blocks(
    acc, m_i, l_i,                 # online-softmax state of this query tile (float32)
    q, offs_m,                     # the query tile (BLOCK_M, D) and its positions (BLOCK_M,)
    k_base, v_base, S,             # keys/values of this (batch, head) and their count
    start_n, end_n,                # the key range [start_n, end_n) this call visits
    qk_scale_log2,                 # softmax scale · log2(e)
    MASKED: tl.constexpr,          # does this range need a score mask (diagonal / ragged end)?
    IS_CAUSAL: tl.constexpr, BLOCK_N: tl.constexpr, HEAD_DIM: tl.constexpr,
    DOT_PRECISION: tl.constexpr,
):
    offs_d = tl.arange(0, HEAD_DIM)  # (D,)
    for n in range(start_n, end_n, BLOCK_N):
        offs_n = n + tl.arange(0, BLOCK_N)  # (BLOCK_N,) key positions of this block
        # Keys transposed, read straight from memory: element [d, j] = K[n + j, d].
        # Rows past the end of the keys load as zeros.
        k_t = tl.load(k_base + offs_n[None, :] * HEAD_DIM + offs_d[:, None],
                      mask=offs_n[None, :] < S, other=0.0)  # (D, BLOCK_N)
        v = tl.load(v_base + offs_n[:, None] * HEAD_DIM + offs_d[None, :],
                    mask=offs_n[:, None] < S, other=0.0)  # (BLOCK_N, D)

        # Scores in base-2 units: (BLOCK_M, D) @ (D, BLOCK_N) -> (BLOCK_M, BLOCK_N).
        qk = tl.dot(q, k_t, input_precision=DOT_PRECISION) * qk_scale_log2
        if MASKED:  # only the edge blocks pay for a mask
            allowed = offs_n[None, :] < S
            if IS_CAUSAL:  # query i may attend key j only when j <= i
                allowed = allowed & (offs_m[:, None] >= offs_n[None, :])
            qk = tl.where(allowed, qk, float("-inf"))

        # Online softmax update (Milakov & Gimelshein 2018):
        m_new = tl.maximum(m_i, tl.max(qk, axis=1))  # (BLOCK_M,) new running max
        p = tl.math.exp2(qk - m_new[:, None])        # (BLOCK_M, BLOCK_N) unnormalised weights
        alpha = tl.math.exp2(m_i - m_new)            # (BLOCK_M,) rescales what was summed so far
        l_i = l_i * alpha + tl.sum(p, axis=1)
        # (BLOCK_M, BLOCK_N) @ (BLOCK_N, D) -> (BLOCK_M, D), accumulated in float32.
        acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v, input_precision=DOT_PRECISION)
        m_i = m_new
    return acc, m_i, l_i


@triton.jit
def flash_forward_kernel(
    Q, K, V,                       # Q: (B·H, L, D); K, V: (B·H, S, D), contiguous
    O, LSE,                        # outputs: O (B·H, L, D); LSE (B·H, L) float32, base 2
    L, S,                          # query and key lengths
    qk_scale_log2,                 # softmax scale · log2(e)
    IS_CAUSAL: tl.constexpr, HEAD_DIM: tl.constexpr, DOT_PRECISION: tl.constexpr,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,  # tile shape; BLOCK_M % BLOCK_N == 0
):
    # 1. Which tile is mine? Axis 0: a block of queries; axis 1: one (batch, head) pair.
    #    Causal: the last query blocks see the most keys, so they are launched first.
    block = tl.program_id(0)
    if IS_CAUSAL:
        block = tl.num_programs(0) - 1 - block
    start_m = block * BLOCK_M
    bh = tl.program_id(1).to(tl.int64)  # 64-bit offsets: B·H·L·D can exceed 2**31
    offs_m = start_m + tl.arange(0, BLOCK_M)  # (BLOCK_M,) query positions
    offs_d = tl.arange(0, HEAD_DIM)  # (D,)
    q_base, o_base = Q + bh * L * HEAD_DIM, O + bh * L * HEAD_DIM
    k_base, v_base = K + bh * S * HEAD_DIM, V + bh * S * HEAD_DIM

    # 2. Load the query tile once; it stays in registers for the whole loop.
    q_offs = offs_m[:, None] * HEAD_DIM + offs_d[None, :]
    q = tl.load(q_base + q_offs, mask=offs_m[:, None] < L, other=0.0)  # (BLOCK_M, D)

    # 3. Online-softmax state: running max, running sum, unnormalised output (all float32).
    m_i = tl.full([BLOCK_M], float("-inf"), dtype=tl.float32)
    l_i = tl.zeros([BLOCK_M], dtype=tl.float32)
    acc = tl.zeros([BLOCK_M, HEAD_DIM], dtype=tl.float32)

    # 4. Key blocks fully inside [0, S) (and, if causal, fully left of the diagonal) need no
    #    mask. Causal: blocks right of this tile's last query are never visited at all.
    end_n = S
    full_end = (S // BLOCK_N) * BLOCK_N
    if IS_CAUSAL:
        end_n = tl.minimum(start_m + BLOCK_M, S)
        full_end = tl.minimum(full_end, start_m)  # start_m is a multiple of BLOCK_N
    acc, m_i, l_i = _attend_to_key_blocks(
        acc, m_i, l_i, q, offs_m, k_base, v_base, S, 0, full_end, qk_scale_log2,
        False, IS_CAUSAL, BLOCK_N, HEAD_DIM, DOT_PRECISION)
    # 5. The edge blocks (the diagonal, the ragged end of S) with the mask on.
    acc, m_i, l_i = _attend_to_key_blocks(
        acc, m_i, l_i, q, offs_m, k_base, v_base, S, full_end, end_n, qk_scale_log2,
        True, IS_CAUSAL, BLOCK_N, HEAD_DIM, DOT_PRECISION)

    # 6. Normalise once at the end; store the output and the base-2 log-sum-exp
    #    m + log2(l), all the backward pass needs to recompute the weights.
    out = acc / l_i[:, None]  # (BLOCK_M, D)
    tl.store(o_base + q_offs, out.to(O.dtype.element_ty), mask=offs_m[:, None] < L)
    tl.store(LSE + bh * L + offs_m, m_i + tl.math.log2(l_i), mask=offs_m < L)


# fmt: on
