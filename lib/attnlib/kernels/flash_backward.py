"""FlashAttention backward pass in Triton (the FlashAttention-2 scheme, no atomics).

With scores ``s = scale · q kᵀ``, weights ``P = softmax(s)`` and upstream gradient ``dO``:

    dV = Pᵀ dO,   dP = dO Vᵀ,   dS = P ∘ (dP − δ) with δ_i = Σ_d dO_id O_id,
    dQ = scale · dS K,   dK = scale · dSᵀ Q.

``P`` is recomputed tile by tile from the log-sum-exp the forward pass stored, so the
``L × S`` matrices again never exist in memory. Three kernels:

1. ``delta_kernel``: δ = rowsum(dO ∘ O), one number per query.
2. ``dk_dv_kernel``: one program per *key* block; it streams the queries and accumulates dK, dV.
3. ``dq_kernel``: one program per *query* block; it streams the keys and accumulates dQ.

Each program owns the rows it writes, so no atomic additions are needed. Padded rows (past L
or S) load as zeros and a log-sum-exp of +inf, so they contribute exactly nothing.
"""

from __future__ import annotations

import triton
import triton.language as tl

# The kernels are laid out by hand (arguments grouped by meaning), so the formatter skips them.
# fmt: off


@triton.jit
def delta_kernel(O, DO, Delta, L, HEAD_DIM: tl.constexpr, BLOCK_M: tl.constexpr):
    offs_m = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)  # (BLOCK_M,)
    bh = tl.program_id(1).to(tl.int64)
    offs = bh * L * HEAD_DIM + offs_m[:, None] * HEAD_DIM + tl.arange(0, HEAD_DIM)[None, :]
    o = tl.load(O + offs, mask=offs_m[:, None] < L, other=0.0).to(tl.float32)    # (BLOCK_M, D)
    do = tl.load(DO + offs, mask=offs_m[:, None] < L, other=0.0).to(tl.float32)  # (BLOCK_M, D)
    tl.store(Delta + bh * L + offs_m, tl.sum(o * do, axis=1), mask=offs_m < L)


@triton.jit
def _dk_dv_from_query_blocks(
    dk, dv, k, v, offs_n,          # accumulators and the key/value tile (BLOCK_N, D) it owns
    q_base, do_base, lse_base, delta_base, L,   # this (batch, head)'s queries, dO, lse, δ
    start_m, end_m, qk_scale_log2,  # the query range [start_m, end_m) this call visits
    MASKED: tl.constexpr, BLOCK_M: tl.constexpr, HEAD_DIM: tl.constexpr,
    DOT_PRECISION: tl.constexpr,
):
    offs_d = tl.arange(0, HEAD_DIM)
    for m in range(start_m, end_m, BLOCK_M):
        offs_m = m + tl.arange(0, BLOCK_M)  # (BLOCK_M,) query positions
        # Queries transposed (D, BLOCK_M) and dO (BLOCK_M, D); rows past L load as zeros.
        q_t = tl.load(q_base + offs_m[None, :] * HEAD_DIM + offs_d[:, None],
                      mask=offs_m[None, :] < L, other=0.0)
        do = tl.load(do_base + offs_m[:, None] * HEAD_DIM + offs_d[None, :],
                     mask=offs_m[:, None] < L, other=0.0)
        lse = tl.load(lse_base + offs_m, mask=offs_m < L, other=float("inf"))  # (BLOCK_M,)
        delta = tl.load(delta_base + offs_m, mask=offs_m < L, other=0.0)      # (BLOCK_M,)

        # Recompute Pᵀ for this tile: (BLOCK_N, D) @ (D, BLOCK_M) -> (BLOCK_N, BLOCK_M).
        qk_t = tl.dot(k, q_t, input_precision=DOT_PRECISION) * qk_scale_log2
        p_t = tl.math.exp2(qk_t - lse[None, :])
        if MASKED:  # diagonal tiles only: key j is seen by query i when j <= i
            p_t = tl.where(offs_m[None, :] >= offs_n[:, None], p_t, 0.0)

        # dV += Pᵀ dO: (BLOCK_N, BLOCK_M) @ (BLOCK_M, D) -> (BLOCK_N, D).
        dv += tl.dot(p_t.to(do.dtype), do, input_precision=DOT_PRECISION)
        # dPᵀ = V dOᵀ: (BLOCK_N, D) @ (D, BLOCK_M) -> (BLOCK_N, BLOCK_M).
        dp_t = tl.dot(v, tl.trans(do), input_precision=DOT_PRECISION)
        ds_t = p_t * (dp_t - delta[None, :])  # (BLOCK_N, BLOCK_M)
        # dK += dSᵀ Q (the scale is applied once, at the end): -> (BLOCK_N, D).
        dk += tl.dot(ds_t.to(q_t.dtype), tl.trans(q_t), input_precision=DOT_PRECISION)
    return dk, dv


@triton.jit
def dk_dv_kernel(
    Q, K, V, DO, LSE, Delta,       # Q, DO: (B·H, L, D); K, V: (B·H, S, D); LSE, Delta: (B·H, L)
    DK, DV,                        # outputs (B·H, S, D)
    L, S, scale, qk_scale_log2,
    IS_CAUSAL: tl.constexpr, HEAD_DIM: tl.constexpr, DOT_PRECISION: tl.constexpr,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,  # BLOCK_N must be a multiple of BLOCK_M
):
    # 1. My key block and (batch, head); its keys and values stay in registers.
    start_n = tl.program_id(0) * BLOCK_N
    bh = tl.program_id(1).to(tl.int64)
    offs_n = start_n + tl.arange(0, BLOCK_N)  # (BLOCK_N,)
    kv_offs = bh * S * HEAD_DIM + offs_n[:, None] * HEAD_DIM + tl.arange(0, HEAD_DIM)[None, :]
    k = tl.load(K + kv_offs, mask=offs_n[:, None] < S, other=0.0)  # (BLOCK_N, D)
    v = tl.load(V + kv_offs, mask=offs_n[:, None] < S, other=0.0)  # (BLOCK_N, D)
    q_base, do_base = Q + bh * L * HEAD_DIM, DO + bh * L * HEAD_DIM
    lse_base, delta_base = LSE + bh * L, Delta + bh * L
    dk = tl.zeros([BLOCK_N, HEAD_DIM], dtype=tl.float32)
    dv = tl.zeros([BLOCK_N, HEAD_DIM], dtype=tl.float32)

    # 2. Which queries see these keys? All of them; or, causal, only queries i >= start_n:
    #    first the diagonal tiles with a mask, then every later tile without one.
    start_full = 0
    if IS_CAUSAL:
        start_full = start_n + BLOCK_N
        dk, dv = _dk_dv_from_query_blocks(
            dk, dv, k, v, offs_n, q_base, do_base, lse_base, delta_base, L,
            start_n, start_full, qk_scale_log2, True, BLOCK_M, HEAD_DIM, DOT_PRECISION)
    dk, dv = _dk_dv_from_query_blocks(
        dk, dv, k, v, offs_n, q_base, do_base, lse_base, delta_base, L,
        start_full, L, qk_scale_log2, False, BLOCK_M, HEAD_DIM, DOT_PRECISION)

    # 3. Store; keys past S are not written.
    tl.store(DK + kv_offs, (dk * scale).to(DK.dtype.element_ty), mask=offs_n[:, None] < S)
    tl.store(DV + kv_offs, dv.to(DV.dtype.element_ty), mask=offs_n[:, None] < S)


@triton.jit
def _dq_from_key_blocks(
    dq, q, do, lse, delta, offs_m,  # accumulator and the query-side tiles this program owns
    k_base, v_base, S,             # this (batch, head)'s keys and values
    start_n, end_n, qk_scale_log2,  # the key range [start_n, end_n) this call visits
    MASKED: tl.constexpr, BLOCK_N: tl.constexpr, HEAD_DIM: tl.constexpr,
    DOT_PRECISION: tl.constexpr,
):
    offs_d = tl.arange(0, HEAD_DIM)
    for n in range(start_n, end_n, BLOCK_N):
        offs_n = n + tl.arange(0, BLOCK_N)  # (BLOCK_N,)
        # Keys and values transposed (D, BLOCK_N); padded keys load as zeros and add nothing.
        kv_t_offs = offs_n[None, :] * HEAD_DIM + offs_d[:, None]
        k_t = tl.load(k_base + kv_t_offs, mask=offs_n[None, :] < S, other=0.0)
        v_t = tl.load(v_base + kv_t_offs, mask=offs_n[None, :] < S, other=0.0)

        # Recompute P: (BLOCK_M, D) @ (D, BLOCK_N) -> (BLOCK_M, BLOCK_N).
        qk = tl.dot(q, k_t, input_precision=DOT_PRECISION) * qk_scale_log2
        p = tl.math.exp2(qk - lse[:, None])
        if MASKED:
            p = tl.where(offs_m[:, None] >= offs_n[None, :], p, 0.0)
        # dP = dO Vᵀ: (BLOCK_M, D) @ (D, BLOCK_N) -> (BLOCK_M, BLOCK_N); dS = P ∘ (dP − δ).
        dp = tl.dot(do, v_t, input_precision=DOT_PRECISION)
        ds = p * (dp - delta[:, None])
        # dQ += dS K: (BLOCK_M, BLOCK_N) @ (BLOCK_N, D) -> (BLOCK_M, D).
        dq += tl.dot(ds.to(k_t.dtype), tl.trans(k_t), input_precision=DOT_PRECISION)
    return dq


@triton.jit
def dq_kernel(
    Q, K, V, DO, LSE, Delta,       # as in dk_dv_kernel
    DQ,                            # output (B·H, L, D)
    L, S, scale, qk_scale_log2,
    IS_CAUSAL: tl.constexpr, HEAD_DIM: tl.constexpr, DOT_PRECISION: tl.constexpr,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,  # BLOCK_M must be a multiple of BLOCK_N
):
    # 1. My query block: q, dO, the stored log-sum-exp and δ stay in registers.
    #    Causal: the last query blocks see the most keys, so they are launched first.
    block = tl.program_id(0)
    if IS_CAUSAL:
        block = tl.num_programs(0) - 1 - block
    start_m = block * BLOCK_M
    bh = tl.program_id(1).to(tl.int64)
    offs_m = start_m + tl.arange(0, BLOCK_M)  # (BLOCK_M,)
    q_offs = bh * L * HEAD_DIM + offs_m[:, None] * HEAD_DIM + tl.arange(0, HEAD_DIM)[None, :]
    q = tl.load(Q + q_offs, mask=offs_m[:, None] < L, other=0.0)    # (BLOCK_M, D)
    do = tl.load(DO + q_offs, mask=offs_m[:, None] < L, other=0.0)  # (BLOCK_M, D)
    lse = tl.load(LSE + bh * L + offs_m, mask=offs_m < L, other=float("inf"))
    delta = tl.load(Delta + bh * L + offs_m, mask=offs_m < L, other=0.0)
    k_base, v_base = K + bh * S * HEAD_DIM, V + bh * S * HEAD_DIM
    dq = tl.zeros([BLOCK_M, HEAD_DIM], dtype=tl.float32)

    # 2. Key blocks left of the diagonal need no mask; causal stops after the diagonal.
    end_full = S
    if IS_CAUSAL:
        end_full = tl.minimum(start_m, S)
    dq = _dq_from_key_blocks(
        dq, q, do, lse, delta, offs_m, k_base, v_base, S,
        0, end_full, qk_scale_log2, False, BLOCK_N, HEAD_DIM, DOT_PRECISION)
    if IS_CAUSAL:
        dq = _dq_from_key_blocks(
            dq, q, do, lse, delta, offs_m, k_base, v_base, S,
            end_full, tl.minimum(start_m + BLOCK_M, S), qk_scale_log2,
            True, BLOCK_N, HEAD_DIM, DOT_PRECISION)

    # 3. Store dQ = scale · dS K.
    tl.store(DQ + q_offs, (dq * scale).to(DQ.dtype.element_ty), mask=offs_m[:, None] < L)


# fmt: on
