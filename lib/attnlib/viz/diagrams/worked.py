"""The worked example's five tokens flowing through the whole computation, every number printed."""

from __future__ import annotations

import numpy as np

from attnlib import worked_example as we
from attnlib.viz.diagrams._style import COLORS, SMALL, arrow, canvas, diagram, grid, shape


def _fmt(decimals: int):
    class Cell(str):
        def format(self, v):  # "−∞" for masked entries, no "-0.00"
            return "−∞" if v == -np.inf else f"{0.0 if v == 0 else v:.{decimals}f}"

    return Cell()


@diagram
def worked_example_flow(x=None, is_causal: bool = False, row: int = we.HAND_ROW):
    r"""X → Q, K, V → $QK^\top/\sqrt{d_k}$ → softmax → $AV$ for "the cat chased the mouse".

    Every number comes from :func:`attnlib.worked_example.steps`; the row worked by hand in the
    chapter (``row``, "chased") is shaded in every matrix.

    Args:
        x: (5, E) embeddings (default :data:`~attnlib.worked_example.X`; try ``embeddings(True)``).
        is_causal: apply the causal mask (blocked scores print as −∞).

    Returns:
        Figure.
    """
    s = we.steps(x, is_causal=is_causal)
    x = we.X if x is None else np.asarray(x, dtype=float)
    L = len(we.TOKENS)
    fig, ax = canvas(height=6.3)

    def matrix(x0, y0, a, role, label, cell_w, cell_h, decimals, names=False):
        mark = np.zeros(a.shape, dtype=bool)
        mark[row] = True
        grid(ax, x0, y0, a.shape[0], a.shape[1], cell_w, role, label, a, _fmt(decimals), mark,
             cell_h=cell_h)  # fmt: skip
        if names:
            for i, tok in enumerate(we.TOKENS):
                ax.text(x0 - 0.06, y0 + (L - 0.5 - i) * cell_h, tok, ha="right", va="center",
                        fontsize=SMALL)  # fmt: skip
        return x0 + a.shape[1] * cell_w

    top = 6.3 - 0.45 - L * 0.27
    end = matrix(0.85, top, x, "output", f"X {shape(x)}", 0.3, 0.27, 0, names=True)
    for i, (name, a, role) in enumerate(
        (("Q", s.q, "query"), ("K", s.k, "key"), ("V", s.v, "value"))
    ):
        x0 = 2.5 + 1.5 * i
        matrix(x0, top, a, role, f"{name} = XW_{name} {shape(a)}", 0.3, 0.27, 0)
    arrow(ax, (end + 0.05, top + L * 0.27 / 2), (2.45, top + L * 0.27 / 2))
    mid = top - 0.65 - L * 0.3
    end = matrix(0.85, mid, s.scaled, "score", f"QKᵀ/√{s.q.shape[1]} {shape(s.scaled)}", 0.45, 0.3, 1,
                 names=True)  # fmt: skip
    arrow(ax, (end + 0.05, mid + L * 0.15), (3.95, mid + L * 0.15), "softmax", offset=(0, 0.2))
    end = matrix(4.0, mid, s.weights, "weight", f"A {shape(s.weights)}, rows sum to 1", 0.5, 0.3, 2)
    low = mid - 0.65 - L * 0.3
    end = matrix(0.85, low, s.out, "output", f"O = AV {shape(s.out)}", 0.5, 0.3, 2, names=True)
    ax.text(end + 0.25, low + L * 0.15, f"o_{we.TOKENS[row]} = Σⱼ a_{row}ⱼ vⱼ\n"
            f"= [{', '.join(f'{v:.4f}' for v in s.out[row])}]\n(the row worked by hand)",
            va="center", fontsize=SMALL, color=COLORS["output"])  # fmt: skip
    return fig
