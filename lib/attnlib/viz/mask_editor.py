"""A mask editor: choose full, causal or sliding-window attention and how many keys are padding,
and see the mask and the weights ``scaled_dot_product_attention`` gives with it.

Every combination is drawn ahead, so the editor works in the static book (see
:mod:`attnlib.viz.steppers`).
"""

from __future__ import annotations

import numpy as np

from attnlib.scratch import causal_mask, lengths_to_mask, scaled_dot_product_attention
from attnlib.viz.diagrams._style import diagram, figure, heatmap, shape

KINDS = ("full", "causal", "window")


def editor_mask(kind: str, padded: int, L: int, S: int, window: int = 2) -> np.ndarray:
    """The boolean mask (L, S), ``True`` = may attend, for one setting of the editor.

    ``kind``: ``"full"``, ``"causal"`` or ``"window"`` (causal, and only the last ``window``
    keys); ``padded``: the last ``padded`` keys are padding (``lengths_to_mask``).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    mask = np.ones((L, S), dtype=bool)
    if kind in ("causal", "window"):
        mask &= causal_mask(L, S)
    if kind == "window":
        mask &= np.arange(S)[None, :] > np.arange(L)[:, None] - window  # (1, S) > (L, 1)
    return mask & lengths_to_mask(np.array([S - padded]), S)  # (L, S) & (1, S)


def editor_weights(q, k, mask) -> np.ndarray:
    """Attention weights (L, S) of ``scaled_dot_product_attention`` under ``mask``."""
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    return scaled_dot_product_attention(q, k, k, attn_mask=mask, return_weights=True)[1]


@diagram
def mask_and_weights(q, k, mask, labels=None, title: str = ""):
    """Two heatmaps (each with a colorbar): the mask and the weights it leaves."""
    from matplotlib.colors import ListedColormap

    w = editor_weights(q, k, mask)
    fig, (left, right) = figure(1, 2, height=3.4)
    image = heatmap(left, mask.astype(float), f"mask {shape(mask)} {title}", labels, labels,
                    annotate=False, cmap=ListedColormap(["#1d2f4f", "#f5d54a"]), vmin=0, vmax=1)  # fmt: skip
    image.colorbar.set_ticks([0.25, 0.75], labels=["blocked", "attend"])
    heatmap(right, w, f"weights {shape(w)}", labels, labels, vmin=0, vmax=1, fmt="{:.1f}")
    for ax in (left, right):
        ax.tick_params(axis="x", rotation=90)
    fig.tight_layout()
    return fig


def mask_editor(q=None, k=None, labels=None, window: int = 2):
    """Toggle buttons (full / causal / window) and a padding slider over precomputed views.

    Args:
        q: (L, D), k: (S, D); default the worked example's queries and keys.
        labels: token names. window: keys a query sees in "window" mode.

    Returns:
        An ``ipywidgets.VBox``; ``views`` maps (kind, padded) to (mask, weights), in the order
        of the stacked pictures; ``links`` holds the jslinks.
    """
    import ipywidgets as widgets

    from attnlib import worked_example as we
    from attnlib.viz.steppers import figure_stack

    if q is None:
        s = we.steps()
        q, k, labels = s.q, s.k, list(we.TOKENS)
    L, S = np.shape(q)[0], np.shape(k)[0]
    views, stacks = {}, []
    for kind in KINDS:
        figs = []
        for padded in range(S):
            mask = editor_mask(kind, padded, L, S, window)
            views[kind, padded] = (mask, editor_weights(q, k, mask))
            figs.append(mask_and_weights(q, k, mask, labels, f"{kind}, {padded} padded"))
        stacks.append(figure_stack(figs))
    kinds = widgets.ToggleButtons(options=list(KINDS), index=0)
    padded = widgets.IntSlider(value=0, min=0, max=S - 1, description="padded keys")
    outer = widgets.Stack(stacks, selected_index=0)
    links = [widgets.jslink((kinds, "index"), (outer, "selected_index"))]  # "index" is synced
    links += [widgets.jslink((padded, "value"), (inner, "selected_index")) for inner in stacks]
    box = widgets.VBox([kinds, padded, outer])
    box.views, box.links = views, links
    return box
