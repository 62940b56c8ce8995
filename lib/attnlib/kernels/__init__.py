"""GPU kernels written in Triton, with a CPU path through Triton's interpreter.

``flash_attention(q, k, v, is_causal=False, scale=None)`` is FlashAttention-2 (forward and
backward) for ``(B, H, L, D)`` tensors. ``import attnlib`` sets ``TRITON_INTERPRET=1`` when no
CUDA GPU is present, so on a CPU the same kernels run in the interpreter (slow, exact).
"""

from __future__ import annotations

from .availability import interpreter_active, triton_available

if triton_available():
    from .flash_attention import flash_attention
else:  # pragma: no cover - Triton ships Linux wheels only

    def flash_attention(q, k, v, is_causal=False, scale=None):
        """Unavailable: Triton is not installed (``pip install triton``, Linux only)."""
        raise ImportError("attnlib.kernels.flash_attention needs Triton: pip install triton")


__all__ = ["flash_attention", "interpreter_active", "triton_available"]
