"""What one FlashAttention kernel compiles to on a GPU that is not here: a library function.

Compiling needs Triton *without* its interpreter, but a process that runs the kernels on the CPU
imported Triton with ``TRITON_INTERPRET=1``. So :func:`compile_report` runs
``python -m attnlib.kernels.compile_ahead --report`` in a child process with
``TRITON_INTERPRET=0`` and returns what it measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def compile_report(
    which: str = "forward",
    dtype: str = "bf16",
    head_dim: int = 64,
    is_causal: bool = True,
    arch: int = 90,
    timeout: float = 600.0,
) -> dict:
    """Compile one kernel for ``sm_<arch>`` and report what the PTX and ``ptxas -v`` show.

    Args:
        which, dtype, head_dim, is_causal, arch: as in :func:`compile_ahead.compile_kernel`.
        timeout: seconds before the child process is stopped.

    Returns:
        dict with ``target`` (e.g. ``"sm_90a"``), ``wgmma`` (Hopper tensor-core instructions),
        ``cp_async`` (asynchronous, pipelined loads), ``shared`` (shared memory bytes per
        program), ``registers`` and ``spill_bytes`` (per thread, from ``ptxas -v``).
    """
    if which not in ("forward", "dk_dv", "dq", "delta"):
        raise ValueError(f"which must be 'forward', 'dk_dv', 'dq' or 'delta', got {which!r}")
    if dtype not in ("fp16", "bf16", "fp32"):
        raise ValueError(f"dtype must be 'fp16', 'bf16' or 'fp32', got {dtype!r}")
    args = ["--report", which, dtype, str(int(head_dim)), str(int(bool(is_causal))), str(arch)]
    done = subprocess.run(
        [sys.executable, "-m", "attnlib.kernels.compile_ahead", *args],
        env={**os.environ, "TRITON_INTERPRET": "0"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"compiling {which} ({dtype}, D={head_dim}) failed:\n{done.stderr[-3000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])
