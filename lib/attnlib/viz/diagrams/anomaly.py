"""Anomaly detection by forecasting: a window of sensor readings becomes tokens, then a score."""

from __future__ import annotations

import numpy as np

from attnlib.viz.diagrams._style import COLORS, SMALL, arrow, box, diagram, figure, heatmap, shape


@diagram
def anomaly_pipeline(x=None, window: int = 32, t: int | None = None, embed_dim: int = 32,
                     num_heads: int = 4, channels=None):  # fmt: skip
    """Stream (T, C) -> window (W, C) = W tokens -> forecast x̂_t (C,) -> score s_t -> threshold.

    Args:
        x: (T, C) stream (default 160 steps of ``attnlib.data.machines.normal_machine``).
        window: W, the past steps the forecaster reads. t: the step forecast (default T - 1).
        embed_dim, num_heads: E and H of the forecaster. channels: C channel names.

    Returns:
        Figure: the stream with the window shaded, its (C, W) token matrix, and the pipeline.
    """
    from attnlib.data.machines import CHANNELS, normal_machine, past_and_next

    x = normal_machine(160, seed=0) if x is None else np.asarray(x, dtype=float)
    T, C = x.shape
    t = T - 1 if t is None else t
    names = list(channels or (CHANNELS if C == len(CHANNELS) else [f"ch {c}" for c in range(C)]))
    past, _ = past_and_next(x, window)  # (N, W, C); pair n forecasts step n + W
    tokens = past[t - window]  # (W, C)
    fig, (top, middle, bottom) = figure(3, 1, height=7.4, height_ratios=[1.1, 0.8, 1.0])
    offsets = 1.2 * np.arange(C)[::-1] * np.ptp(x)
    for c in range(C):
        top.plot(x[:, c] + offsets[c], lw=1.2, color=list(COLORS.values())[c])
    top.axvspan(t - window - 0.5, t - 0.5, color=COLORS["query"], alpha=0.15)
    top.axvline(t, color=COLORS["weight"], lw=2)
    top.set_yticks(offsets + np.median(x, axis=0), labels=names)
    top.set_xlabel("time step")
    top.set_title(f"stream {shape(x)}: window of W = {window} steps, forecast step t = {t}",
                  fontsize=SMALL)  # fmt: skip
    heatmap(middle, tokens.T, f"window {shape(tokens)} = {window} tokens of C = {C} readings",
            annotate=False, ylabels=names, cbar_label="reading")  # fmt: skip
    middle.set_xticks(range(0, window, max(1, window // 4)))
    middle.set_xlabel("token (past step)")
    steps = [  # (text, role, width in inches)
        (f"embed\n{shape(tokens)}→\n{(window, embed_dim)}", "query", 1.0),
        (f"self-attention\nH = {num_heads}, E = {embed_dim}\n{(1, num_heads, window, window)}",
         "weight", 1.45),
        (f"last token\n→ x̂_t {(C,)}", "value", 1.1),
        ("score s_t =\nΣ_c (x_tc − x̂_tc)²\n/ v_c", "score", 1.6),
        ("s_t > τ ?\nflag t", "mask", 0.85),
    ]  # fmt: skip
    fig.tight_layout()
    width = fig.get_figwidth() - 0.1
    bottom.set_position((0.05 / fig.get_figwidth(), 0.02, width / fig.get_figwidth(), 0.22))
    height = 0.22 * fig.get_figheight()
    bottom.set_xlim(0, width)
    bottom.set_ylim(0, height)
    bottom.axis("off")
    gap = (width - sum(w for _, _, w in steps)) / (len(steps) + 1)
    x0 = gap
    for n, (text, role, w) in enumerate(steps):
        box(bottom, x0 + w / 2, height / 2, w, 0.85 * height, text, role=role, size=SMALL)
        if n + 1 < len(steps):
            arrow(bottom, (x0 + w, height / 2), (x0 + w + gap, height / 2))
        x0 += w + gap
    return fig
