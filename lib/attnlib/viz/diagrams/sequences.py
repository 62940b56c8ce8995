"""Training signals over token sequences: SASRec's next-item targets, BERT's masked tokens."""

from __future__ import annotations

import numpy as np

from attnlib.scratch import causal_mask, lengths_to_mask
from attnlib.viz.diagrams._style import COLORS, SMALL, box, canvas, diagram, figure, heatmap, shape


@diagram
def sasrec_histories(histories=None, lengths=None, user: int = 1):
    """SASRec: a user's items, left-padded, each position attending to earlier items only.

    Args:
        histories: (U, T) item ids (default three users of ``user_histories``, T = 6).
        lengths: (U,) real items per user; the rest is padding on the left (default [6, 4, 5]).
        user: which user to draw.

    Returns:
        Figure: the item sequence with the next item each position predicts, and the
        (T, T) mask ``causal_mask(T) & lengths_to_mask`` (padding moved to the left).
    """
    from attnlib.data.histories import user_histories

    items = (
        user_histories(n_users=3, n_items=40, length=6, n_genres=4)
        if histories is None
        else histories
    )
    items = np.asarray(items)
    lengths = np.array([6, 4, 5]) if lengths is None else np.asarray(lengths)
    U, T = items.shape
    real = lengths_to_mask(lengths, T)[:, ::-1]  # (U, T), True = real item, padding on the left
    seq = np.where(real, items, 0)  # (U, T), 0 = padding
    allowed = causal_mask(T) & real[user][None, :]  # (T, T) & (1, T)
    fig, (top, bottom) = figure(2, 1, height=5.8, height_ratios=[0.8, 1.6])
    top.set_xlim(-0.6, T - 0.4)
    top.set_ylim(-0.2, 1.5)
    top.axis("off")
    top.text(-0.55, 1.35, f"user {user}: items {shape(seq[user])}, {lengths[user]} real, padding = 0",
             fontsize=SMALL)  # fmt: skip
    for t in range(T):
        pad = not real[user, t]
        box(
            top, t, 0.85, 0.75, 0.38, str(seq[user, t]), role="mask" if pad else "query", size=SMALL
        )
        if t < T - 1 and not pad:
            top.text(t, 0.25, f"→ {seq[user, t + 1]}", ha="center", fontsize=SMALL,
                     color=COLORS["value"])  # fmt: skip
    top.text(-0.55, -0.15, "predicts the next item", fontsize=SMALL, color=COLORS["value"])
    image = heatmap(bottom, allowed.astype(float), f"may attend {shape(allowed)}", annotate=False,
                    cmap="cividis", vmin=0, vmax=1)  # fmt: skip
    image.colorbar.set_ticks([0, 1], labels=["blocked", "may attend"])
    bottom.set_xlabel("key position")
    bottom.set_ylabel("query position")
    fig.tight_layout()
    return fig


@diagram
def masked_pretraining(words=None, prob: float = 0.3, seed: int = 7):
    """BERT-style corruption with ``attnlib.data.masking.mask_tokens``: 80% <mask>, 10% random, 10% kept.

    Args:
        words: tokens of one sentence (default eight words + two <pad>).
        prob: fraction of real tokens chosen. seed: for the torch generator.

    Returns:
        Figure: the original ids, the corrupted input, and the targets the loss sees.
    """
    import torch

    from attnlib.data.masking import mask_tokens

    vocab = ["<pad>", "<unk>", "<cls>", "<sep>", "<mask>", "the", "cat", "chased", "a", "mouse",
             "dog", "sat", "on", "mat", "big", "red"]  # fmt: skip
    words = words or ["the", "big", "cat", "chased", "a", "red", "mouse", "<pad>", "<pad>"]
    ids = torch.tensor([[vocab.index(w) for w in words]])  # (B, L) = (1, L)
    gen = torch.Generator().manual_seed(seed)
    corrupted, targets = mask_tokens(ids, vocab.index("<mask>"), len(vocab), prob, generator=gen)
    L = ids.shape[1]
    fig, ax = canvas(height=3.0)
    step = min(0.72, 5.6 / L)
    rows = (("input ids " + str(tuple(ids.shape)), ids[0], "output", 2.15),
            ("corrupted (red: changed)", corrupted[0], "query", 1.4), ("targets", targets[0], "value", 0.65))  # fmt: skip
    for name, row, role, y in rows:
        ax.text(0.1, y + 0.32, name, fontsize=SMALL, color=COLORS[role])
        for t in range(L):
            i = int(row[t])
            text = "·" if i == -100 else vocab[i].strip("<>")
            changed = role == "query" and i != int(ids[0, t])
            box(ax, 0.55 + step * (t + 0.5), y, step - 0.06, 0.36, text, "weight" if changed else role,
                size=SMALL)  # fmt: skip
    ax.text(0.1, 0.12, "· = -100, ignored by the loss; attention sees both sides (no causal mask)",
            fontsize=SMALL)  # fmt: skip
    return fig
