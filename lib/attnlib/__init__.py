"""attnlib: the library behind the attention course.

From NumPy from scratch (:mod:`attnlib.scratch`) through PyTorch modules (:mod:`attnlib.nn`)
to a fused Triton kernel (:mod:`attnlib.kernels`).

``import attnlib`` is cheap: it imports neither torch nor triton and sets no environment
variable. Subpackages load on first use (PEP 562), so ``import attnlib`` then ``attnlib.nn.X``
works, and a NumPy-only chapter never pays for torch. Whether Triton interprets kernels on the
CPU is decided in :mod:`attnlib.kernels`, the one module that needs Triton.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Submodules reachable as attributes of the package, imported on first access.
_SUBMODULES = frozenset(
    {
        "amp",
        "bench",
        "data",
        "grading",
        "kernels",
        "nn",
        "scratch",
        "train",
        "viz",
        "worked_example",
    }
)
# Functions re-exported here, by the submodule that defines them.
_FUNCTIONS = {"amp_dtype": "amp", "autocast": "amp"}


def device() -> str:
    """The best available device: ``"cuda"``, then ``"mps"``, then ``"cpu"``."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def __getattr__(name: str) -> Any:
    """Import ``attnlib.<name>`` (or the submodule defining ``name``) when first asked for."""
    if name in _SUBMODULES:
        return importlib.import_module(f"attnlib.{name}")
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(f"attnlib.{_FUNCTIONS[name]}"), name)
    raise AttributeError(f"module 'attnlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_SUBMODULES, *_FUNCTIONS})


__all__ = ["__version__", "amp_dtype", "autocast", "device"]
