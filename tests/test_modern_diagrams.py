"""The part's diagrams follow the house rules of tests/test_diagrams.py: at most 7 inches
wide, the white card, no text under 10 pt, nothing clipped, no heatmap without a colorbar."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("matplotlib")
import matplotlib.pyplot as plt  # noqa: E402
from attnlib.modern import diagrams  # noqa: E402
from attnlib.modern.paged_kv_cache import PagedKVCache  # noqa: E402
from attnlib.modern.sparse import block_sparse_mask, sliding_window_mask  # noqa: E402


def paged():
    cache = PagedKVCache(10, 4, 2, 8)
    cache.append(0, torch.zeros(2, 6, 8), torch.zeros(2, 6, 8))
    cache.fork(0, 1)
    cache.append(1, torch.zeros(2, 3, 8), torch.zeros(2, 3, 8))
    return cache


CASES = {
    "paged_cache": lambda: diagrams.paged_cache(paged()),
    "split_k": lambda: diagrams.split_k(12, 3),
    "cache_per_token": lambda: diagrams.cache_per_token(4, 16, 2, 24),
    "sparse_tiles": lambda: diagrams.sparse_tiles(
        {
            "window 16": sliding_window_mask(64, window=16),
            "blocks": block_sparse_mask(np.eye(4, dtype=bool), 16),
        },
        16,
    ),
    "linear_recurrence": lambda: diagrams.linear_recurrence(512, 16, 16),
    "speculative_step": lambda: diagrams.speculative_step(["a", "b", "c"], 1, "z"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_modern_diagram_follows_house_rules(name):
    fig = CASES[name]()
    assert fig.get_size_inches()[0] <= 7.0
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)
    texts = [t for ax in fig.axes for t in ax.texts + [ax.title, ax.xaxis.label, ax.yaxis.label]
             if t.get_text()]  # fmt: skip
    assert texts and min(t.get_fontsize() for t in texts) >= 10
    for ax in fig.axes:
        for image in ax.images:
            assert image.colorbar is not None, f"{name}: a heatmap without a colorbar"
    box = fig.bbox.expanded(1.001, 1.001)
    renderer = fig.canvas.get_renderer()
    for t in texts:
        e = t.get_window_extent(renderer)
        assert box.contains(e.x0, e.y0) and box.contains(e.x1, e.y1), f"{name}: {t.get_text()!r}"
    plt.close(fig)
