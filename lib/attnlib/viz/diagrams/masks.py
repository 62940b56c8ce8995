"""Masks as grids: causal, padding and both, with the weights they leave."""

from __future__ import annotations

import numpy as np

from attnlib.scratch import (
    causal_mask,
    key_padding_to_attn_mask,
    lengths_to_mask,
    scaled_dot_product_attention,
)
from attnlib.viz.diagrams._style import diagram, figure, heatmap, shape


def _bool_grid(ax, mask, title, ylabel):
    from matplotlib.colors import ListedColormap

    two = ListedColormap(["#1d2f4f", "#f5d54a"])  # blocked: dark navy, may attend: yellow
    image = heatmap(ax, mask.astype(float), title, annotate=False, cmap=two, vmin=0, vmax=1)
    bar = image.colorbar
    bar.set_ticks([0.25, 0.75], labels=["blocked", "may\nattend"])
    ax.set_ylabel(ylabel)
    ax.set_xlabel("key j")


@diagram
def mask_grids(causal=None, padding=None, batch_index: int = 1, q=None, k=None):
    """The library's boolean masks (``True`` = may attend) drawn as grids, and their combination.

    Args:
        causal: (L, S) bool from ``causal_mask`` (default ``causal_mask(5)``).
        padding: (B, S) bool from ``lengths_to_mask`` (default lengths [5, 3]).
        batch_index: which sequence of the batch to combine and attend with.
        q, k: (L, D), (S, D) for the weights panel (default zeros: uniform over allowed keys).

    Returns:
        Figure: causal (L, S), padding (B, S), both (L, S) for one sequence, and the weights.
    """
    causal = causal_mask(5) if causal is None else np.asarray(causal)
    padding = lengths_to_mask(np.array([5, 3]), causal.shape[1]) if padding is None else padding
    padding = np.asarray(padding)
    both = causal & key_padding_to_attn_mask(padding)  # (L, S) & (B, 1, 1, S) -> (B, 1, L, S)
    both = both[batch_index, 0]  # (L, S)
    L, S = causal.shape
    q = np.zeros((L, 1)) if q is None else np.asarray(q, dtype=float)
    k = np.zeros((S, q.shape[1])) if k is None else np.asarray(k, dtype=float)
    _, w = scaled_dot_product_attention(q, k, k, attn_mask=both, return_weights=True)  # (L, S)
    fig, axes = figure(2, 2, height=6.2)
    _bool_grid(axes[0, 0], causal, f"causal_mask {shape(causal)}", "query i")
    _bool_grid(axes[0, 1], padding, f"lengths_to_mask {shape(padding)}", "sequence b")
    _bool_grid(axes[1, 0], both, f"both, sequence {batch_index} {shape(both)}", "query i")
    heatmap(axes[1, 1], w, f"weights {shape(w)}", vmin=0, vmax=1)
    axes[1, 1].set_xlabel("key j")
    fig.tight_layout()
    return fig
