"""A horizontal timeline of dated events (used for the history of attention)."""

from __future__ import annotations

from collections.abc import Sequence


def timeline(
    events: Sequence[tuple[float, str]], ax=None, title: str | None = None, fontsize: float = 9
):
    """Draw ``(year, label)`` events on a horizontal time axis, labels alternating above and below.

    Args:
        events: pairs of (year, label); fractional years order events within a year.
        ax: a Matplotlib Axes; a new wide figure is made when None.
        fontsize: size of the event labels.

    Returns:
        The Matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    if not events:
        raise ValueError("timeline needs at least one (year, label) event")
    events = sorted(events)
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 4.2))
    years = [year for year, _ in events]
    ax.axhline(0, color="0.3", lw=1.5, zorder=1)
    ax.scatter(years, [0] * len(years), s=40, color="C0", zorder=2)
    levels = [1.0, -1.0, 2.0, -2.0, 3.0, -3.0]
    for n, (year, label) in enumerate(events):
        level = levels[n % len(levels)]
        ax.plot([year, year], [0, level * 0.9], color="0.6", lw=0.8, zorder=1)
        va = "bottom" if level > 0 else "top"
        ax.text(year, level, f"{int(year)}\n{label}" if level > 0 else f"{label}\n{int(year)}",
                ha="center", va=va, fontsize=fontsize)  # fmt: skip
    ax.set_ylim(-4.4, 4.4)
    ax.set_xlim(min(years) - 1.5, max(years) + 1.5)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title)
    return ax
