"""One look for every diagram: colours, font sizes, a white card, boxes, grids and heatmaps.

Sizes are in inches: :func:`canvas` makes an axes whose data units are inches of the figure, so a
box drawn 1.0 wide is 1 inch wide and text sizes stay predictable. Figures are at most
:data:`WIDTH` inches wide with text of at least :data:`SMALL` points, which keeps labels legible
when the book scales a figure down to a 390 px phone screen.
"""

from __future__ import annotations

import functools

import numpy as np

WIDTH = 7.0  #: inches; the book shows a figure about 700 px wide on a desktop
FONT = 11.0  #: points, body text
SMALL = 10.5  #: points, the smallest text any diagram uses

#: One colour per role, used by every diagram (dark enough to read on the white card).
COLORS = {
    "query": "#1f6fb4",  # blue
    "key": "#d9660b",  # orange
    "value": "#2a9134",  # green
    "score": "#7b4fb5",  # purple
    "weight": "#b8325a",  # crimson
    "output": "#3b4a5a",  # slate
    "mask": "#8a8a8a",  # grey
    "memory": "#8c6d1f",  # brown
    "norm": "#0f8a8a",  # teal
}
#: One colour per head, in order (multi-head diagrams).
HEAD_COLORS = ("#1f6fb4", "#d9660b", "#2a9134", "#b8325a")
CMAP = "viridis"  #: sequential colour map of every heatmap
BORDER = "#9a9a9a"  #: the thin border of the card


#: Matplotlib settings in force while a diagram is drawn.
RC = {"font.size": FONT, "axes.titlesize": FONT, "axes.labelsize": FONT, "legend.fontsize": SMALL,
      "xtick.labelsize": SMALL, "ytick.labelsize": SMALL, "svg.fonttype": "path"}  # fmt: skip


def diagram(func):
    """Decorator: draw ``func``'s figure under the house font sizes (:data:`RC`)."""

    @functools.wraps(func)
    def draw(*args, **kwargs):
        import matplotlib.pyplot as plt

        with plt.rc_context(RC):
            return func(*args, **kwargs)

    return draw


def style_figure(fig) -> None:
    """White card with a thin grey border: readable on the book's light and dark pages."""
    fig.patch.set_facecolor("white")
    fig.patch.set_edgecolor(BORDER)
    fig.patch.set_linewidth(1.5)


def figure(nrows: int = 1, ncols: int = 1, width: float = WIDTH, height: float = 3.5, **kw):
    """``plt.subplots`` with the house card and font sizes; returns (fig, axes)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), **kw)
    style_figure(fig)
    return fig, axes


def canvas(width: float = WIDTH, height: float = 3.5):
    """A figure with one axes covering it, in inch units, axis hidden: for boxes and arrows."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(width, height))
    style_figure(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    return fig, ax


def shape(x) -> str:
    """A shape written as the code prints it: ``(5, 4)``; accepts an array or a tuple."""
    dims = tuple(int(d) for d in (np.shape(x) if hasattr(x, "shape") else x))
    return str(dims)


def box(ax, x, y, w, h, text="", role="output", fill=0.18, size=FONT, **text_kw):
    """A rounded box centred at (x, y), edged in the role's colour, with centred text."""
    from matplotlib.patches import FancyBboxPatch

    colour = COLORS.get(role, role)
    ax.add_patch(
        FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.06",
                       facecolor=_tint(colour, fill), edgecolor=colour, linewidth=1.6)
    )  # fmt: skip
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=size, **text_kw)


def arrow(ax, start, end, text="", role="output", size=SMALL, offset=(0.0, 0.0), **kw):
    """An arrow from start to end, with optional text at its middle (shifted by offset)."""
    colour = COLORS.get(role, role)
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.5, "shrinkA": 2,
                            "shrinkB": 2, **kw})  # fmt: skip
    if text:
        mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, text, ha="center", va="center", fontsize=size, color=colour)


def grid(ax, x, y, rows, cols, cell=0.18, role="output", label="", values=None, fmt="{:.0f}",
         highlight=None, size=SMALL, cell_h=None):  # fmt: skip
    """A rows x cols grid of cells with its lower-left corner at (x, y); label above it.

    ``values`` (rows, cols) are written in the cells; ``highlight`` (rows, cols) bool shades cells
    darker; ``cell_h`` is the cell height (default square cells). Returns (width, height), inches.
    """
    from matplotlib.patches import Rectangle

    colour = COLORS.get(role, role)
    w, h = cell, cell if cell_h is None else cell_h
    for i in range(rows):
        for j in range(cols):
            dark = highlight is not None and bool(highlight[i, j])
            ax.add_patch(
                Rectangle((x + j * w, y + (rows - 1 - i) * h), w, h,
                          facecolor=_tint(colour, (0.75 if values is None else 0.4) if dark else 0.12),
                          edgecolor=colour, linewidth=0.8)
            )  # fmt: skip
            if values is not None:
                ax.text(x + (j + 0.5) * w, y + (rows - 0.5 - i) * h, fmt.format(values[i, j]),
                        ha="center", va="center", fontsize=size)  # fmt: skip
    if label:
        ax.text(x + cols * w / 2, y + rows * h + 0.06, label, ha="center", va="bottom",
                fontsize=size, color=colour)  # fmt: skip
    return cols * w, rows * h


def heatmap(ax, values, title="", xlabels=None, ylabels=None, annotate=True, fmt="{:.2f}",
            cmap=CMAP, vmin=None, vmax=None, cbar_label=""):  # fmt: skip
    """Draw a 2-D array with a colorbar (always), optional cell values and tick labels."""
    a = np.asarray(values, dtype=float)
    finite = a[np.isfinite(a)]
    lo = vmin if vmin is not None else (finite.min() if finite.size else 0.0)
    hi = vmax if vmax is not None else (finite.max() if finite.size else 1.0)
    import matplotlib

    colours = matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
    colours = colours.with_extremes(bad="#d0d0d0")  # -inf (masked) cells: grey
    image = ax.imshow(np.where(np.isfinite(a), a, np.nan), cmap=colours, vmin=lo, vmax=hi,
                      aspect="auto")  # fmt: skip
    rows, cols = a.shape
    ax.set_xticks(range(cols), labels=xlabels if xlabels is not None else range(cols))
    ax.set_yticks(range(rows), labels=ylabels if ylabels is not None else range(rows))
    ax.tick_params(labelsize=SMALL)
    if annotate:
        mid = lo + 0.6 * (hi - lo)
        for i in range(rows):
            for j in range(cols):
                v = 0.0 if a[i, j] == 0 else a[i, j]  # no "-0.00"
                text = "−∞" if v == -np.inf else fmt.format(v)
                colour = "black" if (not np.isfinite(v) or v > mid) else "white"
                ax.text(j, i, text, ha="center", va="center", fontsize=SMALL, color=colour)
    if title:
        ax.set_title(title, fontsize=FONT)
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.06, pad=0.03)
    bar.ax.tick_params(labelsize=SMALL)
    if cbar_label:
        bar.set_label(cbar_label, fontsize=SMALL)
    return image


def _tint(colour: str, amount: float):
    """``colour`` mixed with white: amount 1 is the colour, 0 is white."""
    from matplotlib.colors import to_rgb

    rgb = np.array(to_rgb(colour))
    return tuple(1 - amount * (1 - rgb))
