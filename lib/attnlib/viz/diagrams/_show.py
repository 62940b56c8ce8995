"""Crisp figures for the book: display as SVG in a notebook, or save as SVG or 2x PNG."""

from __future__ import annotations

import io
from pathlib import Path


def to_svg(fig) -> str:
    """The figure as SVG text, its white card included."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor())
    return buffer.getvalue()


def save(fig, path: str | Path) -> Path:
    """Save as ``.svg`` (vector) or ``.png`` (at 2x the 100 dpi display size, 200 dpi)."""
    path = Path(path)
    if path.suffix not in (".svg", ".png"):
        raise ValueError(f"save writes .svg or .png, got {path.name!r}")
    fig.savefig(path, dpi=200, facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor())
    return path


def show(fig, close: bool = True):
    """Display the figure as SVG in a notebook (sharp at any zoom) and close it.

    Returns the ``IPython.display.SVG`` object, so a notebook cell may also end with it.
    """
    import matplotlib.pyplot as plt
    from IPython.display import SVG, display

    svg = SVG(to_svg(fig))
    if close:
        plt.close(fig)
    display(svg)
    return svg
