"""Transformer encoder and decoder blocks in NumPy, post-LN (the paper) or pre-LN (modern practice).

Post-LN (Vaswani et al., 2017): ``x = LN(x + Sublayer(x))``.
Pre-LN (GPT-2 onwards): ``x = x + Sublayer(LN(x))``; it trains without learning-rate warm-up
because the residual path is never normalised (Xiong et al., 2020).

Constructors and ``forward`` take the arguments of ``torch.nn.TransformerEncoderLayer`` /
``TransformerDecoderLayer`` (and of :mod:`attnlib.nn`'s layers), batch first, in eval mode.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_flag, check_size
from .layers import ACTIVATIONS, feed_forward, layer_norm
from .multihead import MultiHeadAttention, _numpy


class _Block:
    """Shared parts: attention modules, sublayer norms, the feed-forward network, residual wiring."""

    attn_names: tuple[str, ...] = ()

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.0,
        activation: str = "relu",
        layer_norm_eps: float = 1e-5,
        norm_first: bool = False,
        bias: bool = True,
        *,
        seed: int = 0,
        dtype: type = np.float64,
    ) -> None:
        d_model, nhead = check_size("d_model", d_model, 1), check_size("nhead", nhead, 1)
        F = check_size("dim_feedforward", dim_feedforward, 1)
        if dropout != 0.0:
            raise ValueError(
                f"the NumPy blocks run in eval mode: dropout must be 0.0, got {dropout}"
            )
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.norm_first, self.activation = check_flag("norm_first", norm_first), activation
        self.eps = layer_norm_eps
        for i, name in enumerate(self.attn_names):
            setattr(
                self,
                name,
                MultiHeadAttention(d_model, nhead, bias=bias, seed=seed + i, dtype=dtype),
            )
        rng = np.random.default_rng(seed)
        bound1, bound2 = 1 / np.sqrt(d_model), 1 / np.sqrt(F)
        self.W1 = rng.uniform(-bound1, bound1, (d_model, F)).astype(dtype)  # (E, F)
        self.b1 = np.zeros(F, dtype=dtype)
        self.W2 = rng.uniform(-bound2, bound2, (F, d_model)).astype(dtype)  # (F, E)
        self.b2 = np.zeros(d_model, dtype=dtype)
        ones, zeros = np.ones(d_model, dtype=dtype), np.zeros(d_model, dtype=dtype)
        self.norms = [(ones.copy(), zeros.copy()) for _ in range(len(self.attn_names) + 1)]

    def load_torch_state_dict(self, state_dict: dict) -> None:
        """Copy the weights of PyTorch's layer of the same kind from its state dict.

        Attention weights go through :meth:`MultiHeadAttention.load_torch_state_dict`; a missing
        bias (``bias=False``) loads as zeros.
        """
        sd = {name: _numpy(t) for name, t in state_dict.items()}
        for name in self.attn_names:
            prefix = name.replace("cross_attn", "multihead_attn") + "."
            part = {k[len(prefix) :]: v for k, v in sd.items() if k.startswith(prefix)}
            getattr(self, name).load_torch_state_dict(part)
        own = {k: v for k, v in sd.items() if not k.startswith(("self_attn.", "multihead_attn."))}
        n = len(self.norms)
        expected = {
            "linear1.weight",
            "linear2.weight",
            *(f"norm{i}.weight" for i in range(1, n + 1)),
        }
        if not expected <= set(own):
            raise ValueError(f"state dict lacks {sorted(expected - set(own))}")
        W1, W2 = own["linear1.weight"].T, own["linear2.weight"].T  # (out, in) -> (in, out)
        if W1.shape[0] != self.W1.shape[0] or W2.shape != W1.shape[::-1]:
            raise ValueError(
                f"linear1.weight {W1.T.shape} and linear2.weight {W2.T.shape} do not fit "
                f"d_model={self.W1.shape[0]}"
            )
        self.W1, self.W2 = W1.copy(), W2.copy()
        self.b1 = own.get("linear1.bias", np.zeros(W1.shape[1], dtype=W1.dtype))
        self.b2 = own.get("linear2.bias", np.zeros(W2.shape[1], dtype=W2.dtype))
        self.norms = [
            (
                own[f"norm{i}.weight"],
                own.get(f"norm{i}.bias", np.zeros_like(own[f"norm{i}.weight"])),
            )
            for i in range(1, n + 1)
        ]

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

    ``EncoderBlock(d_model, nhead, dim_feedforward=2048, dropout=0.0, activation="relu",
    layer_norm_eps=1e-5, norm_first=False, bias=True)`` matches
    ``torch.nn.TransformerEncoderLayer(batch_first=True)`` in eval mode; load its weights with
    :meth:`load_torch_state_dict`.
    """

    attn_names = ("self_attn",)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False) -> np.ndarray:
        """src (B, L, E) -> (B, L, E). Masks use True = may attend / real token.

        ``is_causal`` adds ``causal_mask(L)`` to ``src_mask`` (both may be given).
        """

        def sa(h):
            return self.self_attn(h, h, h, src_mask, src_key_padding_mask, is_causal=is_causal)[0]

        return self._residual(self._residual(src, 0, sa), 1, self._ffn)

    __call__ = forward


class DecoderBlock(_Block):
    r"""Causal self-attention, cross-attention to the encoder memory, then feed-forward.

    $$h_1 = x + \mathrm{MHA}_{\text{causal}}(x),\ h_2 = h_1 + \mathrm{MHA}(h_1, m, m),\
    y = h_2 + \mathrm{FFN}(h_2)$$

    Constructor and ``forward`` match ``torch.nn.TransformerDecoderLayer(batch_first=True)`` in
    eval mode; as there, self-attention is causal only with ``tgt_is_causal=True`` (or a mask).
    """

    attn_names = ("self_attn", "cross_attn")

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
        tgt_is_causal=False,
    ) -> np.ndarray:
        """tgt (B, L, E), memory (B, S, E) -> (B, L, E). Masks: True = may attend / real token."""

        def sa(h):
            return self.self_attn(h, h, h, tgt_mask, tgt_key_padding_mask, is_causal=tgt_is_causal)[
                0
            ]

        def ca(h):
            return self.cross_attn(h, memory, memory, memory_mask, memory_key_padding_mask)[0]

        return self._residual(self._residual(self._residual(tgt, 0, sa), 1, ca), 2, self._ffn)

    __call__ = forward
