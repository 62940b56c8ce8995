"""Benchmarks: time, TFLOP/s and peak memory of attention from NumPy to fused kernels.

Run ``python -m attnlib.bench`` (this CPU) or ``python -m attnlib.bench --preset gpu-h100``;
notebooks import :func:`run_sweep`, :func:`measure`, :func:`best_time` and :func:`plot`.
"""

from __future__ import annotations

from .flops import attention_flops, tflops_per_second
from .measure import best_time, measure
from .methods import METHODS, available
from .plot import plot
from .sweep import CSV_COLUMNS, PRESETS, Sweep, run_sweep, write_csv

__all__ = [
    "CSV_COLUMNS",
    "METHODS",
    "PRESETS",
    "Sweep",
    "attention_flops",
    "available",
    "best_time",
    "measure",
    "plot",
    "run_sweep",
    "tflops_per_second",
    "write_csv",
]
