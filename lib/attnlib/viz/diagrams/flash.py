"""FlashAttention: the loop over tiles, what lives in fast vs slow memory, and online softmax."""

from __future__ import annotations

import numpy as np

from attnlib.scratch import OnlineSoftmax
from attnlib.scratch.tiled import _tiles
from attnlib.viz.diagrams._style import COLORS, SMALL, box, canvas, diagram, figure

#: Scores and values of one query row whose maximum rises twice: the rescaling shows.
EXAMPLE_SCORES = np.array([0.2, 1.0, 2.6, -0.5, 3.1, 0.7])
EXAMPLE_VALUES = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [0.0, 2.0], [1.0, -1.0]])


def online_softmax_states(scores, values, block: int) -> list[dict]:
    r"""Run :class:`attnlib.scratch.OnlineSoftmax` over one query row, block by block.

    Args:
        scores: (S,) scores of one query. values: (S, Dv). block: keys per block.

    Returns:
        One dict per block: ``keys`` (first, last + 1), ``m_old``, ``m``, ``alpha``
        $= e^{m_\text{old} - m}$, ``l``, ``acc`` (Dv,), ``out`` $=$ acc / l so far.
    """
    s, v = np.asarray(scores, dtype=float), np.asarray(values, dtype=float)
    if s.ndim != 1 or v.ndim != 2 or v.shape[0] != s.shape[0]:
        raise ValueError(f"need scores (S,) and values (S, Dv), got {s.shape} and {v.shape}")
    state = OnlineSoftmax((1,), v.shape[1])
    states = []
    for j0 in range(0, len(s), block):
        keys = (j0, min(j0 + block, len(s)))
        m_old = float(state.max[0])
        state.update(s[None, keys[0] : keys[1]].copy(), v[keys[0] : keys[1]])  # (1, Sb), (Sb, Dv)
        m = float(state.max[0])
        states.append({"keys": keys, "m_old": m_old, "m": m, "alpha": float(np.exp(m_old - m)),
                       "l": float(state.sum[0]), "acc": state.acc[0].copy(),
                       "out": state.result()[0].copy()})  # fmt: skip
    return states


def _vec(a) -> str:
    return "[" + ", ".join(f"{x:.2f}" for x in a) + "]"


@diagram
def online_softmax_trace(scores=None, values=None, block: int = 2):
    r"""Running max $m$, sum $\ell$ and accumulator, block by block; the old state is rescaled by
    $\alpha = e^{m_\text{old} - m}$ whenever the maximum rises.

    Returns:
        Figure: the scores with the running maximum, and one line of state per block.
    """
    s = EXAMPLE_SCORES if scores is None else np.asarray(scores, dtype=float)
    v = EXAMPLE_VALUES if values is None else np.asarray(values, dtype=float)
    states = online_softmax_states(s, v, block)
    fig, (top, table) = figure(2, 1, height=2.9 + 0.36 * len(states),
                               height_ratios=[2.2, 0.8 + 0.36 * len(states)])  # fmt: skip
    for b, st in enumerate(states):
        j = np.arange(*st["keys"])
        top.bar(j, s[j], color=COLORS["score"] if b % 2 == 0 else COLORS["query"])
        top.hlines(st["m"], st["keys"][0] - 0.45, len(s) - 0.55, color=COLORS["weight"], lw=1.2,
                   ls="-" if b == len(states) - 1 else ":")  # fmt: skip
    top.set_title(f"scores {s.shape}, values {v.shape}, {len(states)} blocks of {block}\n"
                  "red: the running max m after each block",
                  fontsize=SMALL)  # fmt: skip
    top.set_xticks(range(len(s)))
    top.set_xlabel("key j")
    top.set_ylabel("score")
    top.axhline(0, color=COLORS["mask"], lw=0.8)
    table.axis("off")
    xs = (0.0, 0.1, 0.24, 0.4, 0.66, 0.8)
    rows = [("block", "keys", "max m", "α = e^(m_old − m)", "sum ℓ", "acc")]
    for b, st in enumerate(states):
        alpha = "—" if b == 0 else f"{st['alpha']:.3f}"
        keys = f"{st['keys'][0]}–{st['keys'][1] - 1}"
        rows.append((str(b + 1), keys, f"{st['m']:.2f}", alpha, f"{st['l']:.3f}", _vec(st["acc"])))
    step = 1.0 / (len(rows) + 1)
    for r, row in enumerate(rows):
        for x, text in zip(xs, row):
            colour = (
                COLORS["weight"] if (r and x == xs[3] and text not in ("—", "1.000")) else "black"
            )
            table.text(x, 1 - r * step, text, fontsize=SMALL, va="top", color=colour,
                       transform=table.transAxes)  # fmt: skip
    table.text(0.0, 1 - len(rows) * step, f"out = acc / ℓ = {_vec(states[-1]['out'])}",
               fontsize=SMALL, va="top", transform=table.transAxes)  # fmt: skip
    fig.tight_layout()
    return fig


@diagram
def flash_tiles(L: int = 8, S: int = 8, block_q: int = 4, block_k: int = 2, is_causal: bool = True,
                head_dim: int = 4):  # fmt: skip
    """The tiles :func:`attnlib.scratch.tiled_attention` visits, in order, and where data lives.

    Returns:
        Figure: left, the (L, S) score matrix cut into (block_q, block_k) tiles numbered in visit
        order (tiles above the diagonal are skipped when causal); right, slow HBM vs fast SRAM.
    """
    tiles = list(_tiles(L, S, block_q, block_k, is_causal))
    fig, ax = canvas(height=4.2)
    cell = min(0.36, 3.2 / max(L, S))
    x0, y0 = 0.45, 3.75 - L * cell + 0.1 * (not is_causal)
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((x0, y0), S * cell, L * cell, facecolor="#e4e4e4", edgecolor="none"))
    for n, (rows, cols, causal) in enumerate(tiles):
        for i in range(rows.start, rows.stop):
            for j in range(cols.start, cols.stop):
                blocked = causal is not None and not causal[i - rows.start, j - cols.start]
                colour = "#e4e4e4" if blocked else ("#d8e6f3" if n % 2 == 0 else "#f8e0cc")
                ax.add_patch(Rectangle((x0 + j * cell, y0 + (L - 1 - i) * cell), cell, cell,
                                       facecolor=colour, edgecolor="white", lw=0.6))  # fmt: skip
        ax.add_patch(Rectangle((x0 + cols.start * cell, y0 + (L - rows.stop) * cell),
                               (cols.stop - cols.start) * cell, (rows.stop - rows.start) * cell,
                               facecolor="none", edgecolor=COLORS["output"], lw=1.4))  # fmt: skip
        ax.text(x0 + (cols.start + cols.stop) / 2 * cell, y0 + (L - (rows.start + rows.stop) / 2) * cell,
                str(n + 1), ha="center", va="center", fontsize=SMALL)  # fmt: skip
    ax.text(x0 + S * cell / 2, 3.9, f"scores (L, S) = {(L, S)}: {len(tiles)} tiles visited",
            ha="center", fontsize=SMALL)  # fmt: skip
    ax.text(x0 + S * cell / 2, y0 - 0.12, f"tile (block_q, block_k) = {(block_q, block_k)}"
            + ("\ngrey: skipped or masked" if is_causal else ""), ha="center", va="top",
            fontsize=SMALL)  # fmt: skip
    D, bq, bk = head_dim, block_q, block_k
    box(ax, 5.45, 3.0, 2.9, 1.25, f"HBM: large, slow\nQ, O {(L, D)}   K, V {(S, D)}\n"
        f"logsumexp {(L,)}", role="memory", size=SMALL)  # fmt: skip
    box(ax, 5.45, 1.0, 2.9, 1.45, f"SRAM: small, fast\nQ tile {(bq, D)}  K, V tile {(bk, D)}\n"
        f"scores tile {(bq, bk)}\nm, ℓ {(bq,)}   acc {(bq, D)}", role="query", size=SMALL)  # fmt: skip
    ax.annotate("", (5.0, 1.75), (5.0, 2.35), arrowprops={"arrowstyle": "-|>", "lw": 1.4})
    ax.annotate("", (5.9, 2.35), (5.9, 1.75), arrowprops={"arrowstyle": "-|>", "lw": 1.4})
    ax.text(4.92, 2.05, "load tiles", ha="right", va="center", fontsize=SMALL)
    ax.text(5.98, 2.05, "write O\nrows once", ha="left", va="center", fontsize=SMALL)
    return fig
