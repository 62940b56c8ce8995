"""Heads: the split and merge of multi-head attention, the KV cache, and MQA/GQA sharing."""

from __future__ import annotations

import numpy as np

from attnlib import worked_example as we
from attnlib.scratch import merge_heads, scaled_dot_product_attention, split_heads
from attnlib.viz.diagrams._style import (
    COLORS,
    HEAD_COLORS,
    SMALL,
    arrow,
    box,
    canvas,
    diagram,
    grid,
    shape,
)


@diagram
def multihead_split_merge(x=None, num_heads: int = we.NUM_HEADS, cap: int = 8):
    """(B, L, E) → split into H heads of D = E / H → attention per head → merge back to (B, L, E).

    Args:
        x: (B, L, E) inputs (default the worked example's X with B = 1).
        num_heads: H, dividing E.
        cap: at most this many cells drawn per side (labels keep the true shape).

    Returns:
        Figure, the columns of each head in that head's colour.
    """
    x = we.X[None] if x is None else np.asarray(x, dtype=float)
    heads = split_heads(x, num_heads)  # (B, L, E) -> (B, H, L, D)
    out = scaled_dot_product_attention(heads, heads, heads)  # (B, H, L, D)
    merged = merge_heads(out)  # (B, H, L, D) -> (B, L, E)
    B, H, L, D = heads.shape
    cell = min(0.17, 2.2 / min(H * D, 4 * cap))
    rows = min(L, cap)
    fig, ax = canvas(height=5.0)
    shown = min(H, 4)
    width = shown * min(D, cap) * cell + (shown - 1) * 0.35
    tall = rows * cell

    def row(y, label, gap):
        x0 = 3.5 - width / 2 if gap else 3.5 - min(H * D, 4 * cap) * cell / 2
        for h in range(shown):
            colour = HEAD_COLORS[h % len(HEAD_COLORS)]
            grid(ax, x0, y, rows, min(D, cap), cell, colour, f"head {h + 1}" if gap else "")
            x0 += min(D, cap) * cell + (0.35 if gap else 0)
        ax.text(6.9, y + tall / 2, label, ha="right", va="center", fontsize=SMALL)

    y_in, y_split, y_merge = 4.5 - tall, 2.55 - tall / 2, 0.15
    ax.text(0.15, 4.7, f"E = {H * D} features = H · D = {H} · {D}", fontsize=SMALL)
    row(y_in, f"x {shape(x)}", gap=False)
    row(y_split, f"split_heads\n{shape(heads)}", gap=True)
    row(y_merge, f"merge_heads\n{shape(merged)}", gap=False)
    for top, bottom, text in ((y_in, y_split + tall + 0.3, "reshape (B, L, H, D)\n→ (B, H, L, D)"),
                              (y_split, y_merge + tall, f"attention per head\n{shape(out)}")):  # fmt: skip
        arrow(ax, (3.5, top - 0.05), (3.5, bottom + 0.05))
        ax.text(0.15, (top + bottom) / 2, text, fontsize=SMALL, va="center")
    if H > shown:
        ax.text(
            6.9, y_split - 0.25, f"(first {shown} of {H} heads drawn)", ha="right", fontsize=SMALL
        )
    return fig


@diagram
def kv_cache_growth(num_heads: int = 2, head_dim: int = 4, steps: int = 5, batch: int = 1):
    """Decoding with :class:`attnlib.nn.kv_cache.KVCache`: one new key and value per step.

    Returns:
        Figure: one row per step; the cached keys (old) and the new one (dark), with shapes.
    """
    import torch

    from attnlib.nn.kv_cache import KVCache

    cache = KVCache()
    shapes = []
    for _ in range(steps):
        new = torch.zeros(batch, num_heads, 1, head_dim)  # (B, H, 1, D)
        k, _ = cache.update(new, new)
        shapes.append(tuple(k.shape))
    cell = min(0.3, 3.2 / steps)
    fig, ax = canvas(height=0.9 + 0.5 * steps)
    ax.text(0.15, 0.55 + 0.5 * steps, f"step t: new q {(batch, num_heads, 1, head_dim)} attends "
            "to all t cached keys", fontsize=SMALL)  # fmt: skip
    for t, s in enumerate(shapes):
        y = 0.3 + 0.5 * (steps - 1 - t)
        ax.text(0.15, y + cell / 2, f"t={t + 1}", va="center")
        box(ax, 1.0, y + cell / 2, 0.35, cell, "q", role="query", size=SMALL)
        new = np.zeros((1, s[2]), dtype=bool)
        new[0, -1] = True
        grid(ax, 1.5, y, 1, s[2], cell, "key", highlight=new)
        ax.text(1.6 + steps * cell, y + cell / 2, f"K, V {s}", va="center", fontsize=SMALL)
    ax.text(6.9, 0.3, "bytes grow as 2·B·H·t·D per layer", ha="right", fontsize=SMALL,
            color=COLORS["memory"])  # fmt: skip
    return fig


@diagram
def mqa_gqa_sharing(embed_dim: int = 16, num_heads: int = 4, kv_heads=(4, 2, 1)):
    """MHA, GQA and MQA: which query heads share which key/value head (``num_kv_heads``).

    Built from :class:`attnlib.nn.MultiHeadAttention`: the key projection's weight has shape
    (num_kv_heads · D, E), so the cache per token shrinks with num_kv_heads.

    Returns:
        Figure with one panel per num_kv_heads value.
    """
    from attnlib.nn import MultiHeadAttention

    fig, ax = canvas(height=3.3)
    width = 7.0 / len(kv_heads)
    for p, g in enumerate(kv_heads):
        mha = MultiHeadAttention(embed_dim, num_heads, num_kv_heads=g, batch_first=True)
        w_k = tuple(mha.k_proj.weight.shape)  # (g * D, E)
        D, x0 = mha.head_dim, p * width
        name = "MHA" if g == num_heads else ("MQA" if g == 1 else "GQA")
        ax.text(x0 + width / 2, 3.05, f"{name}: num_kv_heads={g}", ha="center", fontsize=SMALL)
        if p:
            ax.axvline(x0, 0.05, 0.95, color=COLORS["mask"], lw=0.8, ls=":")
        qx = x0 + width * (np.arange(num_heads) + 0.5) / num_heads
        kx = x0 + width * (np.arange(g) + 0.5) / g
        for h in range(num_heads):
            box(ax, qx[h], 2.45, 0.34, 0.34, f"q{h + 1}", role="query", size=SMALL)
            arrow(ax, (qx[h], 2.25), (kx[h // (num_heads // g)], 1.35), role="mask", lw=1)
        for j in range(g):
            box(ax, kx[j], 1.15, 0.42, 0.36, f"kv{j + 1}", role="key", size=SMALL)
        ax.text(x0 + width / 2, 0.62, f"W_k {w_k}", ha="center", fontsize=SMALL)
        ax.text(x0 + width / 2, 0.25, f"K+V/token: 2·{g}·{D} = {2 * g * D}", ha="center",
                fontsize=SMALL, color=COLORS["memory"])  # fmt: skip
    return fig
