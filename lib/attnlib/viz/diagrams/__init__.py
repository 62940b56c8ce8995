"""Explanatory diagrams drawn from the library's own arrays, so a picture cannot drift from the code.

Every function returns a Matplotlib Figure on a white card (readable in light and dark pages);
:func:`show` displays one as SVG in a notebook and :func:`save` writes SVG or 2x PNG.
"""

from attnlib.viz.diagrams._show import save, show, to_svg
from attnlib.viz.diagrams._style import CMAP, COLORS
from attnlib.viz.diagrams.anomaly import anomaly_pipeline
from attnlib.viz.diagrams.basics import additive_vs_dot, rnn_bottleneck, soft_lookup
from attnlib.viz.diagrams.beams import beam_tree
from attnlib.viz.diagrams.blocks import backward_graph, encoder_decoder, transformer_block
from attnlib.viz.diagrams.computation import (
    attention_pipeline,
    qkv_projections,
    softmax_saturation,
)
from attnlib.viz.diagrams.conv_attention import cnn_attention_blocks
from attnlib.viz.diagrams.documents import topic_pipeline
from attnlib.viz.diagrams.feature_tokens import feature_tokenization
from attnlib.viz.diagrams.flash import flash_tiles, online_softmax_states, online_softmax_trace
from attnlib.viz.diagrams.heads import kv_cache_growth, mqa_gqa_sharing, multihead_split_merge
from attnlib.viz.diagrams.masks import mask_grids
from attnlib.viz.diagrams.patches import time_series_patching, vit_patching
from attnlib.viz.diagrams.positions import alibi_grid, rope_pairs, sinusoidal_encodings
from attnlib.viz.diagrams.roads import traffic_tokens
from attnlib.viz.diagrams.roles import role_tagging
from attnlib.viz.diagrams.sequences import masked_pretraining, sasrec_histories
from attnlib.viz.diagrams.span_pointer import pointer_span
from attnlib.viz.diagrams.summary_pipeline import summary_pipeline
from attnlib.viz.diagrams.worked import worked_example_flow

#: Every diagram function, by name (the tests draw each one).
DIAGRAMS = {
    f.__name__: f
    for f in (soft_lookup, rnn_bottleneck, additive_vs_dot, qkv_projections, attention_pipeline,
              softmax_saturation, mask_grids, multihead_split_merge, kv_cache_growth,
              mqa_gqa_sharing, sinusoidal_encodings, rope_pairs, alibi_grid,
              transformer_block, encoder_decoder, backward_graph,
              flash_tiles, online_softmax_trace, vit_patching, time_series_patching,
              sasrec_histories, masked_pretraining, worked_example_flow, feature_tokenization,
              anomaly_pipeline, role_tagging, pointer_span,
              traffic_tokens, beam_tree,
              topic_pipeline, cnn_attention_blocks,
              summary_pipeline)
}  # fmt: skip

#: The chapter (path under chapters/, no suffix) each diagram is drawn for.
CHAPTERS = {
    "soft_lookup": "background/background",
    "rnn_bottleneck": "background/background",
    "additive_vs_dot": "background/background",
    "qkv_projections": "mathematics/mathematics",
    "attention_pipeline": "mathematics/mathematics",
    "softmax_saturation": "mathematics/mathematics",
    "worked_example_flow": "worked_example/worked_example",
    "mask_grids": "code/numpy_from_scratch",
    "backward_graph": "code/backprop_by_hand",
    "multihead_split_merge": "code/multi_head",
    "sinusoidal_encodings": "code/positions",
    "rope_pairs": "code/positions",
    "alibi_grid": "code/positions",
    "transformer_block": "code/transformer_block",
    "flash_tiles": "code/flash_attention",
    "online_softmax_trace": "code/flash_attention",
    "kv_cache_growth": "code/inference_kv_cache",
    "mqa_gqa_sharing": "code/inference_kv_cache",
    "encoder_decoder": "applications/translation",
    "vit_patching": "applications/vision",
    "cnn_attention_blocks": "applications/cnn_attention",
    "time_series_patching": "applications/time_series",
    "sasrec_histories": "applications/recommendation",
    "masked_pretraining": "applications/pretraining",
    "feature_tokenization": "applications/medicine",
    "anomaly_pipeline": "applications/anomaly_detection",
    "role_tagging": "applications/role_labelling",
    "pointer_span": "applications/reading",
    "traffic_tokens": "applications/traffic",
    "beam_tree": "modern/speculative_decoding",
    "topic_pipeline": "applications/topic_classification",
    "summary_pipeline": "applications/summarization",
}

__all__ = ["CHAPTERS", "CMAP", "COLORS", "DIAGRAMS", "online_softmax_states", "save", "show", "to_svg",
           *DIAGRAMS]  # fmt: skip
