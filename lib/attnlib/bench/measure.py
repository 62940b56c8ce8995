"""Time one call and measure the extra memory it needs, on CPU or CUDA.

Peak memory is what the call allocates *beyond what already exists* (its inputs), output
included, measured three ways:

* CUDA: ``torch.cuda.max_memory_allocated`` after ``reset_peak_memory_stats``;
* NumPy on the CPU: ``tracemalloc`` (NumPy reports its array buffers to it);
* PyTorch on the CPU: PyTorch's CPU allocator is invisible to ``tracemalloc``, so the
  operating system is asked instead: Linux keeps the peak resident set size (``VmHWM``) of the
  process, which ``/proc/self/clear_refs`` resets; peak minus the resident size before the call
  is the call's high-water mark (page-granular, and ``nan`` where ``/proc`` does not exist).
  glibc would serve large blocks from memory it already holds (then nothing new shows up), so
  blocks of 64 KiB and more are first forced to come fresh from the OS (``mallopt``).

Time is the *minimum* over the repeats: on a shared machine the fastest run is the one least
disturbed by other processes.
"""

from __future__ import annotations

import ctypes
import functools
import math
import re
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import torch

PROC_STATUS = Path("/proc/self/status")


def _proc_kib(field: str) -> int:
    return int(re.search(rf"{field}:\s+(\d+)", PROC_STATUS.read_text()).group(1))


@functools.cache
def _fresh_pages_for_large_blocks() -> None:
    """glibc: serve every block >= 64 KiB by mmap and return it on free (M_MMAP_THRESHOLD)."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(-3, 64 * 1024)
    except (OSError, AttributeError):  # not glibc: measurements may read low
        pass


def _peak_bytes_rss(fn: Callable[[], object]) -> float:
    _fresh_pages_for_large_blocks()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current VmRSS
        before = _proc_kib("VmRSS")
    except OSError:
        fn()
        return math.nan
    result = fn()
    peak = _proc_kib("VmHWM")
    del result
    return 1024.0 * max(peak - before, 0)


def _peak_bytes_tracemalloc(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return float(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def _peak_bytes_cuda(fn: Callable[[], object]) -> float:
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    fn()
    torch.cuda.synchronize()
    return float(torch.cuda.max_memory_allocated() - before)


def best_time(fn: Callable[[], object], repeat: int = 5, device: str = "cpu") -> float:
    """Fastest wall time of ``fn()``, in seconds, over ``repeat`` calls.

    On CUDA the call is timed with CUDA events (kernels run asynchronously, so a wall clock
    around the launch would time only the launch).
    """
    times = []
    for _ in range(repeat):
        if device == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end) / 1e3)
        else:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return min(times)


def measure(
    fn: Callable[[], object],
    device: str = "cpu",
    memory: str = "rss",
    warmup: int = 1,
    repeat: int = 3,
    memory_fn: Callable[[], object] | None = None,
) -> dict[str, float]:
    """Fastest wall time of ``fn()`` over ``repeat`` calls after ``warmup``, and its peak memory.

    Args:
        fn: the call to time (no arguments).
        device: ``"cuda"`` (synchronised CUDA-event timing) or ``"cpu"``.
        memory: on CPU, ``"tracemalloc"`` (NumPy) or ``"rss"`` (PyTorch); ignored on CUDA.
        warmup: untimed calls first (compilation, autotuning, caches).
        repeat: timed calls; the minimum is reported.
        memory_fn: measure memory on this call instead of ``fn`` (e.g. forward + backward).

    Returns:
        ``{"time_s": fastest seconds, "peak_bytes": bytes beyond the inputs}``.
    """
    for _ in range(warmup):
        fn()
    probe = memory_fn or fn
    if device == "cuda":
        peak = _peak_bytes_cuda(probe)
    else:
        peak = _peak_bytes_tracemalloc(probe) if memory == "tracemalloc" else _peak_bytes_rss(probe)
    return {"time_s": best_time(fn, repeat, device), "peak_bytes": peak}
