"""Helpers shared by the PyTorch tests (the nn and kernel suites)."""

from __future__ import annotations

import pytest
import torch

F64 = torch.float64
NO_CUDA = not torch.cuda.is_available()
DEVICES = [
    "cpu",
    pytest.param("cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(NO_CUDA, reason="needs CUDA")]),
]


def assert_same(actual: torch.Tensor, expected: torch.Tensor, atol: float = 1e-10) -> None:
    """Shape, then dtype, then values."""
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    torch.testing.assert_close(actual, expected, atol=atol, rtol=0)
