"""GPU kernels written in Triton, with a CPU path through Triton's interpreter.

``flash_attention(q, k, v, is_causal=False, scale=None)`` is FlashAttention-2 (forward and
backward) for ``(B, H, L, D)`` tensors. Importing this package decides, before Triton is
imported, whether Triton compiles for a CUDA GPU or interprets on the CPU
(:func:`choose_interpreter`): without a GPU the same kernels run in the interpreter (slow, exact).
:func:`compile_report` compiles them ahead of time for a GPU that is not here.
"""

from __future__ import annotations

from .availability import choose_interpreter, interpreter_active, triton_available

if triton_available():
    choose_interpreter()
    from .compile_report import compile_report
    from .flash_attention import flash_attention
else:  # pragma: no cover - Triton ships Linux wheels only

    def flash_attention(q, k, v, is_causal=False, scale=None):
        """Unavailable: Triton is not installed (``pip install triton``, Linux only)."""
        raise ImportError("attnlib.kernels.flash_attention needs Triton: pip install triton")

    def compile_report(*args, **kwargs):
        """Unavailable: Triton is not installed (``pip install triton``, Linux only)."""
        raise ImportError("attnlib.kernels.compile_report needs Triton: pip install triton")


__all__ = [
    "choose_interpreter",
    "compile_report",
    "flash_attention",
    "interpreter_active",
    "triton_available",
]
