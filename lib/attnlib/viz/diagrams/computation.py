"""The computation: Q/K/V projections, scores → scale → mask → softmax → sum, why 1/√d_k."""

from __future__ import annotations

import numpy as np

from attnlib import worked_example as we
from attnlib.scratch import scaled_dot_product_attention, softmax
from attnlib.scratch.attention import attention_scores
from attnlib.viz.diagrams._style import (
    COLORS,
    SMALL,
    arrow,
    canvas,
    diagram,
    figure,
    grid,
    heatmap,
    shape,
)


@diagram
def qkv_projections(x=None, W_q=None, W_k=None, W_v=None, cap: int = 8):
    """X times three matrices: queries, keys and values, each cell grid drawn at its real shape.

    Args:
        x: (L, E) embeddings; W_q, W_k: (E, D); W_v: (E, Dv). Default: the worked example.
        cap: at most this many rows/columns of cells are drawn (labels keep the true shape).

    Returns:
        Figure.
    """
    if x is None:
        x, W_q, W_k, W_v = we.X, we.W_Q, we.W_K, we.W_V
    x = np.asarray(x, dtype=float)
    fig, ax = canvas(height=3.9)
    cell = 0.17

    def draw(x0, y0, a, role, label):
        r, c = min(a.shape[0], cap), min(a.shape[1], cap)
        grid(ax, x0, y0 - r * cell / 2, r, c, cell, role, label)
        return x0 + c * cell

    right = draw(0.3, 1.85, x, "output", f"X {shape(x)}")
    for i, (name, W, role) in enumerate(
        (("Q", W_q, "query"), ("K", W_k, "key"), ("V", W_v, "value"))
    ):
        y = 3.1 - 1.25 * i
        W = np.asarray(W, dtype=float)
        arrow(ax, (right + 0.05, 1.85), (1.9, y), role=role)
        end = draw(2.0, y, W, role, f"W_{name} {shape(W)}")
        out = x @ W  # (L, E) @ (E, D) -> (L, D)
        ax.text(end + 0.35, y, "→", ha="center", va="center", fontsize=14)
        end = draw(end + 0.7, y, out, role, f"{name} = X W_{name} {shape(out)}")
        ax.text(end + 0.2, y, {"Q": "what each token asks", "K": "what it offers to match",
                               "V": "what it passes on"}[name], va="center", fontsize=SMALL,
                color=COLORS[role])  # fmt: skip
    return fig


@diagram
def attention_pipeline(q=None, k=None, v=None, attn_mask=None, labels=None):
    r"""Four heatmaps: $QK^\top$, then scaled and masked, then softmax, then $AV$.

    Args:
        q: (L, D), k: (S, D), v: (S, Dv); default the worked example.
        attn_mask: bool (L, S), ``True`` = may attend (e.g. ``causal_mask(L)``).
        labels: token names for rows and columns (when L == S).

    Returns:
        Figure with four panels, each titled with the array's shape.
    """
    if q is None:
        s = we.steps()
        q, k, v, labels = s.q, s.k, s.v, list(we.TOKENS)
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    raw = q @ k.T  # (L, D) @ (D, S) -> (L, S)
    scaled = attention_scores(q, k, attn_mask)  # (L, S), -inf where blocked
    out, w = scaled_dot_product_attention(q, k, v, attn_mask, return_weights=True)
    fig, axes = figure(2, 2, height=6.4)
    rows = labels if labels is not None and len(labels) == q.shape[0] else None
    cols = labels if labels is not None and len(labels) == k.shape[0] else None
    heatmap(axes[0, 0], raw, f"1. scores QKᵀ {shape(raw)}", cols, rows, fmt="{:.0f}")
    mask_note = " + mask" if attn_mask is not None else ""
    heatmap(axes[0, 1], scaled, f"2. ÷ √D = {np.sqrt(q.shape[1]):g}{mask_note}", cols, rows,
            fmt="{:.1f}")  # fmt: skip
    heatmap(axes[1, 0], w, f"3. softmax → A {shape(w)}", cols, rows, vmin=0, vmax=1)
    heatmap(axes[1, 1], out, f"4. A V {shape(w)}·{shape(v)}\n= O {shape(out)}", None, rows,
            fmt="{:.1f}", cmap="cividis")  # fmt: skip
    axes[1, 1].set_xlabel("feature")
    for ax in axes[:, 0]:
        ax.set_ylabel("query")
    for ax in (axes[0, 0], axes[0, 1], axes[1, 0]):
        ax.set_xlabel("key")
        ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    return fig


@diagram
def softmax_saturation(dims=(4, 16, 64, 256, 1024), S: int = 8, seed: int = 0):
    r"""Unscaled dot products grow like $\sqrt{d_k}$ and saturate the softmax; $1/\sqrt{d_k}$ stops it.

    For unit-variance random $q, k \in \mathbb{R}^{d_k}$, $\mathrm{Var}(q\cdot k) = d_k$.

    Args:
        dims: the d_k values to try. S: keys per query. seed: for the random q, k.

    Returns:
        Figure: left, the largest weight of a row against d_k with and without the scale;
        right, one row's weights at the largest d_k.
    """
    rng = np.random.default_rng(seed)
    stats = []
    for d in dims:
        q, k = rng.standard_normal((64, d)), rng.standard_normal((S, d))  # (64, d), (S, d)
        raw = q @ k.T  # (64, d) @ (d, S) -> (64, S)
        stats.append(
            (raw.std(), softmax(raw).max(-1).mean(), softmax(raw / np.sqrt(d)).max(-1).mean())
        )
    std, unscaled, scaled = map(np.array, zip(*stats))
    fig, (left, right) = figure(1, 2, height=3.6, width_ratios=[1.25, 1])
    left.semilogx(dims, unscaled, "o-", color=COLORS["weight"], label="softmax(q·k)")
    left.semilogx(dims, scaled, "s-", color=COLORS["query"], label="softmax(q·k/√d_k)")
    left.axhline(1 / S, color=COLORS["mask"], ls="--", lw=1)
    left.text(dims[0], 1 / S + 0.03, f"uniform 1/S = {1 / S:.3g}", fontsize=SMALL)
    left.set_xlabel("d_k")
    left.set_ylabel("largest weight in a row")
    left.set_ylim(0, 1.05)
    left.legend(fontsize=SMALL, loc="center right")
    left.set_title(f"std(q·k) = {std[0]:.1f} … {std[-1]:.0f} ≈ √d_k", fontsize=SMALL + 0.5)
    d = dims[-1]
    q, k = rng.standard_normal((1, d)), rng.standard_normal((S, d))
    x = np.arange(S)
    right.bar(x - 0.2, softmax(q @ k.T)[0], 0.4, color=COLORS["weight"], label="unscaled")
    right.bar(x + 0.2, softmax(q @ k.T / np.sqrt(d))[0], 0.4, color=COLORS["query"], label="scaled")
    right.set_title(f"one row: q {shape(q)}, k {shape(k)}", fontsize=SMALL + 0.5)
    right.set_xlabel("key")
    right.set_xticks(x)
    right.legend(fontsize=SMALL)
    fig.tight_layout()
    return fig
