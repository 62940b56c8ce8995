"""Attention from scratch in NumPy: the readable reference every chapter builds on.

Each module holds one concept; every function is tested against PyTorch in float64.
"""

from __future__ import annotations

from .attention import scaled_dot_product_attention
from .backward import mha_backward, sdpa_backward, softmax_backward
from .blocks import DecoderBlock, EncoderBlock
from .classic import AdditiveAttention, additive_attention, luong_score
from .heads import merge_heads, split_heads
from .layers import feed_forward, gelu, layer_norm
from .masks import (
    additive_to_bool,
    blocked_to_allowed,
    bool_to_additive,
    causal_mask,
    key_padding_to_attn_mask,
    lengths_to_mask,
)
from .multihead import MultiHeadAttention
from .online_softmax import OnlineSoftmax
from .positional import (
    LearnedPositionalEmbedding,
    alibi_bias,
    alibi_slopes,
    rope,
    rope_angles,
    rope_rotation,
    sinusoidal_encoding,
)
from .softmax import log_softmax, softmax
from .tiled import tiled_attention, tiled_attention_backward

__all__ = [
    "AdditiveAttention",
    "DecoderBlock",
    "EncoderBlock",
    "LearnedPositionalEmbedding",
    "MultiHeadAttention",
    "OnlineSoftmax",
    "additive_attention",
    "additive_to_bool",
    "alibi_bias",
    "alibi_slopes",
    "blocked_to_allowed",
    "bool_to_additive",
    "causal_mask",
    "feed_forward",
    "gelu",
    "key_padding_to_attn_mask",
    "layer_norm",
    "lengths_to_mask",
    "log_softmax",
    "luong_score",
    "merge_heads",
    "mha_backward",
    "rope",
    "rope_angles",
    "rope_rotation",
    "scaled_dot_product_attention",
    "sdpa_backward",
    "sinusoidal_encoding",
    "softmax",
    "softmax_backward",
    "split_heads",
    "tiled_attention",
    "tiled_attention_backward",
]
