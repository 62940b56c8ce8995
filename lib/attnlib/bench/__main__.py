"""``python -m attnlib.bench [--preset cpu|gpu-h100|tiny] [--out DIR] [overrides]``.

Writes ``DIR/bench.csv`` and ``DIR/bench.png`` (non-causal) and ``DIR/bench_causal.png``,
and prints the table. The GPU table of the course is one command on a CUDA machine:

    python -m attnlib.bench --preset gpu-h100 --out results/h100
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import attnlib.kernels  # noqa: F401  (decides TRITON_INTERPRET before Triton is imported)

from .plot import plot
from .sweep import PRESETS, run_sweep, write_csv


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m attnlib.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--out", default="bench-results", help="output directory")
    parser.add_argument("--lengths", type=_ints, help="comma-separated L values, e.g. 256,512")
    parser.add_argument("--head-dims", type=_ints, help="comma-separated D values")
    parser.add_argument("--methods", type=lambda s: s.split(","), help="comma-separated names")
    parser.add_argument("--passes", type=lambda s: s.split(","), help="forward,backward")
    parser.add_argument("--batch", type=int)
    parser.add_argument("--hidden", type=int, help="H·D, held fixed (H = hidden // D)")
    parser.add_argument("--dtype", choices=["float32", "float16", "bfloat16"])
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    overrides = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(PRESETS[args.preset])
        if getattr(args, f.name, None) is not None
    }
    sweep = dataclasses.replace(PRESETS[args.preset], **overrides)
    start = time.perf_counter()
    rows = run_sweep(sweep, progress=not args.no_progress)
    os.makedirs(args.out, exist_ok=True)
    csv_path = write_csv(rows, os.path.join(args.out, "bench.csv"))
    for causal, name in ((False, "bench.png"), (True, "bench_causal.png")):
        plot(rows, os.path.join(args.out, name), causal=causal)
    print(
        f"{'method':15} {'pass':8} {'D':>4} {'causal':>6} {'L':>6} {'ms':>10} {'TFLOP/s':>9} {'MiB':>9}  status"
    )
    for r in rows:
        if r["status"] == "unavailable":
            print(f"{r['method']:15} unavailable: {r['note']}")
            continue
        print(
            f"{r['method']:15} {r['pass']:8} {r['D']:>4} {r['causal']!s:>6} {r['L']:>6} "
            f"{r['time_ms']:>10.3f} {r['tflops']:>9.4f} {r['peak_mib']:>9.2f}  {r['status']} {r['note']}"
        )
    print(f"wrote {csv_path} and figures in {args.out}/ ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
