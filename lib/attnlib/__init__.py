"""attnlib: the library behind the attention course.

From NumPy from scratch (:mod:`attnlib.scratch`) through PyTorch modules (:mod:`attnlib.nn`)
to a fused Triton kernel (:mod:`attnlib.kernels`).
"""

from __future__ import annotations

import os

__version__ = "0.1.0"


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return bool(torch.cuda.is_available())


# Triton reads TRITON_INTERPRET when it is first imported (torch may import it lazily), so the
# choice "interpret on the CPU when there is no GPU" is made here, before anything else runs.
if "TRITON_INTERPRET" not in os.environ and not _cuda_available():
    os.environ["TRITON_INTERPRET"] = "1"


def device() -> str:
    """The best available device: ``"cuda"``, then ``"mps"``, then ``"cpu"``."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


from attnlib.amp import amp_dtype, autocast  # noqa: E402  (after TRITON_INTERPRET is set)

__all__ = ["__version__", "amp_dtype", "autocast", "device"]
