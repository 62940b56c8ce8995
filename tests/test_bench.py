"""attnlib.bench: FLOP counting, the memory probes, the CSV layout, a tiny sweep and the CLI."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from attnlib.bench import (
    CSV_COLUMNS,
    PRESETS,
    attention_flops,
    measure,
    plot,
    run_sweep,
    tflops_per_second,
    write_csv,
)
from attnlib.bench.__main__ import main


def test_flops_follow_the_flashattention_convention():
    # 4·B·H·L·S·D: two matrix products (QKᵀ and PV) of 2·L·S·D each, per (batch, head).
    assert attention_flops(2, 3, 5, 7, 11) == 4 * 2 * 3 * 5 * 7 * 11
    assert attention_flops(2, 3, 5, 7, 11, is_causal=True) == 2 * 2 * 3 * 5 * 7 * 11
    assert attention_flops(1, 1, 8, 8, 4, backward=True) == 2.5 * 4 * 8 * 8 * 4
    assert attention_flops(1, 1, 8, 8, 4, True, True) == 2.5 * 2 * 8 * 8 * 4
    assert tflops_per_second(3e12, 1.5) == pytest.approx(2.0)


def test_tracemalloc_sees_a_numpy_allocation():
    n = 1 << 20  # 8 MiB of float64
    stats = measure(lambda: np.ones(n), memory="tracemalloc", warmup=0, repeat=2)
    assert 8 * n <= stats["peak_bytes"] < 8 * n + (1 << 16)
    assert stats["time_s"] > 0


def test_rss_probe_sees_a_torch_allocation():
    n = 16 << 20  # 64 MiB of float32, written so the pages are really touched
    stats = measure(lambda: torch.ones(n), memory="rss", warmup=0, repeat=1)
    if np.isnan(stats["peak_bytes"]):
        pytest.skip("no /proc on this OS")
    assert 0.9 * 4 * n <= stats["peak_bytes"] < 1.5 * 4 * n


@pytest.fixture(scope="module")
def tiny_rows():
    return run_sweep(PRESETS["tiny"], progress=False)


def test_tiny_sweep_rows(tiny_rows):
    ok = [r for r in tiny_rows if r["status"] == "ok"]
    sweep = PRESETS["tiny"]
    # numpy: forward only; torch: forward and backward; × lengths × head dims × masks.
    per_case = len(sweep.lengths) * len(sweep.head_dims) * len(sweep.causal)
    torch_methods = [m for m in ("torch-naive", "sdpa-math") if m in sweep.methods]
    assert len(ok) == per_case * (2 + 2 * len(torch_methods))
    for r in ok:
        assert set(r) == set(CSV_COLUMNS)
        assert r["time_ms"] > 0 and r["tflops"] > 0 and r["H"] * r["D"] == sweep.hidden
        flops = attention_flops(
            1, r["H"], r["L"], r["S"], r["D"], r["causal"], r["pass"] == "backward"
        )
        assert r["tflops"] == pytest.approx(flops / (r["time_ms"] / 1e3) / 1e12)
    # The naive method stores an L×S matrix; the tiled one only one tile of it.
    big = {r["method"]: r["peak_mib"] for r in ok if r["L"] == 64 and not r["causal"]}
    assert big["numpy-tiled"] < big["numpy-naive"]
    if not torch.cuda.is_available():  # cuDNN attention needs a GPU: reported, not raised
        (cudnn,) = [r for r in tiny_rows if r["method"] == "sdpa-cudnn"]
        assert cudnn["status"] == "unavailable" and cudnn["note"]


def test_csv_has_the_documented_columns(tiny_rows, tmp_path):
    path = write_csv(tiny_rows, tmp_path / "bench.csv")
    with path.open() as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == CSV_COLUMNS
        read = list(reader)
    assert len(read) == len(tiny_rows)
    fig = plot(read, tmp_path / "bench.png")  # the figure reads rows back from the CSV too
    assert (tmp_path / "bench.png").stat().st_size > 10_000
    assert len(fig.axes) == 4


def test_cli_writes_csv_and_figures(tmp_path, capsys):
    argv = ["--preset", "tiny", "--lengths", "32", "--methods", "numpy-naive,sdpa-math"]
    assert main([*argv, "--passes", "forward", "--out", str(tmp_path), "--no-progress"]) == 0
    for name in ("bench.csv", "bench.png", "bench_causal.png"):
        assert (tmp_path / name).exists()
    rows = list(csv.DictReader((tmp_path / "bench.csv").open()))
    assert {(r["method"], r["pass"]) for r in rows} == {
        ("numpy-naive", "forward"),
        ("sdpa-math", "forward"),
    }
    assert "sdpa-math" in capsys.readouterr().out


def test_gpu_preset_is_the_h100_benchmark():
    gpu = PRESETS["gpu-h100"]
    assert (gpu.batch, gpu.hidden, gpu.dtype, gpu.device) == (4, 2048, "bfloat16", "cuda")
    assert gpu.lengths == [1024, 2048, 4096, 8192, 16384] and gpu.head_dims == [64, 128]
    assert gpu.causal == [False, True] and gpu.passes == ["forward", "backward"]
    assert {"torch-naive", "sdpa-flash", "triton"} <= set(gpu.methods)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_sweep_smoke():
    import dataclasses

    sweep = dataclasses.replace(PRESETS["gpu-h100"], lengths=[1024], head_dims=[64], repeat=2)
    rows = run_sweep(sweep, progress=False)
    triton_rows = [r for r in rows if r["method"] == "triton" and r["status"] == "ok"]
    assert len(triton_rows) == 4 and all(r["tflops"] > 1 for r in triton_rows)


def test_best_time_is_the_fastest_call():
    import time

    from attnlib.bench import best_time

    delays = iter([0.06, 0.02, 0.04])
    t = best_time(lambda: time.sleep(next(delays)), repeat=3)
    assert 0.02 <= t < 0.04  # the fastest of the three, not the first, last or mean
