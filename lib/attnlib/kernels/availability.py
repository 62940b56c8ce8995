"""Is Triton installed, and does it compile for a GPU or interpret on the CPU?

Triton reads ``TRITON_INTERPRET`` once, when it is first imported, so the choice must be made
before that. :func:`choose_interpreter` makes it when :mod:`attnlib.kernels` is imported
(nothing else in attnlib imports Triton): interpret on the CPU when there is no CUDA GPU,
unless the variable is already set. If Triton was imported earlier the other way, the choice
can no longer be made, and :data:`CONFLICT` says why (``flash_attention`` raises it).
"""

from __future__ import annotations

import importlib.util
import os
import sys

# Why the kernels cannot run in this process, or None. Set by choose_interpreter().
CONFLICT: str | None = None


def triton_available() -> bool:
    """``True`` when the ``triton`` package can be imported (Linux wheels; Colab GPUs have it)."""
    return importlib.util.find_spec("triton") is not None


def interpreter_active() -> bool:
    """``True`` when Triton runs kernels in its NumPy interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "on", "yes")


def _cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def choose_interpreter() -> bool:
    """Set ``TRITON_INTERPRET=1`` when no CUDA GPU is present and Triton is not yet imported.

    An explicit ``TRITON_INTERPRET`` in the environment always wins. Returns whether the
    interpreter is active. When Triton was already imported without the interpreter on a
    machine with no GPU, the kernels cannot run here: :data:`CONFLICT` records the reason.
    """
    global CONFLICT
    if "TRITON_INTERPRET" in os.environ or _cuda_available():
        return interpreter_active()
    if "triton" in sys.modules:
        CONFLICT = (
            "triton was imported before attnlib.kernels without TRITON_INTERPRET=1, and there "
            "is no CUDA GPU, so its kernels can neither compile nor run in the CPU interpreter "
            "in this process: set TRITON_INTERPRET=1 before anything imports triton (or import "
            "attnlib.kernels first)"
        )
        return False
    os.environ["TRITON_INTERPRET"] = "1"
    return True
