"""Sweep sequence lengths × head dims × masks × methods × passes; one row per measurement."""

from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm

from .flops import attention_flops, tflops_per_second
from .measure import measure
from .methods import METHODS, available

CSV_COLUMNS = (
    "method device dtype pass B H L S D causal time_ms tflops peak_mib status note".split()
)


@dataclass
class Sweep:
    """What to measure. ``hidden`` = H·D is held fixed, so H = hidden // D."""

    lengths: list[int]
    head_dims: list[int] = field(default_factory=lambda: [64, 128])
    causal: list[bool] = field(default_factory=lambda: [False, True])
    methods: list[str] = field(default_factory=lambda: list(METHODS))
    passes: list[str] = field(default_factory=lambda: ["forward", "backward"])
    batch: int = 1
    hidden: int = 256
    dtype: str = "float32"
    device: str = "cpu"
    warmup: int = 1
    repeat: int = 3


PRESETS = {
    # This CPU (2 cores): small enough to finish in under 3 minutes.
    "cpu": Sweep(
        lengths=[128, 256, 512, 1024],
        methods=[
            "numpy-naive",
            "numpy-tiled",
            "torch-naive",
            "sdpa-math",
            "sdpa-efficient",
            "sdpa-flash",
            "sdpa-cudnn",
            "triton",
        ],
    ),
    # The H100 benchmark: B=4, H·D=2048, bf16, L = 1k..16k, causal and not, fwd and bwd.
    "gpu-h100": Sweep(
        lengths=[1024, 2048, 4096, 8192, 16384],
        batch=4,
        hidden=2048,
        dtype="bfloat16",
        device="cuda",
        warmup=3,
        repeat=10,
        methods=[
            "torch-naive",
            "sdpa-math",
            "sdpa-efficient",
            "sdpa-flash",
            "sdpa-cudnn",
            "triton",
        ],
    ),
    # For tests: seconds.
    "tiny": Sweep(
        lengths=[32, 64],
        head_dims=[16],
        hidden=32,
        repeat=1,
        methods=["numpy-naive", "numpy-tiled", "torch-naive", "sdpa-math", "sdpa-cudnn"],
    ),
}


def _is_oom(error: BaseException) -> bool:
    return isinstance(error, MemoryError | torch.OutOfMemoryError) or "out of memory" in str(error)


def _one(sweep: Sweep, name: str, L: int, D: int, causal: bool, pass_: str) -> dict:
    H = max(1, sweep.hidden // D)
    dtype = getattr(torch, sweep.dtype)
    row = {"method": name, "device": sweep.device, "dtype": sweep.dtype, "pass": pass_,
           "B": sweep.batch, "H": H, "L": L, "S": L, "D": D, "causal": causal,
           "time_ms": float("nan"), "tflops": float("nan"), "peak_mib": float("nan"),
           "status": "ok", "note": ""}  # fmt: skip
    method = METHODS[name]
    try:
        g = torch.Generator(device=sweep.device).manual_seed(0)
        q, k, v = (torch.randn(sweep.batch, H, L, D, device=sweep.device, dtype=dtype,
                               generator=g, requires_grad=pass_ == "backward")
                   for _ in range(3))  # fmt: skip
        forward = method.build(q, k, v, causal)
        memory = "tracemalloc" if method.library == "numpy" else "rss"
        if pass_ == "forward":
            with torch.no_grad():
                stats = measure(forward, sweep.device, memory, sweep.warmup, sweep.repeat)
        else:  # time the backward alone; memory of a whole training step (forward + backward)
            out = forward()
            grad = torch.randn_like(out)
            backward = lambda: torch.autograd.grad(out, (q, k, v), grad, retain_graph=True)
            step = lambda: torch.autograd.grad(forward(), (q, k, v), grad)
            stats = measure(backward, sweep.device, memory, sweep.warmup, sweep.repeat, step)
    except (RuntimeError, MemoryError) as error:
        if not _is_oom(error):
            raise
        if sweep.device == "cuda":
            torch.cuda.empty_cache()
        return {**row, "status": "OOM", "note": "out of memory"}
    flops = attention_flops(sweep.batch, H, L, L, D, causal, backward=pass_ == "backward")
    return {**row, "time_ms": 1e3 * stats["time_s"], "peak_mib": stats["peak_bytes"] / 2**20,
            "tflops": tflops_per_second(flops, stats["time_s"])}  # fmt: skip


def run_sweep(sweep: Sweep, progress: bool = True) -> list[dict]:
    """Measure every (method, D, causal, L, pass) of ``sweep``; returns rows keyed by CSV_COLUMNS.

    A method that cannot run on this device gets one ``"unavailable"`` row with the reason; a
    run that exhausts memory gets status ``"OOM"``.
    """
    dtype = getattr(torch, sweep.dtype)
    rows, cases = [], []
    for name in sweep.methods:
        ok, note = available(name, sweep.device, dtype)
        if not ok:
            rows.append({**dict.fromkeys(CSV_COLUMNS, ""), "method": name, "device": sweep.device,
                         "dtype": sweep.dtype, "status": "unavailable", "note": note})  # fmt: skip
            continue
        passes = ["forward"] if METHODS[name].library == "numpy" else sweep.passes  # no autograd
        cases += [(name, L, D, c, p) for D in sweep.head_dims for c in sweep.causal
                  for L in sweep.lengths for p in passes]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SDPA's per-call "backend not used because" warnings
        for case in tqdm(cases, desc="attention bench", disable=not progress):
            rows.append(_one(sweep, *case))
    return rows


def write_csv(rows: list[dict], path: str | Path) -> Path:
    """Write the rows with the columns in ``CSV_COLUMNS`` order; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in row.items()}
            )
    return path
