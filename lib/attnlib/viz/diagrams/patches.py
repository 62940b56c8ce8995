"""Patching: images and time series cut into tokens (ViT, PatchTST)."""

from __future__ import annotations

import numpy as np

from attnlib.viz.diagrams._style import COLORS, SMALL, diagram, figure, heatmap, shape


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
