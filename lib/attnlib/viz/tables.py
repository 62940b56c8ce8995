"""Matrices as Markdown tables, so a notebook can print numbers at a fixed precision."""

from __future__ import annotations

from collections.abc import Sequence

from attnlib.viz.heatmap import to_numpy


def _fixed(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # never "-0.00"


def matrix_markdown(
    matrix,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    decimals: int = 4,
    corner: str = "",
) -> str:
    """A Markdown table of a 1-D or 2-D array with every entry printed to ``decimals`` places.

    Args:
        matrix: (N,) or (N, M) array or tensor; a 1-D array becomes one row.
        row_labels: N labels (default 0..N-1); col_labels: M labels (default 0..M-1).
        corner: text of the top-left cell.

    Returns:
        The table as a string (display it with ``IPython.display.Markdown``).
    """
    m = to_numpy(matrix)
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2:
        raise ValueError(f"matrix_markdown expects a 1-D or 2-D array, got shape {m.shape}")
    rows = [str(i) for i in range(m.shape[0])] if row_labels is None else list(row_labels)
    cols = [str(j) for j in range(m.shape[1])] if col_labels is None else list(col_labels)
    if len(rows) != m.shape[0] or len(cols) != m.shape[1]:
        raise ValueError(
            f"{len(rows)} row labels and {len(cols)} column labels for a matrix of shape {m.shape}"
        )
    lines = ["| " + " | ".join([corner, *cols]) + " |", "|" + "---|" + "---:|" * len(cols)]
    for label, row in zip(rows, m):
        cells = [_fixed(v, decimals) for v in row]
        lines.append("| " + " | ".join([label, *cells]) + " |")
    return "\n".join(lines)
