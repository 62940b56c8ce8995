"""PyTorch attention modules, from readable to fused.

Every module has a readable ("manual") path and a fast path through
``torch.nn.functional.scaled_dot_product_attention``; tests check that they agree, and that
:class:`MultiHeadAttention` and the layers equal PyTorch's own modules on the same weights.
Masks: boolean ``True`` = may attend (``key_padding_mask``: ``True`` = real token).
"""

from attnlib.amp import amp_dtype, autocast
from attnlib.nn.functional import causal_mask, scaled_dot_product_attention
from attnlib.nn.kv_cache import KVCache
from attnlib.nn.layers import TransformerDecoderLayer, TransformerEncoderLayer
from attnlib.nn.mha import MultiHeadAttention
from attnlib.nn.models import (
    CausalLM,
    EncoderClassifier,
    Seq2SeqTransformer,
    VisionTransformer,
    patchify,
    sample_next,
)
from attnlib.nn.positional import (
    ALiBi,
    LearnedPositionalEmbedding,
    RotaryEmbedding,
    SinusoidalPositionalEncoding,
    alibi_bias,
    alibi_slopes,
)

__all__ = [
    "ALiBi",
    "CausalLM",
    "EncoderClassifier",
    "KVCache",
    "LearnedPositionalEmbedding",
    "MultiHeadAttention",
    "RotaryEmbedding",
    "Seq2SeqTransformer",
    "SinusoidalPositionalEncoding",
    "TransformerDecoderLayer",
    "TransformerEncoderLayer",
    "VisionTransformer",
    "alibi_bias",
    "alibi_slopes",
    "amp_dtype",
    "autocast",
    "causal_mask",
    "patchify",
    "sample_next",
    "scaled_dot_product_attention",
]
