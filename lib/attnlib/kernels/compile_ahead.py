"""Compile the FlashAttention kernels ahead of time for a GPU that is not here.

Triton's wheel carries the whole compiler (MLIR passes, LLVM, ``ptxas``), so a CPU-only
machine can still turn the kernels into PTX and a cubin for, e.g., a Hopper H100 (sm_90).
CI does this so that a kernel which would not build on a GPU fails on the CPU too.
Run it without ``TRITON_INTERPRET=1`` (interpreted kernels cannot be compiled):

    TRITON_INTERPRET=0 python -m attnlib.kernels.compile_ahead

From a process that interprets the kernels, call :func:`attnlib.kernels.compile_report`, which
runs ``--report`` here in a child process and returns one kernel's figures.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import tempfile

import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

from .flash_backward import delta_kernel, dk_dv_kernel, dq_kernel
from .flash_forward import flash_forward_kernel

# One representative tile shape per kernel among the autotuner's candidates: (tile, warps, stages).
TILES = {
    "forward": ({"BLOCK_M": 128, "BLOCK_N": 64}, 8, 3),
    "dk_dv": ({"BLOCK_M": 32, "BLOCK_N": 128}, 8, 3),
    "dq": ({"BLOCK_M": 128, "BLOCK_N": 32}, 8, 3),
}
H100_SHARED_MEMORY = 232448  # bytes a block may use on sm_90 (227 KiB)


def compile_kernel(
    which: str, dtype: str = "fp16", head_dim: int = 64, is_causal: bool = False, arch: int = 90
):
    """Compile one kernel for ``GPUTarget("cuda", arch, 64)``; returns Triton's CompiledKernel.

    Args:
        which: ``"forward"``, ``"dk_dv"``, ``"dq"`` or ``"delta"``.
        dtype: Triton pointer element type of q, k, v: ``"fp16"``, ``"bf16"`` or ``"fp32"``.
        head_dim: D, a power of two in 16..128.
        is_causal: compile the causal variant.
        arch: CUDA compute capability as an integer (90 = Hopper).
    """
    ptr, f32 = f"*{dtype}", "*fp32"
    precision = "ieee" if dtype == "fp32" else "tf32"
    flags = {"IS_CAUSAL": is_causal, "HEAD_DIM": head_dim, "DOT_PRECISION": precision}
    if which == "delta":
        fn, sig = delta_kernel, {"O": ptr, "DO": ptr, "Delta": f32, "L": "i32"}
        flags, tile, warps, stages = {"HEAD_DIM": head_dim}, {"BLOCK_M": 64}, 4, 1
    elif which == "forward":
        fn = flash_forward_kernel
        sig = {
            "Q": ptr,
            "K": ptr,
            "V": ptr,
            "O": ptr,
            "LSE": f32,
            "L": "i32",
            "S": "i32",
            "qk_scale_log2": "fp32",
        }
        tile, warps, stages = TILES[which]
    elif which in ("dk_dv", "dq"):
        fn = dk_dv_kernel if which == "dk_dv" else dq_kernel
        outs = ["DK", "DV"] if which == "dk_dv" else ["DQ"]
        sig = {n: ptr for n in ["Q", "K", "V", "DO"]} | {"LSE": f32, "Delta": f32}
        sig |= {n: ptr for n in outs} | {
            "L": "i32",
            "S": "i32",
            "scale": "fp32",
            "qk_scale_log2": "fp32",
        }
        tile, warps, stages = TILES[which]
    else:
        raise ValueError(f"unknown kernel {which!r}: use forward, dk_dv, dq or delta")
    constexprs = flags | tile
    signature = sig | dict.fromkeys(constexprs, "constexpr")
    # What the JIT assumes at run time for torch tensors (16-byte aligned) and lengths that are
    # multiples of 16. Without these hints loads cannot be vectorised or pipelined (cp.async).
    aligned = [n for n, t in sig.items() if t.startswith("*") or n in ("L", "S")]
    attrs = {(fn.arg_names.index(n),): [["tt.divisibility", 16]] for n in aligned}
    source = ASTSource(fn=fn, signature=signature, constexprs=constexprs, attrs=attrs)
    target = GPUTarget("cuda", arch, 64)
    return triton.compile(source, target=target, options={"num_warps": warps, "num_stages": stages})


def register_usage(kernel, arch: int = 90) -> dict[str, int]:
    """Registers per thread and spilled bytes of a compiled kernel, as ``ptxas -v`` reports them.

    Spills (registers that overflow to slow local memory) are the usual sign of a tile shape too
    large for the head dim.
    """
    ptxas = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", "ptxas")
    with tempfile.TemporaryDirectory() as tmp:
        ptx = os.path.join(tmp, "kernel.ptx")
        with open(ptx, "w") as f:
            f.write(kernel.asm["ptx"])
        command = [ptxas, f"-arch=sm_{arch}a", "-v", ptx, "-o", os.devnull]
        report = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    return {
        "registers": int(re.findall(r"Used (\d+) registers", report)[-1]),
        "spill_bytes": int(re.findall(r"(\d+) bytes spill stores", report)[-1]),
    }


def compile_all(arch: int = 90) -> list[tuple[str, str, int, bool, int, int]]:
    """Compile every kernel for fp16/bf16, D in {64, 128}, causal and not.

    Returns rows ``(kernel, dtype, D, causal, cubin bytes, shared memory bytes)``.
    """
    rows = []
    for which, dtype, head_dim, causal in itertools.product(
        ["forward", "dk_dv", "dq"], ["fp16", "bf16"], [64, 128], [False, True]
    ):
        kernel = compile_kernel(which, dtype, head_dim, causal, arch)
        rows.append(
            (which, dtype, head_dim, causal, len(kernel.asm["cubin"]), kernel.metadata.shared)
        )
    for dtype in ("fp16", "bf16"):
        kernel = compile_kernel("delta", dtype, 64, False, arch)
        rows.append(("delta", dtype, 64, False, len(kernel.asm["cubin"]), kernel.metadata.shared))
    return rows


def report(which: str, dtype: str, head_dim: int, is_causal: bool, arch: int = 90) -> dict:
    """One kernel's target, tensor-core and async-copy instruction counts, memory and registers."""
    kernel = compile_kernel(which, dtype, head_dim, is_causal, arch)
    ptx = kernel.asm["ptx"]
    target = [line.split()[1] for line in ptx.splitlines() if line.startswith(".target")][0]
    return {
        "target": target,
        "wgmma": ptx.count("wgmma.mma_async"),
        "cp_async": ptx.count("cp.async.cg"),
        "shared": kernel.metadata.shared,
        **register_usage(kernel, arch),
    }


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--report"]:
        which, dtype, head_dim, causal, arch = sys.argv[2:7]
        print(json.dumps(report(which, dtype, int(head_dim), causal == "1", int(arch))))
    else:
        for row in compile_all():
            print(*row)
