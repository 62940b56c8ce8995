"""Cluttered digits: a small image placed at a random spot on a larger canvas, among distractors.

The harder variant of scikit-learn's 8x8 digits used in the CNN-attention chapter: the label
depends on one region of the canvas, and pieces of *other* digits elsewhere look like strokes,
so a model that pools every position equally is misled. Everything comes from a seed.
"""

from __future__ import annotations

import numpy as np


def cluttered_digits(images: np.ndarray, canvas: int = 16, fragments: int = 4,
                     fragment_size: int = 3, noise: float = 0.1,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Place each image at a random position on a ``canvas`` x ``canvas`` field with clutter.

    Each canvas gets ``fragments`` crops of ``fragment_size`` x ``fragment_size`` pixels taken
    from randomly chosen *other* images, at random positions, then uniform noise in
    [0, ``noise``); the digit is drawn last, over the clutter (pixel-wise maximum), and values
    are clipped to [0, 1].

    Args:
        images: (N, h, w) array, values in [0, 1], h and w at most ``canvas``.
        canvas, fragments, fragment_size, noise, seed: see above.

    Returns:
        (out, positions): out (N, canvas, canvas) float32, positions (N, 2) int, the (row,
        column) of each image's top-left corner.
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must be (N, h, w), got shape {images.shape}")
    n, h, w = images.shape
    if h > canvas or w > canvas:
        raise ValueError(f"images {h}x{w} do not fit on a {canvas}x{canvas} canvas")
    if not 1 <= fragment_size <= min(h, w) or fragments < 0 or not 0 <= noise <= 1:
        raise ValueError(f"need 1 <= fragment_size <= {min(h, w)}, fragments >= 0 and "
                         f"0 <= noise <= 1; got {fragment_size}, {fragments}, {noise}")  # fmt: skip
    if n < 2 and fragments:
        raise ValueError("clutter is taken from other images: need at least 2 images")
    rng = np.random.default_rng(seed)
    out = rng.uniform(0.0, noise, size=(n, canvas, canvas))
    positions = np.stack(
        [rng.integers(0, canvas - h + 1, n), rng.integers(0, canvas - w + 1, n)], axis=1
    )  # (N, 2)
    f = fragment_size
    for i in range(n):
        for _ in range(fragments):
            j = (i + rng.integers(1, n)) % n  # any image but i
            r, c = rng.integers(0, h - f + 1), rng.integers(0, w - f + 1)
            pr, pc = rng.integers(0, canvas - f + 1, 2)
            patch = images[j, r : r + f, c : c + f]
            out[i, pr : pr + f, pc : pc + f] = np.maximum(out[i, pr : pr + f, pc : pc + f], patch)
        r, c = positions[i]
        out[i, r : r + h, c : c + w] = np.maximum(out[i, r : r + h, c : c + w], images[i])
    return np.clip(out, 0.0, 1.0).astype(np.float32), positions
