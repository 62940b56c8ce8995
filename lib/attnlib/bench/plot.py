"""One figure from the benchmark rows: throughput and peak memory against sequence length."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

STYLE_BY_D = {64: "-", 128: "--"}


def plot(rows: list[dict], path: str | Path | None = None, causal: bool = False):
    """Plot TFLOP/s (top) and peak memory in MiB (bottom) vs L, one column per pass.

    Lines are methods (colour) and head dims (solid D=64, dashed D=128); only rows with
    status ``"ok"`` and the given ``causal`` flag are drawn. Log–log axes: an O(L²) method's
    memory rises with slope 2, an O(L) one with slope 1.

    Args:
        rows: as returned by :func:`attnlib.bench.run_sweep` (or read back from the CSV).
        path: save the figure here (PNG) when given.
        causal: draw the causal rows instead of the non-causal ones.

    Returns:
        The matplotlib Figure.
    """
    ok = [r for r in rows if r["status"] == "ok" and str(r["causal"]) == str(causal)]
    passes = [p for p in ("forward", "backward") if any(r["pass"] == p for r in ok)] or ["forward"]
    methods = list(dict.fromkeys(r["method"] for r in ok))
    colours = {m: f"C{i}" for i, m in enumerate(methods)}
    fig, axes = plt.subplots(2, len(passes), figsize=(5.5 * len(passes), 7), squeeze=False)
    for col, pass_ in enumerate(passes):
        for method in methods:
            for D in sorted({int(r["D"]) for r in ok}):
                sel = sorted(
                    (
                        r
                        for r in ok
                        if r["method"] == method and r["pass"] == pass_ and int(r["D"]) == D
                    ),
                    key=lambda r: int(r["L"]),
                )
                if not sel:
                    continue
                Ls = [int(r["L"]) for r in sel]
                style = {
                    "color": colours[method],
                    "linestyle": STYLE_BY_D.get(D, ":"),
                    "marker": "o",
                }
                axes[0, col].plot(
                    Ls, [float(r["tflops"]) for r in sel], label=f"{method} D={D}", **style
                )
                # A zero reading (below the probe's resolution) leaves a gap on the log axis.
                mib = [float(r["peak_mib"]) or float("nan") for r in sel]
                axes[1, col].plot(Ls, mib, **style)
        axes[0, col].set_title(f"{pass_} ({'causal' if causal else 'non-causal'})")
        axes[0, col].set_ylabel("TFLOP/s")
        axes[1, col].set_ylabel("peak memory beyond inputs (MiB)")
        for ax in axes[:, col]:
            ax.set_xscale("log", base=2)
            ax.set_xlabel("sequence length L = S")
            ax.grid(True, which="both", alpha=0.3)
        for ax in axes[:, col]:  # log scale only where there is something positive to show
            if any(y > 0 for line in ax.get_lines() for y in line.get_ydata() if y == y):
                ax.set_yscale("log")
    device = ok[0]["device"] if ok else "?"
    fig.suptitle(f"Attention implementations on {device}")
    axes[0, 0].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
