"""The attention implementations the benchmark compares, behind one interface.

Each method turns ``(q, k, v, is_causal)`` (torch tensors, ``(B, H, L, D)``) into a forward
call; torch methods also support the backward pass. ``available`` answers "can it run here?"
with a note, so the table can say *why* a backend is missing instead of failing.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


@dataclass(frozen=True)
class Method:
    name: str
    library: str  # "numpy" or "torch": decides the memory probe and whether backward exists
    build: Callable  # (q, k, v, is_causal) -> forward callable returning the output


def _numpy_naive(q, k, v, causal):
    from attnlib.scratch import scaled_dot_product_attention

    qn, kn, vn = (t.detach().float().cpu().numpy() for t in (q, k, v))
    return lambda: scaled_dot_product_attention(qn, kn, vn, is_causal=causal)


def _numpy_tiled(q, k, v, causal):
    from attnlib.scratch import tiled_attention

    qn, kn, vn = (t.detach().float().cpu().numpy() for t in (q, k, v))
    return lambda: tiled_attention(qn, kn, vn, is_causal=causal, block_q=128, block_k=128)


def _torch_naive(q, k, v, causal):
    from attnlib.nn import scaled_dot_product_attention  # the readable (manual) path

    return lambda: scaled_dot_product_attention(q, k, v, is_causal=causal)


def _sdpa(backend: SDPBackend):
    def build(q, k, v, causal):
        def call():
            with sdpa_kernel(backend):  # pin exactly one backend; PyTorch errors if it can't run
                return F.scaled_dot_product_attention(q, k, v, is_causal=causal)

        return call

    return build


def _triton(q, k, v, causal):
    from attnlib.kernels import flash_attention

    return lambda: flash_attention(q, k, v, is_causal=causal)


METHODS = {
    m.name: m
    for m in [
        Method("numpy-naive", "numpy", _numpy_naive),
        Method("numpy-tiled", "numpy", _numpy_tiled),
        Method("torch-naive", "torch", _torch_naive),
        Method("sdpa-math", "torch", _sdpa(SDPBackend.MATH)),
        Method("sdpa-efficient", "torch", _sdpa(SDPBackend.EFFICIENT_ATTENTION)),
        Method("sdpa-flash", "torch", _sdpa(SDPBackend.FLASH_ATTENTION)),
        Method("sdpa-cudnn", "torch", _sdpa(SDPBackend.CUDNN_ATTENTION)),
        Method("triton", "torch", _triton),
    ]
}


def available(name: str, device: str, dtype: torch.dtype) -> tuple[bool, str]:
    """Can method ``name`` run on ``device`` with ``dtype``? Returns ``(ok, note)``."""
    if name.startswith("numpy"):
        return (True, "") if device == "cpu" else (False, "NumPy runs on the CPU only")
    if name == "triton":
        from attnlib.kernels import interpreter_active, triton_available

        if not triton_available():
            return False, "Triton is not installed"
        if device != "cuda" or interpreter_active():
            return False, "no CUDA GPU: the Triton kernel only runs in the (slow) interpreter"
        return True, ""
    # Try a tiny call: PyTorch raises when a pinned SDPA backend cannot handle the input.
    q = torch.randn(1, 2, 16, 64, device=device, dtype=dtype)
    try:
        with warnings.catch_warnings():  # PyTorch warns once per reason a backend refused
            warnings.simplefilter("ignore")
            METHODS[name].build(q, q, q, False)()
    except RuntimeError as error:
        return (
            False,
            f"{name} unavailable on {device}/{str(dtype)[6:]}: {str(error).splitlines()[0][:80]}",
        )
    return True, ""
