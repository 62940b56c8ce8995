"""An encoder–decoder Transformer for sequence-to-sequence tasks (translation-style)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from attnlib.nn.kv_cache import KVCache
from attnlib.nn.layers import TransformerDecoderLayer, TransformerEncoderLayer
from attnlib.nn.positional import SinusoidalPositionalEncoding


class Seq2SeqTransformer(nn.Module):
    r"""The 2017 Transformer, small: an encoder reads the source, a decoder writes the target.

    $$p(y_t \mid y_{<t}, x) = \operatorname{softmax}\big(\mathrm{Dec}(y_{<t},
    \mathrm{Enc}(x))_t W_{\text{out}}\big)$$

    The decoder's self-attention is causal; its cross-attention (queries from the target, keys
    and values from the encoder's output, the "memory") sees every real source token.

    Args:
        src_vocab_size, tgt_vocab_size: vocabulary sizes.
        d_model, num_heads, num_encoder_layers, num_decoder_layers, dim_feedforward: sizes.
        max_len: longest source or target sequence.
        norm_first: pre-LN (default) or post-LN (the paper's) layers.
    """

    def __init__(
        self,
        src_vocab_size: int,
        tgt_vocab_size: int,
        d_model: int = 64,
        num_heads: int = 4,
        num_encoder_layers: int = 2,
        num_decoder_layers: int = 2,
        dim_feedforward: int | None = None,
        max_len: int = 256,
        dropout: float = 0.0,
        norm_first: bool = True,
        fast: bool = True,
    ) -> None:
        super().__init__()
        ff = 4 * d_model if dim_feedforward is None else dim_feedforward
        self.src_emb = nn.Embedding(src_vocab_size, d_model)
        self.tgt_emb = nn.Embedding(tgt_vocab_size, d_model)
        self.pos = SinusoidalPositionalEncoding(d_model, max_len)
        kw = dict(dropout=dropout, activation="relu", norm_first=norm_first, fast=fast)
        self.encoder = nn.ModuleList(
            TransformerEncoderLayer(d_model, num_heads, ff, **kw) for _ in range(num_encoder_layers)
        )
        self.decoder = nn.ModuleList(
            TransformerDecoderLayer(d_model, num_heads, ff, **kw) for _ in range(num_decoder_layers)
        )
        self.enc_norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()
        self.dec_norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()
        self.out = nn.Linear(d_model, tgt_vocab_size)

    def encode(
        self, src: Tensor, src_key_padding_mask: Tensor | None = None, attention: dict | None = None
    ) -> Tensor:
        """src (B, S) -> memory (B, S, E). ``src_key_padding_mask`` (B, S): ``True`` = real."""
        x = self.pos(self.src_emb(src))  # (B, S) -> (B, S, E)
        for layer in self.encoder:
            out = layer(
                x, src_key_padding_mask=src_key_padding_mask, need_weights=attention is not None
            )
            if attention is not None:
                out, w = out
                attention["encoder"].append(w)
            x = out
        return self.enc_norm(x)

    def decode(
        self,
        tgt: Tensor,
        memory: Tensor,
        memory_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        attention: dict | None = None,
        kv_caches: list[KVCache] | None = None,
    ) -> Tensor:
        """tgt (B, L) and memory (B, S, E) -> logits (B, L, V_tgt).

        With ``kv_caches`` (one per decoder layer) ``tgt`` holds only the new tokens.
        """
        past = 0 if kv_caches is None else len(kv_caches[0])
        x = self.pos(self.tgt_emb(tgt), offset=past)  # (B, L) -> (B, L, E)
        for i, layer in enumerate(self.decoder):
            padding = {
                "tgt_key_padding_mask": tgt_key_padding_mask,
                "memory_key_padding_mask": memory_key_padding_mask,
            }
            cache = None if kv_caches is None else kv_caches[i]
            need = attention is not None
            out = layer(x, memory, **padding, tgt_is_causal=True, need_weights=need, kv_cache=cache)
            if attention is not None:
                out, (w_self, w_cross) = out
                attention["decoder_self"].append(w_self)
                attention["cross"].append(w_cross)
            x = out
        return self.out(self.dec_norm(x))  # (B, L, E) -> (B, L, V_tgt)

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        return_attention: bool = False,
    ) -> Tensor | tuple[Tensor, dict[str, list[Tensor]]]:
        """Teacher forcing: src (B, S), tgt (B, L) -> logits (B, L, V_tgt).

        With ``return_attention`` also ``{"encoder": [(B, H, S, S)], "decoder_self":
        [(B, H, L, L)], "cross": [(B, H, L, S)]}``, one entry per layer.
        """
        if src.dim() != 2 or tgt.dim() != 2 or src.shape[0] != tgt.shape[0]:
            raise ValueError(
                f"src and tgt must be (B, S) and (B, L), got {tuple(src.shape)}, {tuple(tgt.shape)}"
            )
        attention = {"encoder": [], "decoder_self": [], "cross": []} if return_attention else None
        memory = self.encode(src, src_key_padding_mask, attention)
        logits = self.decode(tgt, memory, src_key_padding_mask, tgt_key_padding_mask, attention)
        return (logits, attention) if return_attention else logits

    @torch.no_grad()
    def greedy_decode(
        self,
        src: Tensor,
        max_len: int,
        bos_id: int,
        eos_id: int | None = None,
        src_key_padding_mask: Tensor | None = None,
        use_cache: bool = True,
    ) -> Tensor:
        """Greedy decoding: start from ``bos_id``, append the argmax token until ``eos_id``
        (every sequence) or ``max_len`` tokens. Returns (B, T <= max_len), BOS included;
        after a sequence's EOS the rest of its row is ``eos_id``. With ``use_cache`` each step
        feeds only the newest token to the decoder (a :class:`KVCache` per layer).
        """
        memory = self.encode(src, src_key_padding_mask)  # (B, S, E), computed once
        caches = [KVCache() for _ in self.decoder] if use_cache else None
        ys = torch.full((src.shape[0], 1), bos_id, dtype=torch.long, device=src.device)
        done = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
        while ys.shape[1] < max_len:
            new = ys[:, -1:] if use_cache else ys
            logits = self.decode(new, memory, src_key_padding_mask, kv_caches=caches)[:, -1]
            next_id = logits.argmax(dim=-1)  # (B,)
            if eos_id is not None:
                next_id = next_id.masked_fill(done, eos_id)
                done = done | (next_id == eos_id)
            ys = torch.cat([ys, next_id[:, None]], dim=1)  # (B, T) -> (B, T + 1)
            if eos_id is not None and bool(done.all()):
                break
        return ys
