"""Transformer encoder and decoder layers, pre-LN or post-LN, equal to PyTorch's on the same weights.

Submodule names follow ``torch.nn.TransformerEncoderLayer`` / ``TransformerDecoderLayer``
(``self_attn``, ``multihead_attn``, ``linear1``, ``linear2``, ``norm1..3``), so their state dicts
load with :meth:`load_torch_state_dict`.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from attnlib.nn.kv_cache import KVCache
from attnlib.nn.mha import MultiHeadAttention
from attnlib.nn.positional import RotaryEmbedding
from attnlib.scratch._checks import check_size

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


class _Layer(nn.Module):
    """Shared parts: the feed-forward network and state-dict loading."""

    def _init_ffn(self, d_model, dim_feedforward, dropout, activation, eps, bias, norms) -> None:
        check_size("dim_feedforward", dim_feedforward, 1)
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}"
            )
        self.activation = _ACTIVATIONS[activation]
        self.linear1 = nn.Linear(d_model, dim_feedforward, bias=bias)
        self.linear2 = nn.Linear(dim_feedforward, d_model, bias=bias)
        self.dropout = nn.Dropout(dropout)
        for i in range(1, norms + 1):
            setattr(self, f"norm{i}", nn.LayerNorm(d_model, eps=eps, bias=bias))

    def _ff(self, x: Tensor) -> Tensor:
        r"""$\mathrm{FFN}(x) = W_2\,\sigma(W_1 x + b_1) + b_2$.  (B, L, E) -> (B, L, E)."""
        return self.linear2(self.dropout(self.activation(self.linear1(x))))

    def _residual(self, x: Tensor, norm: nn.LayerNorm, sublayer) -> Tensor:
        """Post-LN: ``norm(x + f(x))``; pre-LN: ``x + f(norm(x))``. (B, L, E) -> (B, L, E)."""
        if self.norm_first:
            return x + sublayer(norm(x))
        return norm(x + sublayer(x))

    def load_torch_state_dict(self, state_dict: dict[str, Tensor]) -> None:
        """Load a ``torch.nn.TransformerEncoderLayer``/``DecoderLayer`` state dict."""
        attn_names = own_attn(self)
        own = {k: v for k, v in state_dict.items() if k.split(".")[0] not in attn_names}
        for name in attn_names:
            prefix, attn = name + ".", getattr(self, name)
            attn.load_torch_state_dict(
                {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
            )
            own.update({prefix + k: v for k, v in attn.state_dict().items()})
        self.load_state_dict(own)

    def torch_state_dict(self) -> dict[str, Tensor]:
        """Weights under the names of PyTorch's layer of the same kind."""
        attn_names = own_attn(self)
        sd = {k: v for k, v in self.state_dict().items() if k.split(".")[0] not in attn_names}
        for name in attn_names:
            sd.update({f"{name}.{k}": v for k, v in getattr(self, name).torch_state_dict().items()})
        return sd


def own_attn(layer: nn.Module) -> list[str]:
    """Names of a layer's attention submodules."""
    return [n for n, m in layer.named_children() if isinstance(m, MultiHeadAttention)]


class TransformerEncoderLayer(_Layer):
    r"""Self-attention then a feed-forward network, each with a residual connection and LayerNorm.

    Post-LN (the 2017 paper): $x \leftarrow \mathrm{LN}(x + \mathrm{SA}(x))$,
    $x \leftarrow \mathrm{LN}(x + \mathrm{FFN}(x))$.
    Pre-LN (GPT-2 and most current models): $x \leftarrow x + \mathrm{SA}(\mathrm{LN}(x))$,
    $x \leftarrow x + \mathrm{FFN}(\mathrm{LN}(x))$.

    Inputs are batch-first (B, L, E). Dropout defaults to 0 (PyTorch's default is 0.1).
    """

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
        num_kv_heads: int | None = None,
        rotary: RotaryEmbedding | None = None,
        fast: bool = True,
    ) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.self_attn = MultiHeadAttention(
            d_model, nhead, num_kv_heads, bias=bias, dropout=dropout, fast=fast, rotary=rotary
        )
        self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout)
        self._init_ffn(d_model, dim_feedforward, dropout, activation, layer_norm_eps, bias, 2)

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
        need_weights: bool = False,
        kv_cache: KVCache | None = None,
    ) -> Tensor | tuple[Tensor, Tensor]:
        """src (B, L, E) -> (B, L, E); with ``need_weights`` also the weights (B, H, L, S).

        Masks: ``True`` = may attend / real token (see :class:`MultiHeadAttention`).
        """

        weights = []  # filled by sa: the self-attention weights, or None
        options = {"need_weights": need_weights, "average_attn_weights": False}

        def sa(h: Tensor) -> Tensor:
            mask, padding = src_mask, src_key_padding_mask
            out, w = self.self_attn(
                h, h, h, mask, padding, is_causal=is_causal, kv_cache=kv_cache, **options
            )
            weights.append(w)  # (B, H, L, S) or None
            return self.dropout1(out)

        x = self._residual(src, self.norm1, sa)
        x = self._residual(x, self.norm2, lambda h: self.dropout2(self._ff(h)))
        w = weights[0]
        return (x, w) if need_weights else x


class TransformerDecoderLayer(_Layer):
    r"""Masked self-attention, cross-attention to the encoder's memory, then a feed-forward network.

    Post-LN: $x \leftarrow \mathrm{LN}(x + \mathrm{SA}(x))$, $x \leftarrow \mathrm{LN}(x +
    \mathrm{CA}(x, m))$, $x \leftarrow \mathrm{LN}(x + \mathrm{FFN}(x))$; pre-LN moves each LN
    inside its branch. Inputs are batch-first; dropout defaults to 0.
    """

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
        fast: bool = True,
    ) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.self_attn = MultiHeadAttention(d_model, nhead, bias=bias, dropout=dropout, fast=fast)
        self.multihead_attn = MultiHeadAttention(
            d_model, nhead, bias=bias, dropout=dropout, fast=fast
        )
        self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout)
        self.dropout3 = nn.Dropout(dropout)
        self._init_ffn(d_model, dim_feedforward, dropout, activation, layer_norm_eps, bias, 3)

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        need_weights: bool = False,
        kv_cache: KVCache | None = None,
    ) -> Tensor | tuple[Tensor, tuple[Tensor, Tensor]]:
        """tgt (B, L, E), memory (B, S, E) -> (B, L, E).

        With ``need_weights`` also ``(self_weights (B, H, L, L), cross_weights (B, H, L, S))``.
        """

        weights = []  # filled by sa and ca: self- then cross-attention weights, or None
        options = {"need_weights": need_weights, "average_attn_weights": False}

        def sa(h: Tensor) -> Tensor:
            mask, padding, causal = tgt_mask, tgt_key_padding_mask, tgt_is_causal
            out, w = self.self_attn(
                h, h, h, mask, padding, is_causal=causal, kv_cache=kv_cache, **options
            )
            weights.append(w)  # (B, H, L, L) or None
            return self.dropout1(out)

        def ca(h: Tensor) -> Tensor:
            mask, padding = memory_mask, memory_key_padding_mask
            out, w = self.multihead_attn(h, memory, memory, mask, padding, **options)
            weights.append(w)  # (B, H, L, S) or None
            return self.dropout2(out)

        x = self._residual(tgt, self.norm1, sa)
        x = self._residual(x, self.norm2, ca)
        x = self._residual(x, self.norm3, lambda h: self.dropout3(self._ff(h)))
        w_self, w_cross = weights
        return (x, (w_self, w_cross)) if need_weights else x
