"""Extractive summarization: a document's sentences -> vectors -> encoder -> scores -> top k."""

from __future__ import annotations

import numpy as np

from attnlib.viz.diagrams._style import COLORS, SMALL, arrow, box, canvas, diagram, shape


@diagram
def summary_pipeline(sentences=None, scores=None, k: int = 3, words: int | None = None,
                     embed_dim: int = 32, num_heads: int = 2, gold=None):  # fmt: skip
    """Sentences (N, W) word ids -> (N, E) sentence vectors -> encoder -> (N,) scores -> top k.

    Args:
        sentences: N token lists (default: the first document of
            ``attnlib.data.documents.documents``). scores: (N,) sentence scores (default: an
            illustration, the gold sentences high). k: sentences kept. words: W, the padded
            sentence length (default the longest sentence). embed_dim, num_heads: E and H.
        gold: indices of the gold sentences, marked with a star.

    Returns:
        Figure: each sentence with its score bar (the top k in green), then the pipeline.
    """
    if sentences is None:
        from attnlib.data.documents import documents

        doc = documents(1, seed=0)[0]
        sentences, gold = doc.sentences, doc.key if gold is None else gold
    N = len(sentences)
    W = max(len(s) for s in sentences) if words is None else words
    gold = set(gold or ())
    if scores is None:
        scores = np.array([0.9 - 0.05 * i if i in gold else 0.1 + 0.02 * i for i in range(N)])
    scores = np.asarray(scores, dtype=float)
    if scores.shape != (N,):
        raise ValueError(f"scores {scores.shape} must be ({N},), one per sentence")
    kept = set(np.argsort(-scores, kind="stable")[:k].tolist())
    row, top = 0.27, 1.75  # row height, space for the pipeline below the list
    fig, ax = canvas(height=top + row * (N + 1.3))
    y0 = top + row * N
    ax.text(0.1, y0 + 0.05, f"document: N = {N} sentences", fontsize=SMALL, va="bottom",
            color=COLORS["output"])  # fmt: skip
    ax.text(4.95, y0 + 0.05, "score (N,)", fontsize=SMALL, va="bottom", color=COLORS["score"])
    lo, hi = scores.min(), max(scores.max(), scores.min() + 1e-9)
    for i, s in enumerate(sentences):
        y = y0 - row * (i + 0.5)
        text = " ".join(s)
        text = text if len(text) <= 44 else text[:43] + "…"
        mark = "★" if i in gold else " "
        ax.text(0.1, y, f"{mark}{i:2d} {text}", fontsize=SMALL, va="center", family="monospace",
                fontweight="bold" if i in kept else "normal")  # fmt: skip
        length = 1.5 * (0.08 + 0.92 * (scores[i] - lo) / (hi - lo))  # the lowest still shows
        colour = COLORS["value"] if i in kept else COLORS["mask"]
        ax.barh(y, length, height=0.7 * row, left=4.95, color=colour)
    ax.text(0.1, y0 - row * (N + 0.6), f"★ gold   bold/green: top k = {k}", fontsize=SMALL,
            va="center", color=COLORS["value"])  # fmt: skip
    steps = [  # (text, role, width)
        (f"word ids\n{shape((N, W))}", "query", 1.0),
        (f"mean + pos\n{shape((N, embed_dim))}", "key", 1.15),
        (f"encoder, H = {num_heads}\nweights\n{shape((num_heads, N, N))}", "weight", 1.45),
        (f"score\n{shape((N,))}", "score", 0.85),
        (f"top k = {k}\nsummary", "value", 1.05),
    ]
    gap = (7.0 - sum(w for *_, w in steps)) / (len(steps) + 1)
    x = gap
    for n, (text, role, w) in enumerate(steps):
        box(ax, x + w / 2, 0.8, w, 1.1, text, role=role, size=SMALL)
        if n + 1 < len(steps):
            arrow(ax, (x + w, 0.8), (x + w + gap, 0.8))
        x += w + gap
    return fig
