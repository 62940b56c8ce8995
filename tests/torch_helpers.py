"""Helpers shared by the PyTorch tests (the nn and kernel suites)."""

from __future__ import annotations

import pytest
import torch
from compare import assert_close

F64 = torch.float64
NO_CUDA = not torch.cuda.is_available()
DEVICES = [
    "cpu",
    pytest.param("cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(NO_CUDA, reason="needs CUDA")]),
]


def assert_same(actual: torch.Tensor, expected: torch.Tensor, atol: float = 1e-10) -> None:
    """Shape, then dtype, then values: :func:`compare.assert_close` with an absolute tolerance."""
    assert_close(actual, expected, atol)
