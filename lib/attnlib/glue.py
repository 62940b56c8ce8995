"""Paste a computed value into a chapter's prose: myst-nb's ``glue``, without needing myst-nb.

In a code cell ``glue("acc", acc)``; in Markdown ``{glue:text}`acc:.3f```. The book's build (myst-nb)
reads the value from the cell's stored output, so the prose can only say what the code printed, and
the notebook stage checks that output on every run. This writes the same output record myst-nb's
own ``glue`` writes, so a notebook that glues runs unchanged in Colab, where myst-nb is absent.
"""

from __future__ import annotations

from typing import Any

GLUE_PREFIX = "application/papermill.record/"  # the mime prefix myst-nb reads


def glue(name: str, value: Any, display: bool = False) -> None:
    """Record ``value`` under ``name`` for ``{glue:text}`name:fmt``` in the chapter's Markdown.

    NumPy and PyTorch scalars are stored as Python numbers, so a format spec like ``:.3f`` works.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    bundle, metadata = format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipy_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
