"""Blocks and graphs: the Transformer block (post-LN vs pre-LN), encoder–decoder, backward pass."""

from __future__ import annotations

import numpy as np

from attnlib.scratch import DecoderBlock, EncoderBlock, sdpa_backward
from attnlib.viz.diagrams._style import COLORS, SMALL, arrow, box, canvas, diagram, shape


def _column(ax, x, steps, y_top=4.55, gap=0.62):
    """Boxes bottom-to-top at ``x``: steps = [(text, role), ...] from input to output."""
    ys = [y_top - gap * (len(steps) - 1 - i) for i in range(len(steps))]
    for i, ((text, role), y) in enumerate(zip(steps, ys)):
        box(ax, x, y, 2.3, 0.4, text, role=role, size=SMALL)
        if i:
            arrow(ax, (x, ys[i - 1] + 0.21), (x, y - 0.21))
    return ys


def _residual(ax, x, y_from, y_to):
    """A skip connection drawn at the right of a column, from y_from into the ⊕ at y_to."""
    side = x + 1.4
    ax.plot([x, side, side], [y_from + 0.29, y_from + 0.29, y_to], color=COLORS["norm"], lw=1.3)
    arrow(ax, (side, y_to), (x + 1.17, y_to), role="norm")


@diagram
def transformer_block(
    embed_dim: int = 8, num_heads: int = 2, ff_dim: int | None = None, batch=1, L=5
):
    """Post-LN (the 2017 paper) next to pre-LN (GPT-2 and most code since), from real blocks.

    Both columns are :class:`attnlib.scratch.EncoderBlock` objects (``norm_first`` False / True):
    the FFN shapes are read from their weights and the output shape from running them.

    Returns:
        Figure: two columns of boxes from x (bottom) to y (top), skip connections at the right.
    """
    x = np.zeros((batch, L, embed_dim))  # (B, L, E)
    ff_dim = 4 * embed_dim if ff_dim is None else ff_dim
    fig, ax = canvas(height=5.0)
    for col, norm_first in ((1.6, False), (5.2, True)):
        block = EncoderBlock(embed_dim, num_heads, ff_dim, norm_first=norm_first)
        y = block(x)  # (B, L, E)
        heads = f"MHA, H = {block.self_attn.num_heads}"
        ffn = f"FFN {shape(block.W1)}·{shape(block.W2)}"
        if norm_first:
            steps = [(f"x {shape(x)}", "output"), ("LayerNorm", "norm"), (heads, "query"),
                     ("⊕ add", "norm"), ("LayerNorm", "norm"), (ffn, "value"), ("⊕ add", "norm"),
                     (f"y {shape(y)}", "output")]  # fmt: skip
            skips = [(0, 3), (3, 6)]
        else:
            steps = [(f"x {shape(x)}", "output"), (heads, "query"), ("⊕ add", "norm"),
                     ("LayerNorm", "norm"), (ffn, "value"), ("⊕ add", "norm"), ("LayerNorm", "norm"),
                     (f"y {shape(y)}", "output")]  # fmt: skip
            skips = [(0, 2), (3, 5)]
        ys = _column(ax, col, steps, y_top=0.3 + 0.58 * (len(steps) - 1), gap=0.58)
        for a, b in skips:
            _residual(ax, col, ys[a], ys[b])
        title = "pre-LN (norm_first=True)" if norm_first else "post-LN (norm_first=False)"
        ax.text(col, 4.75, title, ha="center", fontsize=SMALL)
    return fig


@diagram
def encoder_decoder(src_len: int = 6, tgt_len: int = 4, embed_dim: int = 8, num_heads: int = 2):
    """Encoder self-attention, decoder causal self-attention, and cross-attention between them.

    Shapes come from running :class:`attnlib.scratch.EncoderBlock` and ``DecoderBlock`` and the
    decoder's cross-attention (queries from the decoder, keys and values from the memory).

    Returns:
        Figure: encoder column (left), decoder column (right), memory flowing into cross-attention.
    """
    src, tgt = np.zeros((1, src_len, embed_dim)), np.zeros((1, tgt_len, embed_dim))
    enc = EncoderBlock(embed_dim, num_heads, 4 * embed_dim)
    dec = DecoderBlock(embed_dim, num_heads, 4 * embed_dim)
    memory = enc(src)  # (B, S, E)
    out = dec(tgt, memory, tgt_is_causal=True)  # (B, L, E)
    _, cross = dec.cross_attn(tgt, memory, memory, need_weights=True, average_attn_weights=False)
    fig, ax = canvas(height=5.0)
    ax.text(1.6, 4.75, "encoder", ha="center")
    ax.text(5.2, 4.75, "decoder", ha="center")
    _column(ax, 1.6, [(f"source {shape(src)}", "output"), ("self-attention (all S)", "query"),
                      ("FFN", "value"), (f"memory {shape(memory)}", "memory")], y_top=3.9,
            gap=0.95)  # fmt: skip
    _column(ax, 5.2, [(f"target {shape(tgt)}", "output"), ("causal self-attention", "query"),
                      (f"cross-attention {shape(cross)}", "key"), ("FFN", "value"),
                      (f"out {shape(out)}", "output")], y_top=4.45, gap=0.85)  # fmt: skip
    arrow(ax, (2.75, 3.9), (4.05, 2.75), "K, V", role="memory", offset=(0.2, 0.2))
    ax.text(3.5, 0.4, f"weights (B, H, L, S) = {shape(cross)}: each of the L = {tgt_len} target\n"
            f"positions weighs all S = {src_len} source positions", ha="center", va="center",
            fontsize=SMALL)  # fmt: skip
    return fig


@diagram
def backward_graph(q=None, k=None, v=None, dout=None):
    r"""The backward pass as a data-flow graph: forward left to right, gradients right to left.

    Shapes come from running :func:`attnlib.scratch.sdpa_backward` on the given arrays.

    Args:
        q: (L, D), k: (S, D), v: (S, Dv), dout: (L, Dv). Default: L = 4, S = 6, D = 3, Dv = 2.

    Returns:
        Figure.
    """
    rng = np.random.default_rng(0)
    q = rng.standard_normal((4, 3)) if q is None else np.asarray(q, dtype=float)
    k = rng.standard_normal((6, 3)) if k is None else np.asarray(k, dtype=float)
    v = rng.standard_normal((6, 2)) if v is None else np.asarray(v, dtype=float)
    dout = rng.standard_normal((q.shape[0], v.shape[1])) if dout is None else np.asarray(dout)
    dq, dk, dv = sdpa_backward(dout, q, k, v)
    LS = (q.shape[0], k.shape[0])
    fig, ax = canvas(height=4.4)
    ax.text(0.15, 4.15, "forward →", color=COLORS["output"])
    ax.text(6.85, 0.2, "← backward", color=COLORS["weight"], ha="right")
    nodes = {"Q": (0.75, 3.45, f"Q {shape(q)}", "query"), "K": (0.75, 2.75, f"K {shape(k)}", "key"),
             "V": (0.75, 2.05, f"V {shape(v)}", "value"),
             "S": (2.75, 3.45, f"Z = λQKᵀ\n{LS}", "score"),
             "P": (4.45, 3.45, f"A = softmax(Z)\n{LS}", "weight"),
             "O": (6.15, 3.45, f"O = AV\n{shape(dout)}", "output"),
             "dO": (6.15, 1.0, f"dO {shape(dout)}", "weight"),
             "dP": (4.45, 1.0, f"dA = dO Vᵀ\n{LS}", "weight"),
             "dS": (2.75, 1.0, f"dZ = A∘(dA − δ)\n{LS}", "weight"),
             "dV": (6.15, 2.15, f"dV = Aᵀ dO\n{shape(dv)}", "value"),
             "dQ": (0.75, 1.35, f"dQ = λ dZ K\n{shape(dq)}", "query"),
             "dK": (0.75, 0.55, f"dK = λ dZᵀQ\n{shape(dk)}", "key")}  # fmt: skip
    for x, y, text, role in nodes.values():
        box(ax, x, y, 1.45 if "\n" in text else 1.25, 0.55 if "\n" in text else 0.4, text, role,
            size=SMALL)  # fmt: skip
    for a, b in (("Q", "S"), ("K", "S"), ("S", "P"), ("P", "O")):
        arrow(ax, (nodes[a][0] + 0.7, nodes[a][1]), (nodes[b][0] - 0.7, nodes[b][1]))
    arrow(ax, (1.45, 2.05), (5.45, 3.3))  # V -> O
    for a, b in (("dO", "dP"), ("dP", "dS")):
        arrow(ax, (nodes[a][0] - 0.7, nodes[a][1]), (nodes[b][0] + 0.7, nodes[b][1]), role="weight")
    arrow(ax, (6.15, 1.22), (6.15, 1.87), role="weight")  # dO -> dV
    arrow(ax, (2.05, 1.05), (1.45, 1.3), role="weight")  # dZ -> dQ
    arrow(ax, (2.05, 0.9), (1.45, 0.6), role="weight")  # dZ -> dK
    ax.text(
        2.75,
        0.45,
        "δ = rowsum(dA∘A), λ = 1/√D",
        ha="center",
        fontsize=SMALL,
        color=COLORS["weight"],
    )
    return fig
