"""Diagrams of the part on modern attention, drawn from the library's own objects and shapes.

Same look as :mod:`attnlib.viz.diagrams` (its ``_style``); show one with
``attnlib.viz.diagrams.show(fig)``.
"""

from __future__ import annotations

from attnlib.modern.paged_kv_cache import PagedKVCache
from attnlib.viz.diagrams._style import (
    COLORS,
    HEAD_COLORS,
    SMALL,
    arrow,
    box,
    canvas,
    diagram,
)


@diagram
def paged_cache(cache: PagedKVCache):
    """Block tables (left) pointing into the pool of blocks (right), one colour per sequence.

    Each block shows its ``block_size`` slots, dark where a token is stored; a block shared by
    several sequences (prefix sharing) is drawn in the first one's colour with a thick edge.
    """
    from matplotlib.patches import Rectangle

    seqs = sorted(cache.tables)
    n_blocks, H, bs, D = cache.k_pool.shape
    owner: dict[int, int] = {}
    filled: dict[int, int] = {}
    for s in seqs:
        for i, b in enumerate(cache.tables[s]):
            owner.setdefault(b, s)
            filled[b] = max(filled.get(b, 0), min(bs, cache.lengths[s] - i * bs))
    row_h, pool_h = 0.5, 0.34
    height = max(len(seqs) * row_h, n_blocks * pool_h) + 1.0
    fig, ax = canvas(height=height)
    colour = {s: HEAD_COLORS[i % len(HEAD_COLORS)] for i, s in enumerate(seqs)}
    top = height - 0.75
    ax.text(0.2, height - 0.3, "block tables", fontsize=SMALL, fontweight="bold")
    ax.text(4.2, height - 0.3, f"pool: {n_blocks} blocks of {bs} slots",
            fontsize=SMALL, fontweight="bold")  # fmt: skip
    ax.text(4.2, height - 0.52, f"slot: k and v, (H, D) = ({H}, {D})",
            fontsize=SMALL)  # fmt: skip
    cell = min(0.3, 2.2 / bs)
    left = {}
    for b in range(n_blocks):  # the pool, one block per row
        x0, y0 = 4.6, top - 0.15 - b * pool_h
        c = colour.get(owner.get(b), COLORS["mask"])
        for j in range(bs):
            dark = j < filled.get(b, 0)
            ax.add_patch(Rectangle((x0 + j * cell, y0 - 0.12), cell, 0.24,
                                   facecolor=c if dark else "white", edgecolor=c,
                                   linewidth=2.4 if _shared(cache, b) else 0.8))  # fmt: skip
        ax.text(x0 - 0.08, y0, str(b), ha="right", va="center", fontsize=SMALL)
        left[b] = (x0 - 0.3, y0)
    for r, s in enumerate(seqs):  # the tables, with an arrow to each block
        y = top - r * row_h
        box(ax, 0.8, y, 1.2, 0.32, f"seq {s}: {cache.lengths[s]} tok", role=colour[s], size=SMALL)
        ax.text(1.5, y, str(cache.tables[s]), va="center", fontsize=SMALL, color=colour[s])
        for b in cache.tables[s]:
            arrow(ax, (2.7, y), left[b], role=colour[s], lw=0.8)
    ax.text(0.2, 0.5, "thick edge: block shared by", fontsize=SMALL)
    ax.text(0.2, 0.25, "several sequences (prefix)", fontsize=SMALL)
    ax.text(0.2, 0.8, f"free blocks: {cache.allocator.num_free}", fontsize=SMALL)
    return fig


def _shared(cache: PagedKVCache, block: int) -> bool:
    return cache.allocator.refcount[block] > 1


@diagram
def split_k(num_keys: int, num_splits: int):
    """One query's keys cut into ``num_splits`` chunks; each chunk gives (o_c, ℓ_c); the
    chunks are combined with weights softmax(ℓ)."""
    import torch

    sizes = [len(t) for t in torch.arange(num_keys).tensor_split(num_splits)]
    fig, ax = canvas(height=2.9)
    width = 6.2 / num_keys
    x = 0.4
    ax.text(0.4, 2.6, f"keys and values of one query: S = {num_keys}, "
            f"{num_splits} chunks (parallel)", fontsize=SMALL)  # fmt: skip
    centres = []
    for c, n in enumerate(sizes):
        colour = HEAD_COLORS[c % len(HEAD_COLORS)]
        box(ax, x + n * width / 2, 2.15, n * width - 0.06, 0.35, f"{n} keys", role=colour,
            size=SMALL)  # fmt: skip
        box(ax, x + n * width / 2, 1.25, min(n * width - 0.06, 1.4), 0.42,
            rf"$o_{c}, \ell_{c}$", role=colour, size=SMALL)  # fmt: skip
        arrow(ax, (x + n * width / 2, 1.95), (x + n * width / 2, 1.48), role=colour)
        centres.append(x + n * width / 2)
        x += n * width
    box(
        ax,
        3.5,
        0.35,
        4.2,
        0.45,
        r"$o = \sum_c \mathrm{softmax}(\ell)_c\, o_c$",
        role="output",
        size=SMALL,
    )
    for cx in centres:
        arrow(ax, (cx, 1.02), (3.5 + (cx - 3.5) * 0.4, 0.6))
    return fig


@diagram
def cache_per_token(num_heads: int, head_dim: int, num_kv_heads: int, latent_dim: int,
                    rope_dim: int = 0):  # fmt: skip
    """The numbers one token leaves in one layer's cache, one cell per number, per method.

    MHA: K and V for H heads (2 H D cells); GQA: H_kv heads; MQA: one; MLA: the latent C
    (plus D_rope for the decoupled RoPE key).
    """
    from matplotlib.patches import Rectangle

    H, D = num_heads, head_dim
    rows = [
        ("MHA", [("k", H * D), ("v", H * D)], f"2·H·D = 2·{H}·{D}"),
        ("GQA", [("k", num_kv_heads * D), ("v", num_kv_heads * D)],
         f"2·H_kv·D = 2·{num_kv_heads}·{D}"),
        ("MQA", [("k", D), ("v", D)], f"2·D = 2·{D}"),
        ("MLA", [("c", latent_dim)] + ([("r", rope_dim)] if rope_dim else []),
         f"C + D_rope = {latent_dim} + {rope_dim}" if rope_dim else f"C = {latent_dim}"),
    ]  # fmt: skip
    cell = min(0.12, 5.0 / (2 * H * D))
    fig, ax = canvas(height=0.62 * len(rows) + 0.7)
    role = {"k": COLORS["key"], "v": COLORS["value"], "c": COLORS["memory"], "r": COLORS["query"]}
    for i, (name, parts, formula) in enumerate(rows):
        y = 0.62 * (len(rows) - i) - 0.05
        ax.text(0.15, y + 0.1, name, fontsize=SMALL, fontweight="bold", va="center")
        x, total = 0.75, 0
        for kind, n in parts:
            for j in range(n):
                ax.add_patch(Rectangle((x + j * cell, y), cell, 0.2, facecolor=role[kind],
                                       edgecolor="white", linewidth=0.3))  # fmt: skip
            x += n * cell + 0.04
            total += n
        ax.text(0.75, y - 0.15, f"{formula} = {total} numbers", fontsize=SMALL, va="center")
    ax.text(0.15, 0.62 * len(rows) + 0.45, "one token, one layer: orange k, green v, "
            "brown latent c" + (", blue RoPE key" if rope_dim else ""), fontsize=SMALL)  # fmt: skip
    return fig


@diagram
def sparse_tiles(masks: dict, block: int):
    """Each mask (L, S) with its tile grid: white tiles are skipped, tinted tiles visited
    (dark cells: allowed entries); the title counts the tiles visited."""
    import numpy as np
    from matplotlib.patches import Rectangle

    from attnlib.modern.sparse import SKIP, tile_layout
    from attnlib.viz.diagrams._style import figure

    fig, axes = figure(1, len(masks), height=3.4)
    axes = np.atleast_1d(axes)
    for ax, (title, mask) in zip(axes, masks.items()):
        mask = np.asarray(mask)
        L, S = mask.shape
        kinds = tile_layout(mask, block, block)
        # two-valued cells (allowed / masked), drawn as a mesh: a picture, not a heatmap
        ax.pcolormesh(np.arange(S + 1), np.arange(L + 1), np.where(mask, 1.0, 0.3),
                      cmap="Blues", vmin=0, vmax=1.6, rasterized=True)  # fmt: skip
        ax.set_xlim(0, S)
        ax.set_ylim(L, 0)
        ax.set_aspect("equal")
        for a in range(kinds.shape[0]):
            for b in range(kinds.shape[1]):
                skip = kinds[a, b] == SKIP
                ax.add_patch(Rectangle((b * block, a * block), block, block, fill=skip,
                                       facecolor="white", edgecolor=COLORS["mask"],
                                       linewidth=0.8, alpha=1.0))  # fmt: skip
        visited = int((kinds != SKIP).sum())
        ax.set_title(f"{title}\n{visited} of {kinds.size} tiles visited", fontsize=SMALL)
        ax.set_xlabel(f"key j (S = {S})", fontsize=SMALL)
        ax.set_xticks(range(0, S + 1, block))
        ax.set_yticks(range(0, L + 1, block))
    axes[0].set_ylabel(f"query i (L = {L})", fontsize=SMALL)
    fig.tight_layout()
    return fig


@diagram
def linear_recurrence(length: int, head_dim: int, value_dim: int):
    """Causal linear attention two ways: the (L, L) masked product (left) and the recurrence
    that carries one (D, Dv) state from token to token (right)."""
    import numpy as np

    from attnlib.viz.diagrams._style import grid

    L = min(length, 6)
    fig, ax = canvas(height=3.2)
    cell = 0.3
    tri = np.tril(np.ones((L, L), dtype=bool))
    grid(ax, 0.4, 0.5, L, L, cell, "weight", f"parallel: φ(Q)φ(K)ᵀ ⊙ causal\n({length}, {length}), "
         f"first {L} drawn", highlight=tri)  # fmt: skip
    ax.text(0.4 + L * cell / 2, 0.2, "O(L²·D) work", ha="center", fontsize=SMALL)
    x0 = 3.0
    ax.text(x0, 2.85, f"recurrent: one state S ({head_dim}, {value_dim}) and z ({head_dim},)",
            fontsize=SMALL)  # fmt: skip
    for t in range(4):
        x = x0 + 0.2 + t * 0.95
        box(ax, x, 1.7, 0.7, 0.5, f"S_{t + 1}", role="memory", size=SMALL)
        box(ax, x, 0.75, 0.7, 0.38, f"k,v {t + 1}", role="key", size=SMALL)
        arrow(ax, (x, 0.95), (x, 1.44), role="key")
        if t:
            arrow(ax, (x - 0.6, 1.7), (x - 0.36, 1.7), role="memory")
        arrow(ax, (x, 1.96), (x, 2.4), role="output")
        ax.text(x, 2.52, f"o_{t + 1}", ha="center", fontsize=SMALL)
    ax.text(x0 + 3.72, 1.7, "…", fontsize=FONT_BIG, va="center")
    ax.text(x0, 0.2, "S_t = S_(t-1) + φ(k_t) v_tᵀ: O(L·D·Dv) work", fontsize=SMALL)
    return fig


FONT_BIG = 14


@diagram
def speculative_step(draft_tokens: list[str], accepted: int, replacement: str):
    """One speculative step: k drafted tokens, the first ``accepted`` kept (green), the next
    rejected and replaced by a token from the residual (or a bonus token if all pass)."""
    k = len(draft_tokens)
    fig, ax = canvas(height=2.6)
    ax.text(0.2, 2.3, f"draft proposes k = {k} tokens; the target scores all of them in "
            "one pass", fontsize=SMALL)  # fmt: skip
    for i, tok in enumerate(draft_tokens):
        x = 0.9 + i * 1.15
        box(ax, x, 1.65, 0.9, 0.4, repr(tok), role="query", size=SMALL)
        if i < accepted:
            verdict, role = "accept", "value"
        elif i == accepted:
            verdict, role = "reject", "weight"
        else:
            verdict, role = "dropped", "mask"
        box(ax, x, 0.95, 0.9, 0.36, verdict, role=role, size=SMALL)
        arrow(ax, (x, 1.43), (x, 1.15), role=role)
    x = 0.9 + min(accepted, k) * 1.15 + (1.15 if accepted == k else 0)
    label = f"{'bonus' if accepted == k else 'resample'}: {replacement!r}"
    box(ax, x, 0.3, 1.5, 0.36, label, role="output", size=SMALL)
    ax.text(6.8, 0.3, f"{accepted + 1} tokens for one target pass", ha="right",
            fontsize=SMALL)  # fmt: skip
    return fig
