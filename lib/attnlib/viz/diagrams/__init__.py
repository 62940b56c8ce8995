"""Explanatory diagrams drawn from the library's own arrays, so a picture cannot drift from the code.

Every function returns a Matplotlib Figure on a white card (readable in light and dark pages);
:func:`show` displays one as SVG in a notebook and :func:`save` writes SVG or 2x PNG.
"""

from attnlib.viz.diagrams._show import save, show, to_svg
from attnlib.viz.diagrams._style import CMAP, COLORS
from attnlib.viz.diagrams.basics import (
    additive_vs_dot,
    qkv_projections,
    rnn_bottleneck,
    soft_lookup,
)
from attnlib.viz.diagrams.computation import attention_pipeline, softmax_saturation
from attnlib.viz.diagrams.heads import kv_cache_growth, mqa_gqa_sharing, multihead_split_merge
from attnlib.viz.diagrams.masks import mask_grids
from attnlib.viz.diagrams.positions import alibi_grid, rope_pairs, sinusoidal_encodings

#: Every diagram function, by name (the tests draw each one).
DIAGRAMS = {
    f.__name__: f
    for f in (soft_lookup, rnn_bottleneck, additive_vs_dot, qkv_projections, attention_pipeline,
              softmax_saturation, mask_grids, multihead_split_merge, kv_cache_growth,
              mqa_gqa_sharing, sinusoidal_encodings, rope_pairs, alibi_grid)
}  # fmt: skip

__all__ = ["CMAP", "COLORS", "DIAGRAMS", "save", "show", "to_svg", *DIAGRAMS]
