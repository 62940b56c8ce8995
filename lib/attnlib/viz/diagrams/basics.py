"""Foundations: attention as a soft lookup, the RNN bottleneck, additive vs dot-product scores."""

from __future__ import annotations

import numpy as np

from attnlib import worked_example as we
from attnlib.scratch import AdditiveAttention, luong_score, scaled_dot_product_attention
from attnlib.viz.diagrams._style import (
    COLORS,
    SMALL,
    arrow,
    box,
    canvas,
    diagram,
    figure,
    shape,
)


def _vec(v, fmt="{:.2g}") -> str:
    return "[" + ", ".join(fmt.format(float(x)) for x in np.ravel(v)) + "]"


@diagram
def soft_lookup(query=None, keys=None, values=None, key_labels=None):
    r"""A dictionary returns the value of the one matching key; attention returns $\sum_j a_j v_j$.

    Args:
        query: (D,), default the worked example's query for "chased".
        keys: (S, D). values: (S, Dv). key_labels: S names (default the worked example's tokens).

    Returns:
        Figure: one row per key with its score, weight bar and value, then the blended output.
    """
    if query is None:
        s = we.steps()
        query, keys, values, key_labels = s.q[we.HAND_ROW], s.k, s.v, list(we.TOKENS)
    q, k, v = (np.asarray(a, dtype=float) for a in (query, keys, values))
    out, w = scaled_dot_product_attention(q[None], k, v, return_weights=True)  # (1, Dv), (1, S)
    scores = k @ q / np.sqrt(q.shape[-1])  # (S, D) @ (D,) -> (S,)
    S = k.shape[0]
    labels = key_labels if key_labels is not None else [f"key {j}" for j in range(S)]
    row = 0.42
    fig, ax = canvas(height=1.75 + row * S)
    top = 1.2 + row * S
    ax.text(0.15, top + 0.3, f"query q {shape(q)} = {_vec(q)}", color=COLORS["query"], va="center")
    heads = [(1.4, f"key k {shape(k)}", "key"), (3.05, "q·k/√D", "score"),
             (4.15, "weight a", "weight"), (5.95, f"value v {shape(v)}", "value")]  # fmt: skip
    for x, text, role in heads:
        ax.text(x, top - 0.12, text, ha="center", color=COLORS[role], fontsize=SMALL)
    for j in range(S):
        y = top - 0.45 - j * row
        ax.text(0.15, y, str(labels[j]), va="center")
        ax.text(1.4, y, _vec(k[j]), ha="center", va="center", color=COLORS["key"])
        ax.text(3.05, y, f"{scores[j]:.2f}", ha="center", va="center", color=COLORS["score"])
        ax.barh(y, 1.1 * w[0, j], height=0.26, left=3.6, color=COLORS["weight"])
        ax.text(3.65 + 1.1 * w[0, j], y, f"{w[0, j]:.2f}", va="center", fontsize=SMALL)
        ax.text(5.95, y, _vec(v[j]), ha="center", va="center", color=COLORS["value"])
    best = int(np.argmax(w[0]))
    ax.text(0.15, 0.72, f"hard lookup (a dict): the best key '{labels[best]}' → {_vec(v[best])}")
    box(ax, 3.5, 0.3, 6.7, 0.42, f"soft lookup: o = Σⱼ aⱼ vⱼ = {_vec(out[0])}   shape {shape(out[0])}",
        role="output")  # fmt: skip
    return fig


@diagram
def rnn_bottleneck(encoder_states=None, decoder_state=None):
    """A seq2seq RNN squeezes the source into one vector; attention reads every encoder state.

    Args:
        encoder_states: (S, Dh) encoder hidden states (default: 6 random states of size 8).
        decoder_state: (Dh,) the decoder state that asks (default: a random one).

    Returns:
        Figure: top, the chain ending in one context vector; bottom, weights over all S states.
    """
    rng = np.random.default_rng(0)
    h = rng.standard_normal((6, 8)) if encoder_states is None else np.asarray(encoder_states)
    d = rng.standard_normal(h.shape[1]) if decoder_state is None else np.asarray(decoder_state)
    S = h.shape[0]
    _, w = scaled_dot_product_attention(d[None], h, h, return_weights=True)  # (1, S)
    fig, ax = canvas(height=4.0)
    step = min(0.8, 4.6 / S)
    xs = 0.6 + step * np.arange(S)
    for title, y0 in (("RNN encoder–decoder: one vector carries the whole source", 3.7),
                      (f"attention: the decoder state s weighs all S = {S} encoder states", 1.8)):  # fmt: skip
        ax.text(0.15, y0, title, fontsize=SMALL + 0.5)
    for j, x in enumerate(xs):
        box(ax, x, 3.0, 0.5, 0.42, f"h{j + 1}", role="key")
        if j:
            arrow(ax, (xs[j - 1] + 0.25, 3.0), (x - 0.25, 3.0), role="key")
        box(ax, x, 1.1, 0.5, 0.42, f"h{j + 1}", role="key")
        arrow(ax, (x, 0.88), (5.43, 0.3), role="weight", lw=0.6 + 5 * w[0, j])
        ax.text(x, 1.4, f"{w[0, j]:.2f}", ha="center", fontsize=SMALL, color=COLORS["weight"])
    box(ax, 6.1, 3.0, 1.3, 0.5, f"c = h{S}\n{shape(h[-1])}", role="output", size=SMALL)
    arrow(ax, (xs[-1] + 0.25, 3.0), (5.45, 3.0), role="output")
    ax.text(0.15, 2.4, f"encoder states {shape(h)} → context {shape(h[-1])}: fixed size, "
            "whatever S is", fontsize=SMALL)  # fmt: skip
    box(ax, 6.1, 1.1, 1.3, 0.5, f"decoder s\n{shape(d)}", role="query", size=SMALL)
    box(ax, 6.1, 0.3, 1.3, 0.42, "c = Σ aⱼ hⱼ", role="output", size=SMALL)
    ax.text(0.15, 1.4, "a:", fontsize=SMALL, color=COLORS["weight"])
    return fig


@diagram
def additive_vs_dot(query=None, keys=None, scorer: AdditiveAttention | None = None):
    r"""Bahdanau's $v_a^\top\tanh(W_q q + W_k k)$ against the scaled dot product $q\cdot k/\sqrt{D}$.

    Args:
        query: (D,), keys: (S, D); default the worked example's "chased" row.
        scorer: an :class:`~attnlib.scratch.AdditiveAttention` (default: hidden size 3, seed 0).

    Returns:
        Figure: the two recipes with their parameter shapes, and the weights each gives.
    """
    if query is None:
        s = we.steps()
        query, keys = s.q[we.HAND_ROW], s.k
    q, k = np.asarray(query, dtype=float), np.asarray(keys, dtype=float)
    D, S = q.shape[-1], k.shape[0]
    scorer = scorer or AdditiveAttention(D, k.shape[1], 3, seed=0)
    _, w_add = scorer(q[None], k, k)  # weights (1, S)
    dot = luong_score(q[None], k) / np.sqrt(D)  # (1, D) @ (D, S) -> (1, S)
    w_dot = scaled_dot_product_attention(q[None], k, k, return_weights=True)[1]
    fig, (top, bars) = figure(2, 1, height=5.2, height_ratios=[1.1, 1])
    top.set_xlim(0, 7)
    top.set_ylim(0, 2.2)
    top.axis("off")
    A = scorer.v_a.shape[0]
    add = [f"q {shape(q)} · W_q {shape(scorer.W_q)}", f"+ k {shape(k)} · W_k {shape(scorer.W_k)}",
           f"tanh → (S, A) = {(S, A)}", f"· v_a {shape(scorer.v_a)} → e {(S,)}"]  # fmt: skip
    dots = [f"q {shape(q)}", f"· kᵀ {shape(k.T)}", f"÷ √D = {np.sqrt(D):g}", f"→ e {dot[0].shape}"]
    for x, title, lines, role in ((1.75, "additive (an MLP)", add, "score"),
                                  (5.35, "scaled dot product", dots, "query")):  # fmt: skip
        top.text(x, 2.05, title, ha="center", color=COLORS[role])
        for i, text in enumerate(lines):
            top.text(x, 1.6 - 0.42 * i, text, ha="center", fontsize=SMALL)
    x = np.arange(S)
    bars.bar(x - 0.2, w_add[0], 0.4, color=COLORS["score"], label="additive")
    bars.bar(x + 0.2, w_dot[0], 0.4, color=COLORS["query"], label="dot product")
    bars.set_xticks(x)
    bars.set_xlabel("key j")
    bars.set_ylabel("weight")
    bars.set_ylim(0, 1.35 * max(w_add.max(), w_dot.max()))
    bars.legend(fontsize=SMALL, ncol=2, loc="upper center")
    fig.tight_layout()
    return fig
