"""Block sizes and launch grids for the FlashAttention kernels.

On a GPU the forward and backward kernels are autotuned over a few tile shapes per head dim
(the best shape depends on the chip and on D). Under Triton's CPU interpreter autotuning would
only waste time, so one small fixed shape is used instead.
"""

from __future__ import annotations

import triton

from .availability import interpreter_active
from .flash_backward import delta_kernel, dk_dv_kernel, dq_kernel
from .flash_forward import flash_forward_kernel

# Tile shapes for the CPU interpreter: small, so the tests at L = 16..64 visit several blocks.
INTERPRETER_FORWARD = {"BLOCK_M": 16, "BLOCK_N": 16}
INTERPRETER_DK_DV = {"BLOCK_M": 16, "BLOCK_N": 32}
INTERPRETER_DQ = {"BLOCK_M": 32, "BLOCK_N": 16}
DELTA_BLOCK_M = 64
TUNE_KEY = ["L", "S", "HEAD_DIM", "IS_CAUSAL"]


def _forward_configs() -> list[triton.Config]:
    return [
        triton.Config({"BLOCK_M": bm, "BLOCK_N": bn}, num_warps=w, num_stages=s)
        for bm, bn, w in [(128, 64, 8), (128, 64, 4), (128, 128, 8), (64, 64, 4), (128, 32, 4)]
        for s in (2, 3, 4)
    ]


def _keep_fitting(configs, named_args, **kwargs):
    """Drop tile shapes too large for the head dim (registers, shared memory)."""
    big = named_args["HEAD_DIM"] >= 128
    # At D = 128 these spill registers (ptxas -v) or nearly fill the H100's shared memory.
    kept = [
        c
        for c in configs
        if not (big and c.kwargs["BLOCK_N"] >= 128 and c.num_stages > 2)
        and not (big and c.kwargs["BLOCK_M"] >= 128 and c.num_warps == 4)
    ]
    return kept or configs


def _backward_configs(key_block: str) -> list[triton.Config]:
    # (BLOCK_M, BLOCK_N): dK/dV needs BLOCK_N % BLOCK_M == 0, dQ needs BLOCK_M % BLOCK_N == 0.
    shapes = (
        [(32, 128), (64, 64), (32, 64)] if key_block == "dk_dv" else [(128, 32), (64, 64), (64, 32)]
    )
    return [
        triton.Config({"BLOCK_M": bm, "BLOCK_N": bn}, num_warps=w, num_stages=s)
        for bm, bn in shapes
        for w in (4, 8)
        for s in (2, 3)
    ]


forward_tuned = triton.autotune(
    _forward_configs(), key=TUNE_KEY, prune_configs_by={"early_config_prune": _keep_fitting}
)(flash_forward_kernel)
dk_dv_tuned = triton.autotune(_backward_configs("dk_dv"), key=TUNE_KEY)(dk_dv_kernel)
dq_tuned = triton.autotune(_backward_configs("dq"), key=TUNE_KEY)(dq_kernel)


def launch_forward(q, k, v, o, lse, bh: int, L: int, S: int, qk_scale_log2: float, **flags):
    """Run the forward kernel on flattened (B·H, ·, D) tensors; fills ``o`` and ``lse``."""
    args = (q, k, v, o, lse, L, S, qk_scale_log2)
    if interpreter_active():
        grid = (triton.cdiv(L, INTERPRETER_FORWARD["BLOCK_M"]), bh)
        flash_forward_kernel[grid](*args, **flags, **INTERPRETER_FORWARD)
    else:
        grid = lambda meta: (triton.cdiv(L, meta["BLOCK_M"]), bh)
        forward_tuned[grid](*args, **flags)


def launch_backward(q, k, v, o, do, lse, dq, dk, dv, bh, L, S, scale, qk_scale_log2, **flags):
    """Run the three backward kernels; fills ``dq``, ``dk``, ``dv``."""
    delta = lse.new_empty(lse.shape)  # (B·H, L) float32
    head_dim = flags["HEAD_DIM"]
    delta_kernel[(triton.cdiv(L, DELTA_BLOCK_M), bh)](o, do, delta, L, head_dim, DELTA_BLOCK_M)
    dk_dv_args = (q, k, v, do, lse, delta, dk, dv, L, S, scale, qk_scale_log2)
    dq_args = (q, k, v, do, lse, delta, dq, L, S, scale, qk_scale_log2)
    if interpreter_active():
        dk_dv_grid = (triton.cdiv(S, INTERPRETER_DK_DV["BLOCK_N"]), bh)
        dk_dv_kernel[dk_dv_grid](*dk_dv_args, **flags, **INTERPRETER_DK_DV)
        dq_grid = (triton.cdiv(L, INTERPRETER_DQ["BLOCK_M"]), bh)
        dq_kernel[dq_grid](*dq_args, **flags, **INTERPRETER_DQ)
    else:
        dk_dv_tuned[lambda meta: (triton.cdiv(S, meta["BLOCK_N"]), bh)](*dk_dv_args, **flags)
        dq_tuned[lambda meta: (triton.cdiv(L, meta["BLOCK_M"]), bh)](*dq_args, **flags)
