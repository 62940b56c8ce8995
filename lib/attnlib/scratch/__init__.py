"""Attention from scratch in NumPy: the readable reference every chapter builds on.

Each module holds one concept; every function is tested against PyTorch in float64.
"""

from __future__ import annotations

from .attention import scaled_dot_product_attention
from .backward import mha_backward, sdpa_backward, softmax_backward
from .heads import merge_heads, split_heads
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
from .softmax import log_softmax, softmax
from .tiled import tiled_attention, tiled_attention_backward

__all__ = [
    "MultiHeadAttention",
    "OnlineSoftmax",
    "additive_to_bool",
    "blocked_to_allowed",
    "bool_to_additive",
    "causal_mask",
    "key_padding_to_attn_mask",
    "lengths_to_mask",
    "log_softmax",
    "merge_heads",
    "mha_backward",
    "scaled_dot_product_attention",
    "sdpa_backward",
    "softmax",
    "softmax_backward",
    "split_heads",
    "tiled_attention",
    "tiled_attention_backward",
]
