"""A road network's sensors and the (sensor x time) token grid a spatio-temporal model reads."""

from __future__ import annotations

import numpy as np

from attnlib.viz.diagrams._style import COLORS, SMALL, diagram, figure, heatmap, shape


def _layout(upstream: np.ndarray) -> np.ndarray:
    """(N, 2) positions: x = longest road distance from an entry, y spread within a column."""
    N = len(upstream)
    depth = np.zeros(N, dtype=int)
    for _ in range(N):  # relax: depth[j] = 1 + max depth of j's upstream sensors
        for j in range(N):
            ups = np.flatnonzero(upstream[j])
            if len(ups):
                depth[j] = max(depth[j], 1 + depth[ups].max())
    pos = np.zeros((N, 2))
    for d in np.unique(depth):
        members = np.flatnonzero(depth == d)
        pos[members, 0] = d
        pos[members, 1] = -np.arange(len(members))
    return pos


@diagram
def traffic_tokens(window=None, roads=None):
    """The road graph (sensors, roads with travel times) and one input window as tokens.

    Args:
        window: (N, S) past values of N sensors (one example ``x[b]`` of the model's input);
            default the first window of ``attnlib.data.traffic.simulate_traffic(days=1)``.
        roads: (i, j, delay) triples over the N sensors; default
            ``attnlib.data.traffic.ROADS``.

    Returns:
        Figure: top, the directed graph; bottom, the (N, S) grid of (sensor, time) tokens with
        the axis each attention runs along.
    """
    from attnlib.data.traffic import ROADS, graph, simulate_traffic, traffic_windows

    roads = ROADS if roads is None else tuple(tuple(int(v) for v in r) for r in roads)
    if window is None:
        window = traffic_windows(simulate_traffic(days=1).flows, 12, 4)[0][40]  # (N, S)
    window = np.asarray(window, dtype=float)
    if window.ndim != 2:
        raise ValueError(f"window must be (N, S), got shape {window.shape}")
    N, S = window.shape
    upstream, delay = graph(roads, N)
    pos = _layout(upstream)
    fig, (top, bottom) = figure(2, 1, height=5.8, height_ratios=[1, 1.2])
    for i, j, d in roads:
        top.annotate("", xy=pos[j], xytext=pos[i],
                     arrowprops={"arrowstyle": "-|>", "color": COLORS["key"], "lw": 1.5,
                                 "shrinkA": 11, "shrinkB": 11})  # fmt: skip
        mid = (pos[i] + pos[j]) / 2
        top.text(mid[0], mid[1] + 0.12, f"{d}", color=COLORS["key"], fontsize=SMALL,
                 ha="center", va="bottom")  # fmt: skip
    top.scatter(pos[:, 0], pos[:, 1], s=330, color=COLORS["query"], zorder=3)
    for n, (x, y) in enumerate(pos):
        top.text(x, y, str(n), color="white", ha="center", va="center", fontsize=SMALL, zorder=4)
    top.set_xlim(pos[:, 0].min() - 0.5, pos[:, 0].max() + 0.5)
    top.set_ylim(pos[:, 1].min() - 0.6, 0.7)
    top.axis("off")
    top.set_title(f"{N} sensors, {len(roads)} roads (number: travel time in steps)",
                  fontsize=SMALL)  # fmt: skip
    heatmap(bottom, window, f"one window x[b] {shape(window)}: N·S = {N * S} tokens\n"
            "temporal attention along a row, spatial down a column",
            annotate=False, cbar_label="flow")  # fmt: skip
    bottom.set_ylabel("sensor n")
    bottom.set_xlabel("time step s of the window")
    bottom.set_yticks(range(0, N, max(1, N // 6)))
    bottom.set_xticks(range(0, S, max(1, S // 6)))
    fig.tight_layout()
    return fig
