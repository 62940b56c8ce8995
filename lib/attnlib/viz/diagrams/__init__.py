"""Explanatory diagrams drawn from the library's own arrays, so a picture cannot drift from the code.

Every function returns a Matplotlib Figure on a white card (readable in light and dark pages);
:func:`show` displays one as SVG in a notebook and :func:`save` writes SVG or 2x PNG.
"""

from attnlib.viz.diagrams._show import save, show, to_svg
from attnlib.viz.diagrams._style import CMAP, COLORS
from attnlib.viz.diagrams.applications import (
    masked_pretraining,
    sasrec_histories,
    time_series_patching,
    vit_patching,
)
from attnlib.viz.diagrams.basics import (
    additive_vs_dot,
    qkv_projections,
    rnn_bottleneck,
    soft_lookup,
)
from attnlib.viz.diagrams.blocks import backward_graph, encoder_decoder, transformer_block
from attnlib.viz.diagrams.computation import attention_pipeline, softmax_saturation
from attnlib.viz.diagrams.flash import flash_tiles, online_softmax_states, online_softmax_trace
from attnlib.viz.diagrams.heads import kv_cache_growth, mqa_gqa_sharing, multihead_split_merge
from attnlib.viz.diagrams.masks import mask_grids
from attnlib.viz.diagrams.positions import alibi_grid, rope_pairs, sinusoidal_encodings
from attnlib.viz.diagrams.worked import worked_example_flow

#: Every diagram function, by name (the tests draw each one).
DIAGRAMS = {
    f.__name__: f
    for f in (soft_lookup, rnn_bottleneck, additive_vs_dot, qkv_projections, attention_pipeline,
              softmax_saturation, mask_grids, multihead_split_merge, kv_cache_growth,
              mqa_gqa_sharing, sinusoidal_encodings, rope_pairs, alibi_grid,
              transformer_block, encoder_decoder, backward_graph,
              flash_tiles, online_softmax_trace, vit_patching, time_series_patching,
              sasrec_histories, masked_pretraining, worked_example_flow)
}  # fmt: skip

__all__ = ["CMAP", "COLORS", "DIAGRAMS", "online_softmax_states", "save", "show", "to_svg",
           *DIAGRAMS]  # fmt: skip
