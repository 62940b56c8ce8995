"""Plots and widgets for the chapters: attention heatmaps, timelines, interactive explorers."""

from attnlib.viz import diagrams as diagrams
from attnlib.viz.heatmap import attention_heatmap, row_entropy, to_numpy
from attnlib.viz.interactive import attention_explorer, masked_scaled_weights
from attnlib.viz.tables import matrix_markdown
from attnlib.viz.timeline import timeline

__all__ = [
    "attention_heatmap",
    "row_entropy",
    "to_numpy",
    "attention_explorer",
    "masked_scaled_weights",
    "matrix_markdown",
    "timeline",
]
