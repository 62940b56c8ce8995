"""Mixed precision: which low-precision dtype a device supports, and an autocast context."""

from __future__ import annotations

import contextlib

import torch


def _device_type(device: str | torch.device | None) -> str:
    if device is None:
        from attnlib import device as best_device

        return best_device()
    return torch.device(device).type


def amp_dtype(device: str | torch.device | None = None) -> torch.dtype:
    """The half-precision dtype to compute in on ``device`` (default: :func:`attnlib.device`).

    bfloat16 (same exponent range as float32, so no loss scaling) where supported: CUDA GPUs with
    bf16 (Ampere and newer) and the CPU; float16 on older CUDA GPUs and on Apple's MPS.
    """
    kind = _device_type(device)
    if kind == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if kind == "mps":
        return torch.float16
    return torch.bfloat16


def autocast(
    device: str | torch.device | None = None,
    dtype: torch.dtype | None = None,
    enabled: bool = True,
) -> contextlib.AbstractContextManager:
    """``torch.autocast`` for ``device`` with :func:`amp_dtype` unless ``dtype`` is given.

    Inside it, matrix products (linear layers, attention) run in half precision. Which other ops
    are promoted to float32 depends on the device's autocast op lists: on CUDA, softmax and
    LayerNorm run in float32; on the CPU (torch 2.13) softmax stays in bfloat16, so compare CPU
    and GPU numbers with care (the chapter "PyTorch on the GPU" measures it)::

        with autocast("cpu"):
            logits = model(tokens)
    """
    kind = _device_type(device)
    return torch.autocast(device_type=kind, dtype=dtype or amp_dtype(kind), enabled=enabled)
