"""Widgets that work in the static book: every view is drawn ahead and switched in the browser.

The book shows saved widget state with no kernel behind it, so a widget that redraws in Python
would freeze on its first picture. Here each view is rendered to a PNG once, the views sit in an
``ipywidgets.Stack``, and the controls are tied to the stack's ``selected_index`` with
``jslink`` (a link the browser keeps, kernel or not).
"""

from __future__ import annotations

import io

import numpy as np

from attnlib.viz.diagrams._style import COLORS, SMALL, diagram, figure
from attnlib.viz.diagrams.flash import EXAMPLE_SCORES, EXAMPLE_VALUES, online_softmax_states


def figure_stack(figures, dpi: int = 110):
    """An ``ipywidgets.Stack`` of one PNG ``Image`` per figure (figures are closed)."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    views = []
    for fig in figures:
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=dpi, facecolor=fig.get_facecolor(),
                    edgecolor=fig.get_edgecolor())  # fmt: skip
        plt.close(fig)
        views.append(widgets.Image(value=png.getvalue(), format="png",
                                   layout=widgets.Layout(width="100%", max_width="720px")))  # fmt: skip
    return widgets.Stack(views, selected_index=0)


def _vec(a) -> str:
    return "[" + ", ".join(f"{x:.3f}" for x in a) + "]"


@diagram
def online_softmax_step(scores=None, values=None, block: int = 2, step: int = 0):
    r"""One frame of the stepper: blocks 1..``step`` folded in, the running $m$, $\ell$, acc.

    Step 0 is the empty state ($m = -\infty$, $\ell = 0$); the last step ends with
    acc / ℓ next to the exact ``softmax(scores) @ values``.

    Returns:
        Figure.
    """
    from attnlib.scratch import softmax

    s = EXAMPLE_SCORES if scores is None else np.asarray(scores, dtype=float)
    v = EXAMPLE_VALUES if values is None else np.asarray(values, dtype=float)
    states = online_softmax_states(s, v, block)
    if not 0 <= step <= len(states):
        raise ValueError(f"step must be in [0, {len(states)}] for {len(states)} blocks, got {step}")
    done = states[:step]
    fig, (top, text) = figure(2, 1, height=5.0, height_ratios=[1.3, 1.1])
    seen = done[-1]["keys"][1] if done else 0
    colours = [COLORS["score"] if j < seen else "#d0d0d0" for j in range(len(s))]
    if done:
        for j in range(*done[-1]["keys"]):
            colours[j] = COLORS["weight"]
    top.bar(range(len(s)), s, color=colours)
    if done:
        top.axhline(done[-1]["m"], color=COLORS["weight"], ls="--", lw=1.2)
    top.set_xticks(range(len(s)))
    top.set_xlabel("key j")
    top.set_title(f"step {step} of {len(states)}: scores {s.shape}, values {v.shape}, block {block}",
                  fontsize=SMALL)  # fmt: skip
    text.axis("off")
    if not done:
        lines = ["m = −∞,  ℓ = 0,  acc = 0: nothing seen yet"]
    else:
        st = done[-1]
        keys = f"keys {st['keys'][0]}–{st['keys'][1] - 1}"
        old = "−∞" if step == 1 else f"{st['m_old']:.2f}"
        acc_old = done[-2]["acc"] if step > 1 else np.zeros_like(st["acc"])
        lines = [f"block {step} ({keys}):  m = max({old}, block max) = {st['m']:.2f}",
                 f"rescale the old state by α = e^(m_old − m) = {st['alpha']:.3f}",
                 f"ℓ = α·ℓ_old + Σ e^(s − m) = {st['l']:.3f}",
                 f"acc = α·{_vec(acc_old)} + Σ e^(s − m)·v = {_vec(st['acc'])}"]  # fmt: skip
        if step == len(states):
            exact = softmax(s) @ v  # (S,) @ (S, Dv) -> (Dv,)
            lines.append(f"acc / ℓ = {_vec(st['out'])} = softmax(s)·V = {_vec(exact)}")
    for i, line in enumerate(lines):
        text.text(0.0, 1.0 - 0.2 * i, line, fontsize=SMALL, va="top", transform=text.transAxes)
    fig.tight_layout()
    return fig


def online_softmax_stepper(scores=None, values=None, block: int = 2):
    """A slider stepping :class:`attnlib.scratch.OnlineSoftmax` block by block.

    Works in the static book: the frames are drawn ahead (:func:`online_softmax_step`) and the
    slider is ``jslink``-ed to the frame shown.

    Returns:
        An ``ipywidgets.VBox``; ``states`` holds the per-block states, ``links`` the jslinks.
    """
    import ipywidgets as widgets

    s = EXAMPLE_SCORES if scores is None else np.asarray(scores, dtype=float)
    v = EXAMPLE_VALUES if values is None else np.asarray(values, dtype=float)
    states = online_softmax_states(s, v, block)
    stack = figure_stack(online_softmax_step(s, v, block, t) for t in range(len(states) + 1))
    slider = widgets.IntSlider(value=0, min=0, max=len(states), description="blocks seen")
    # A slider only: ipywidgets' Play button draws its icons from a font the static book's widget
    # manager cannot load.
    links = [widgets.jslink((slider, "value"), (stack, "selected_index"))]
    box = widgets.VBox([slider, stack])
    box.states, box.links = states, links
    return box
