"""Transformer encoder and decoder blocks in NumPy, post-LN (the paper) or pre-LN (modern practice).

Post-LN (Vaswani et al., 2017): ``x = LN(x + Sublayer(x))``.
Pre-LN (GPT-2 onwards): ``x = x + Sublayer(LN(x))``; it trains without learning-rate warm-up
because the residual path is never normalised (Xiong et al., 2020).
"""

from __future__ import annotations

import numpy as np

from .layers import feed_forward, layer_norm
from .masks import causal_mask
from .multihead import MultiHeadAttention


def _np(t) -> np.ndarray:
    return t.detach().cpu().numpy().copy()


def _torch_activation_name(layer) -> str:
    act = layer.activation
    name = getattr(act, "__name__", type(act).__name__).lower()
    if "gelu" in name and getattr(act, "approximate", "none") == "none":
        return "gelu"
    if "relu" in name:
        return "relu"
    raise ValueError(f"unsupported activation {act!r}: use relu or exact gelu")


class _Block:
    """Shared parts: sublayer norms, the feed-forward network, residual wiring."""

    def _init_common(self, E, ff_dim, n_norms, norm_first, activation, eps, rng, dtype):
        self.norm_first, self.activation, self.eps = norm_first, activation, eps
        bound1, bound2 = 1 / np.sqrt(E), 1 / np.sqrt(ff_dim)
        self.W1 = rng.uniform(-bound1, bound1, (E, ff_dim)).astype(dtype)  # (E, F)
        self.b1 = np.zeros(ff_dim, dtype=dtype)
        self.W2 = rng.uniform(-bound2, bound2, (ff_dim, E)).astype(dtype)  # (F, E)
        self.b2 = np.zeros(E, dtype=dtype)
        self.norms = [(np.ones(E, dtype=dtype), np.zeros(E, dtype=dtype)) for _ in range(n_norms)]

    def _load_common(self, layer, norms) -> None:
        self.W1, self.b1 = _np(layer.linear1.weight).T, _np(layer.linear1.bias)
        self.W2, self.b2 = _np(layer.linear2.weight).T, _np(layer.linear2.bias)
        self.norms = [(_np(n.weight), _np(n.bias)) for n in norms]
        self.eps = norms[0].eps

    def _residual(self, x, i, sublayer):
        """Post-LN: LN_i(x + f(x)); pre-LN: x + f(LN_i(x))."""
        gamma, beta = self.norms[i]
        if self.norm_first:
            return x + sublayer(layer_norm(x, gamma, beta, self.eps))
        return layer_norm(x + sublayer(x), gamma, beta, self.eps)

    def _ffn(self, x):
        return feed_forward(x, self.W1, self.b1, self.W2, self.b2, self.activation)


class EncoderBlock(_Block):
    r"""Self-attention then feed-forward, each with a residual connection and layer norm.

    $$h = x + \mathrm{MHA}(x),\ y = h + \mathrm{FFN}(h) \quad\text{(LN placed per norm_first)}$$

    Matches ``torch.nn.TransformerEncoderLayer(batch_first=True)`` in eval mode; load one with
    :meth:`from_torch`.
    """

    def __init__(self, embed_dim, num_heads, ff_dim=None, norm_first=False, activation="relu",
                 eps=1e-5, seed=0, dtype=np.float64):  # fmt: skip
        rng = np.random.default_rng(seed)
        self.self_attn = MultiHeadAttention(embed_dim, num_heads, seed=seed, dtype=dtype)
        self._init_common(
            embed_dim, ff_dim or 4 * embed_dim, 2, norm_first, activation, eps, rng, dtype
        )

    @classmethod
    def from_torch(cls, layer) -> EncoderBlock:
        """Copy a ``torch.nn.TransformerEncoderLayer`` (dropout is ignored: eval semantics)."""
        self = cls(layer.linear1.in_features, layer.self_attn.num_heads, norm_first=layer.norm_first,
                   activation=_torch_activation_name(layer))  # fmt: skip
        self.self_attn = MultiHeadAttention.from_torch(layer.self_attn)
        self._load_common(layer, [layer.norm1, layer.norm2])
        return self

    def forward(self, x, attn_mask=None, key_padding_mask=None, is_causal=False) -> np.ndarray:
        """x (B, L, E) -> (B, L, E). Masks use True = may attend (see MultiHeadAttention)."""
        if is_causal and attn_mask is not None:
            raise ValueError("pass either attn_mask or is_causal=True, not both")
        if is_causal:
            attn_mask = causal_mask(x.shape[-2])  # (L, L)
        x = self._residual(x, 0, lambda h: self.self_attn(h, h, h, attn_mask, key_padding_mask)[0])
        return self._residual(x, 1, self._ffn)

    __call__ = forward


class DecoderBlock(_Block):
    r"""Causal self-attention, cross-attention to the encoder memory, then feed-forward.

    $$h_1 = x + \mathrm{MHA}_{\text{causal}}(x),\ h_2 = h_1 + \mathrm{MHA}(h_1, m, m),\
    y = h_2 + \mathrm{FFN}(h_2)$$

    Matches ``torch.nn.TransformerDecoderLayer(batch_first=True)`` in eval mode with
    ``tgt_is_causal=True`` semantics.
    """

    def __init__(self, embed_dim, num_heads, ff_dim=None, norm_first=False, activation="relu",
                 eps=1e-5, seed=0, dtype=np.float64):  # fmt: skip
        rng = np.random.default_rng(seed)
        self.self_attn = MultiHeadAttention(embed_dim, num_heads, seed=seed, dtype=dtype)
        self.cross_attn = MultiHeadAttention(embed_dim, num_heads, seed=seed + 1, dtype=dtype)
        self._init_common(
            embed_dim, ff_dim or 4 * embed_dim, 3, norm_first, activation, eps, rng, dtype
        )

    @classmethod
    def from_torch(cls, layer) -> DecoderBlock:
        """Copy a ``torch.nn.TransformerDecoderLayer`` (dropout is ignored: eval semantics)."""
        self = cls(layer.linear1.in_features, layer.self_attn.num_heads, norm_first=layer.norm_first,
                   activation=_torch_activation_name(layer))  # fmt: skip
        self.self_attn = MultiHeadAttention.from_torch(layer.self_attn)
        self.cross_attn = MultiHeadAttention.from_torch(layer.multihead_attn)
        self._load_common(layer, [layer.norm1, layer.norm2, layer.norm3])
        return self

    def forward(self, x, memory, tgt_key_padding_mask=None, memory_key_padding_mask=None,
                causal=True) -> np.ndarray:  # fmt: skip
        """x (B, L, E), memory (B, S, E) -> (B, L, E). Padding masks: True = real token."""
        self_mask = causal_mask(x.shape[-2]) if causal else None  # (L, L)
        x = self._residual(
            x, 0, lambda h: self.self_attn(h, h, h, self_mask, tgt_key_padding_mask)[0]
        )
        x = self._residual(
            x, 1, lambda h: self.cross_attn(h, memory, memory, None, memory_key_padding_mask)[0]
        )
        return self._residual(x, 2, self._ffn)

    __call__ = forward
