"""Heatmaps of attention weights: rows are queries, columns are keys."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def to_numpy(x) -> np.ndarray:
    """A NumPy copy of an array or a (possibly CUDA, possibly requires-grad) torch tensor."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def attention_heatmap(
    weights,
    query_labels: Sequence[str] | None = None,
    key_labels: Sequence[str] | None = None,
    ax=None,
    annotate: bool = True,
    decimals: int = 2,
    cmap: str = "viridis",
    title: str | None = None,
    colorbar: bool = True,
    vmin: float | None = 0.0,
    vmax: float | None = None,
):
    r"""Draw an attention weight matrix $A \in \mathbb{R}^{L \times S}$, $A_{ij}$ = weight of key j for query i.

    Args:
        weights: (L, S) array or tensor. Extra leading axes of size 1 (batch, head) are squeezed.
        query_labels: L labels for the rows; key_labels: S labels for the columns
            (defaults to the query labels when L == S).
        ax: a Matplotlib Axes to draw on; a new figure is made when None.
        annotate: write each weight in its cell, with ``decimals`` digits.
        vmin, vmax: colour range (default 0 to the largest weight).

    Returns:
        The Matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    w = to_numpy(weights)
    while w.ndim > 2 and w.shape[0] == 1:
        w = w[0]
    if w.ndim != 2:
        raise ValueError(f"attention_heatmap expects (L, S) weights, got shape {w.shape}")
    L, S = w.shape
    if key_labels is None and query_labels is not None and L == S:
        key_labels = query_labels
    for name, labels, n in (("query_labels", query_labels, L), ("key_labels", key_labels, S)):
        if labels is not None and len(labels) != n:
            raise ValueError(f"{name} has {len(labels)} entries but weights have shape {w.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.6 * S + 2.0, 0.5 * L + 1.2))
    image = ax.imshow(w, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    ax.set_xticks(range(S), labels=key_labels if key_labels is not None else range(S))
    ax.set_yticks(range(L), labels=query_labels if query_labels is not None else range(L))
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query")
    if key_labels is not None:
        plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
    if annotate:
        top = np.nanmax(w) if vmax is None else vmax
        for i in range(L):
            for j in range(S):
                colour = "black" if w[i, j] > 0.6 * top else "white"
                ax.text(
                    j,
                    i,
                    f"{w[i, j]:.{decimals}f}",
                    ha="center",
                    va="center",
                    color=colour,
                    fontsize=8,
                )
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    return ax


def row_entropy(weights) -> np.ndarray:
    r"""Entropy of each row of attention weights in nats, $H_i = -\sum_j A_{ij} \log A_{ij}$.

    Zero weights contribute 0 (the limit of $p \log p$). Uniform attention over n keys gives $\log n$.

    Args:
        weights: (..., L, S).

    Returns:
        (..., L) array.
    """
    w = to_numpy(weights)
    safe = np.where(w > 0, w, 1.0)
    return -(w * np.log(safe)).sum(axis=-1)
