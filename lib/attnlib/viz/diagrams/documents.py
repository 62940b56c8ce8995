"""A document's path through a topic classifier: words -> ids -> encoder -> [CLS] -> topic."""

from __future__ import annotations

import numpy as np

from attnlib.viz.diagrams._style import COLORS, SMALL, arrow, box, canvas, diagram


def _short(word: str, n: int = 9) -> str:
    return word if len(word) <= n else word[: n - 1] + "…"


@diagram
def topic_pipeline(words=None, ids=None, topics=None, probs=None, d_model: int = 32,
                   num_layers: int = 2, batch: int = 1, shown: int = 5):  # fmt: skip
    """How one document becomes a topic in ``EncoderClassifier`` with ``[CLS]`` pooling.

    Args:
        words: the document's L words (default a short sentence about e-mail).
        ids: their L vocabulary ids (default 5, 6, ...).
        topics: the C topic names (default ``attnlib.data.stdlib_topics.TOPICS``).
        probs: (C,) predicted probabilities to print under the topics (optional).
        d_model, num_layers, batch: E, the number of encoder layers, and B, for the shapes.
        shown: how many words to draw before "…".

    Returns:
        Figure: the words and their ids, the shapes after each stage, and the topics.
    """
    from attnlib.data.stdlib_topics import TOPICS

    words = words or "the message headers are parsed into an email object".split()
    ids = list(range(5, 5 + len(words))) if ids is None else [int(i) for i in ids]
    if len(ids) != len(words):
        raise ValueError(f"{len(words)} words but {len(ids)} ids")
    topics = tuple(TOPICS if topics is None else topics)
    if probs is not None and np.shape(probs) != (len(topics),):
        raise ValueError(f"probs has shape {np.shape(probs)}, expected ({len(topics)},)")
    L, C, E, B = len(words), len(topics), d_model, batch
    fig, ax = canvas(height=4.4)
    ax.text(0.15, 4.15, f"one document: L = {L} words → ids (B, L) = {(B, L)}", fontsize=SMALL)
    tokens = ["[CLS]"] + [_short(w) for w in words[:shown]] + (["…"] if L > shown else [])
    labels = ["learned"] + [str(i) for i in ids[:shown]] + ([""] if L > shown else [])
    step = 6.6 / len(tokens)
    for k, (tok, lab) in enumerate(zip(tokens, labels)):
        x = 0.2 + step * (k + 0.5)
        role = "query" if k == 0 else "mask" if tok == "…" else "key"
        box(ax, x, 3.55, step - 0.1, 0.4, tok, role=role, size=SMALL)
        ax.text(x, 3.17, lab, ha="center", va="center", fontsize=SMALL, color=COLORS["output"])
    stages = [
        ("embed +\nposition", f"{(B, 1 + L, E)}", "value"),
        (
            f"encoder\n× {num_layers} layer{'s' if num_layers != 1 else ''}",
            f"{(B, 1 + L, E)}",
            "score",
        ),
        ("[CLS]\nstate", f"{(B, E)}", "query"),
        ("linear\nE → C", f"{(B, C)}", "weight"),
    ]
    for k, (name, shp, role) in enumerate(stages):
        x = 0.95 + 1.7 * k
        box(ax, x, 2.25, 1.3, 0.62, name, role=role, size=SMALL)
        ax.text(x, 1.77, shp, ha="center", va="center", fontsize=SMALL, color=COLORS[role])
        if k:
            arrow(ax, (x - 1.7 + 0.67, 2.25), (x - 0.67, 2.25))
    arrow(ax, (3.5, 2.95), (0.95, 2.6))
    arrow(ax, (6.05, 1.62), (6.05, 1.0))
    ax.text(0.15, 1.3, f"softmax over C = {C} topics (the package each paragraph documents)",
            fontsize=SMALL)  # fmt: skip
    width = 6.6 / C
    best = int(np.argmax(probs)) if probs is not None else -1
    for c, name in enumerate(topics):
        x = 0.2 + width * (c + 0.5)
        text = name if probs is None else f"{name}\n{float(probs[c]):.2f}"
        box(ax, x, 0.6, width - 0.1, 0.7, text, role="weight", fill=0.6 if c == best else 0.12,
            size=SMALL)  # fmt: skip
    return fig
