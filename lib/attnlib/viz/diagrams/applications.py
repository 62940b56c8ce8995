"""Applications: ViT patches, time-series patches, SASRec over item histories, masked pretraining."""

from __future__ import annotations

import numpy as np

from attnlib.scratch import causal_mask, lengths_to_mask
from attnlib.viz.diagrams._style import COLORS, SMALL, box, canvas, diagram, figure, heatmap, shape


def _digit_seven(size: int = 8) -> np.ndarray:
    """A hand-drawn 7 on a (size, size) grid, values 0..1, so the default needs no data file."""
    img = np.zeros((size, size))
    img[1, 1 : size - 1] = 1.0
    for i in range(2, size - 1):
        img[i, size - i] = 0.8
    return img


@diagram
def vit_patching(images=None, patch_size: int = 4):
    """``patchify``: an image (B, C, H, W) becomes N = HW / p² tokens of C·p² numbers, plus CLS.

    Args:
        images: (B, C, H, W) array or tensor (the first image is drawn); default a drawn 7, 8x8.
        patch_size: p.

    Returns:
        Figure: the image with its patch grid and numbers, and the (N, C·p²) token matrix.
    """
    import torch

    from attnlib.nn.models.vit import patchify

    images = _digit_seven()[None, None] if images is None else images
    images = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    tokens = patchify(images, patch_size).numpy()  # (B, N, C p p)
    B, C, H, W = images.shape
    fig, (left, right) = figure(1, 2, height=3.8, width_ratios=[1, 1.25])
    heatmap(left, images[0].mean(0).numpy(), f"image {tuple(images.shape)}", annotate=False,
            cmap="gray_r")  # fmt: skip
    for k in range(1, H // patch_size):
        left.axhline(k * patch_size - 0.5, color=COLORS["weight"], lw=2)
    for k in range(1, W // patch_size):
        left.axvline(k * patch_size - 0.5, color=COLORS["weight"], lw=2)
    for n in range(tokens.shape[1]):
        r, c = divmod(n, W // patch_size)
        left.text(c * patch_size - 0.3, r * patch_size - 0.3, str(n), color="white", ha="left",
                  va="top", fontsize=SMALL, bbox={"facecolor": COLORS["weight"], "pad": 1.5,
                                                   "edgecolor": "none"})  # fmt: skip
    left.set_xticks([])
    left.set_yticks([])
    heatmap(right, tokens[0], f"patchify → {shape(tokens)}\n+ CLS → {(B, 1 + tokens.shape[1])} tokens",
            annotate=False, cmap="gray_r")  # fmt: skip
    right.set_ylabel("token (patch n)")
    right.set_xlabel(f"C·p² = {C * patch_size**2} pixels")
    right.set_yticks(range(tokens.shape[1]))
    right.set_xticks(range(0, tokens.shape[2], max(1, tokens.shape[2] // 4)))
    fig.tight_layout()
    return fig


@diagram
def time_series_patching(series=None, patch_len: int = 12, stride: int = 12, steps: int = 72):
    """A series cut into patches (PatchTST): each patch of ``patch_len`` values is one token.

    The patches are rows of ``attnlib.data.series.sliding_windows(series, patch_len, 0)`` taken
    every ``stride`` steps.

    Returns:
        Figure: the series with its patches shaded, and the (N, patch_len) token matrix.
    """
    from attnlib.data.series import seasonal_series, sliding_windows

    x = seasonal_series(steps, seed=0) if series is None else np.asarray(series, dtype=float)
    windows, _ = sliding_windows(x, patch_len, 0)  # (T - P + 1, P)
    patches = windows[::stride]  # (N, P)
    fig, (top, bottom) = figure(2, 1, height=5.2, height_ratios=[1, 1.1])
    top.plot(x, color=COLORS["output"], lw=1.3)
    for n in range(len(patches)):
        start = n * stride
        top.axvspan(start - 0.5, start + patch_len - 0.5, alpha=0.18,
                    color=COLORS["query"] if n % 2 == 0 else COLORS["key"])  # fmt: skip
        top.text(start + patch_len / 2, x.max(), str(n), ha="center", va="bottom", fontsize=SMALL)
    top.set_ylim(x.min() - 0.1 * np.ptp(x), x.max() + 0.25 * np.ptp(x))
    top.set_title(f"series {shape(x)}, patch_len {patch_len}, stride {stride}", fontsize=SMALL)
    top.set_xlabel("time step t")
    heatmap(bottom, patches, f"patches → tokens {shape(patches)}", annotate=False)
    bottom.set_ylabel("token n")
    bottom.set_xlabel("position in patch")
    bottom.set_yticks(range(len(patches)))
    bottom.set_xticks(range(0, patch_len, max(1, patch_len // 4)))
    fig.tight_layout()
    return fig


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
