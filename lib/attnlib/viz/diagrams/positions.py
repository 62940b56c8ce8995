"""Positions: sinusoidal encodings, RoPE's rotation of feature pairs, and ALiBi's distance bias."""

from __future__ import annotations

import numpy as np

from attnlib.scratch import alibi_bias, alibi_slopes, causal_mask, rope, sinusoidal_encoding
from attnlib.viz.diagrams._style import COLORS, SMALL, diagram, figure, heatmap, shape


@diagram
def sinusoidal_encodings(L: int = 32, E: int = 16, base: float = 10000.0):
    r"""``sinusoidal_encoding(L, E)``: fast waves in the first features, slow ones in the last.

    Returns:
        Figure: the (L, E) table as a heatmap, and a few of its columns against position.
    """
    pe = sinusoidal_encoding(L, E, base)  # (L, E)
    fig, (left, right) = figure(1, 2, height=3.8, width_ratios=[1, 1.1])
    heatmap(left, pe, f"sinusoidal_encoding\n{shape(pe)}", annotate=False, cmap="RdBu_r",
            vmin=-1, vmax=1)  # fmt: skip
    left.set_xticks(range(0, E, max(1, E // 4)))
    left.set_yticks(range(0, L, max(1, L // 4)))
    left.set_xlabel("feature")
    left.set_ylabel("position p")
    colours = (COLORS["query"], COLORS["key"], COLORS["value"], COLORS["score"])
    for c, col in zip(colours, sorted({0, 2, E // 2, E - 2})):
        right.plot(pe[:, col], color=c, label=f"feature {col}")
    right.set_xlabel("position p")
    right.set_ylim(-1.15, 1.9)
    right.legend(ncol=2, fontsize=SMALL, loc="upper center", handlelength=1.2)
    right.set_title(f"sin(p / {base:g}^(2i/E)), E = {E}", fontsize=SMALL)
    fig.tight_layout()
    return fig


@diagram
def rope_pairs(x=None, positions=None, base: float = 10000.0):
    r"""RoPE turns each feature pair by $\theta_{p,i} = p\,\text{base}^{-2i/D}$: fast pairs, slow pairs.

    Args:
        x: (L, D) queries or keys; default the vector [1, 0, 1, 0] at positions 0..5.
        positions: (L,) positions (default 0..L-1).

    Returns:
        Figure: pair 0 and the last pair of ``rope(x)`` as arrows, one per position, and a check
        that $q_m \cdot k_n$ depends only on $m - n$.
    """
    x = np.tile([1.0, 0.0, 1.0, 0.0], (6, 1)) if x is None else np.asarray(x, dtype=float)
    L, D = x.shape
    positions = np.arange(L) if positions is None else np.asarray(positions)
    rotated = rope(x, positions, base)  # (L, D), interleaved pairs (2i, 2i + 1)
    fig, axes = figure(1, 2, height=3.9)
    colours = [COLORS[r] for r in ("query", "key", "value", "score", "weight", "memory")]
    for ax, i in zip(axes, (0, D // 2 - 1)):
        theta = np.linspace(0, 2 * np.pi, 100)
        radius = np.abs(rotated[:, 2 * i : 2 * i + 2]).max() * 1.05 or 1.0
        ax.plot(radius * np.cos(theta), radius * np.sin(theta), color=COLORS["mask"], lw=0.8)
        last = None
        for p in range(L):
            a, b = rotated[p, 2 * i], rotated[p, 2 * i + 1]
            c = colours[p % len(colours)]
            ax.annotate("", (a, b), (0, 0), arrowprops={"arrowstyle": "-|>", "color": c, "lw": 1.4})
            angle = np.arctan2(b, a)
            crowded = last is not None and abs(np.angle(np.exp(1j * (angle - last)))) < 0.35
            if crowded and p < L - 1:
                continue  # too close to the previous label; the last position is always named
            last, lift = angle, 0.22 * radius if crowded else 0.0
            ax.text(a * 1.18, b * 1.18 + lift, f"p={positions[p]}", color=c, ha="center", va="center",
                    fontsize=SMALL)  # fmt: skip
        ax.set_aspect("equal")
        ax.set_xlim(-1.55 * radius, 1.55 * radius)
        ax.set_ylim(-1.55 * radius, 1.55 * radius)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"pair {i}: features ({2 * i}, {2 * i + 1})\nθ = p·{base ** (-2 * i / D):.3g}",
                     fontsize=SMALL)  # fmt: skip
    q = rope(np.tile(x[:1], (L, 1)), positions, base)  # the same vector at every position
    same = [q[m] @ q[m - 1] for m in (1, L - 1)]
    fig.suptitle(f"rope(x {shape(x)}): one vector at m and m−1 gives the dot product\n"
                 f"{same[0]:.3f} at m = 1 and {same[1]:.3f} at m = {L - 1}: only m − n matters",
                 fontsize=SMALL)  # fmt: skip
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return fig


@diagram
def alibi_grid(num_heads: int = 4, L: int = 5):
    r"""ALiBi adds $-m_h\,(i - j)$ to the scores: a per-head penalty growing with distance.

    Args:
        num_heads: H; the first four heads are drawn. L: sequence length.

    Returns:
        Figure: ``alibi_bias(H, L)`` under a causal mask, one heatmap (with colorbar) per head.
    """
    bias = alibi_bias(num_heads, L)  # (H, L, L)
    slopes = alibi_slopes(num_heads)  # (H,)
    shown = min(num_heads, 4)
    fig, axes = figure(2, 2, height=6.0, squeeze=False)
    allowed = causal_mask(L)  # (L, L)
    for h, ax in enumerate(axes.flat):
        if h >= shown:
            ax.axis("off")
            continue
        heatmap(ax, np.where(allowed, bias[h], -np.inf), f"head {h + 1}: m = {slopes[h]:.3g}",
                annotate=False, vmin=bias[h].min(), vmax=0)  # fmt: skip
        ax.set_xlabel("key j")
        ax.set_ylabel("query i")
    fig.suptitle(f"alibi_bias{(num_heads, L)} → {shape(bias)}: −m·(i − j) added to the scores\n"
                 "grey: blocked by the causal mask",
                 fontsize=SMALL)  # fmt: skip
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig
