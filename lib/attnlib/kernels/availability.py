"""Is Triton installed, and does it compile for a GPU or interpret on the CPU?"""

from __future__ import annotations

import importlib.util
import os


def triton_available() -> bool:
    """``True`` when the ``triton`` package can be imported (Linux wheels; Colab GPUs have it)."""
    return importlib.util.find_spec("triton") is not None


def interpreter_active() -> bool:
    """``True`` when Triton runs kernels in its NumPy interpreter (``TRITON_INTERPRET=1``).

    ``import attnlib`` sets the variable when no CUDA GPU is present, before Triton is imported,
    so the same kernels run (slowly, but exactly) on a CPU.
    """
    return os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "on", "yes")
