"""Extractive question answering: a pointer's start and end distributions over the passage."""

from __future__ import annotations

import numpy as np

from attnlib.viz.diagrams._style import COLORS, SMALL, diagram, figure, shape


@diagram
def pointer_span(passage=None, question=None, p_start=None, p_end=None, gold=None):
    """The question, the passage tokens, and the start and end distributions a reader gives them.

    Args:
        passage: S tokens; question: L tokens (default: ``reading_examples(1, seed=3)``).
        p_start, p_end: (S,) probabilities (default: those of an untrained ``SpanReader``).
        gold: (start, end) of the true answer, inclusive (default: the example's).

    Returns:
        Figure: one row per passage token, bars for P_start and P_end, the argmax span boxed
        and the gold answer in green.
    """
    if passage is None or question is None:
        from attnlib.data.reading import reading_examples

        ex = reading_examples(1, seed=3)[0]
        passage, question, gold = ex.passage, ex.question, (ex.start, ex.end)
    S = len(passage)
    if p_start is None or p_end is None:
        p_start, p_end = _untrained_distributions(passage, question)
    p_start, p_end = np.asarray(p_start, dtype=float), np.asarray(p_end, dtype=float)
    if p_start.shape != (S,) or p_end.shape != (S,):
        raise ValueError(f"passage has {S} tokens; p_start {p_start.shape}, p_end {p_end.shape}")
    lo, hi = gold if gold is not None else (-1, -1)
    fig, axes = figure(1, 2, height=0.19 * S + 1.6, sharey=True)
    y = np.arange(S)
    for ax, p, name, role in (
        (axes[0], p_start, "P_start", "query"),
        (axes[1], p_end, "P_end", "key"),
    ):
        ax.barh(y, p, color=COLORS[role])
        best = int(p.argmax())
        ax.barh([best], [p[best]], color="none", edgecolor="black", linewidth=1.5)
        ax.set_title(f"{name} {shape(p)}, argmax {best}", fontsize=SMALL)
        ax.set_xlim(0, 1)
        ax.set_xlabel("probability")
    axes[0].set_yticks(y, labels=[f"{i} {w}" for i, w in enumerate(passage)])
    axes[0].invert_yaxis()
    for i, label in enumerate(axes[0].get_yticklabels()):
        if lo <= i <= hi:
            label.set_color(COLORS["value"])
            label.set_fontweight("bold")
    q = " ".join(question)
    fig.suptitle(f"question {shape((len(question),))}: {q}\npassage {shape((S,))}; green = gold "
                 "answer", fontsize=SMALL)  # fmt: skip
    fig.tight_layout()
    return fig


def _untrained_distributions(passage, question):
    import torch

    from attnlib.data.reading import reading_vocabulary
    from attnlib.data.vocab import Vocab
    from attnlib.nn.span_qa import SpanReader

    vocab = Vocab.from_texts([" ".join(reading_vocabulary())], words=True)
    torch.manual_seed(0)
    model = SpanReader(len(vocab), max_passage=len(passage))
    ids = torch.tensor([vocab.encode(passage)])
    sentence = torch.tensor([np.cumsum([0] + [w == "." for w in passage[:-1]]).tolist()])
    with torch.no_grad():
        start, end = model(ids, sentence, torch.tensor([vocab.encode(question)]))
    return start[0].softmax(-1).numpy(), end[0].softmax(-1).numpy()
