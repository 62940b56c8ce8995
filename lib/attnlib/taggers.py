"""Sequence taggers for role labelling: a Transformer encoder and a bidirectional GRU.

Both read word ids plus a predicate indicator (1 at the marked verb, 0 elsewhere, embedded and
added to each word vector) and return one vector of tag logits per token.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from attnlib.nn.layers import TransformerEncoderLayer
from attnlib.nn.positional import SinusoidalPositionalEncoding


def _check(tokens: Tensor, predicate: Tensor, mask: Tensor) -> None:
    if tokens.dim() != 2:
        raise ValueError(f"tokens must be (B, L), got shape {tuple(tokens.shape)}")
    for name, t in (("predicate", predicate), ("mask", mask)):
        if t.shape != tokens.shape:
            raise ValueError(f"{name} {tuple(t.shape)} != tokens {tuple(tokens.shape)}")
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must be bool (True = real token), got {mask.dtype}")


class EncoderTagger(nn.Module):
    r"""Words + predicate indicator + positions -> encoder layers -> per-token tag logits.

    $x_t = W_{\text{tok}}[w_t] + W_{\text{pred}}[\pi_t] + p_t$, then pre-LN encoder layers of
    self-attention (padding keys masked) and a linear classifier on every position.
    """

    def __init__(self, vocab_size: int, num_tags: int, d_model: int = 32, num_heads: int = 4,
                 num_layers: int = 2, max_len: int = 64) -> None:  # fmt: skip
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pred_emb = nn.Embedding(2, d_model)
        self.pos = SinusoidalPositionalEncoding(d_model, max_len)
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(d_model, num_heads, 4 * d_model, 0.0, "gelu", norm_first=True)
            for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, num_tags)

    def forward(self, tokens: Tensor, predicate: Tensor, mask: Tensor,
                return_attention: bool = False):  # fmt: skip
        """tokens, predicate (B, L) ints, mask (B, L) bool -> logits (B, L, T).

        With ``return_attention`` also a list (per layer) of weights (B, H, L, L).
        """
        _check(tokens, predicate, mask)
        x = self.pos(self.tok_emb(tokens) + self.pred_emb(predicate))  # (B, L, E)
        attention = []
        for layer in self.layers:
            out = layer(x, src_key_padding_mask=mask, need_weights=return_attention)
            x, w = out if return_attention else (out, None)
            attention.append(w)
        logits = self.head(self.norm(x))  # (B, L, E) -> (B, L, T)
        return (logits, attention) if return_attention else logits


class BiGRUTagger(nn.Module):
    r"""Words + predicate indicator -> bidirectional GRU -> per-token tag logits.

    $h_t = [\overrightarrow{h}_t; \overleftarrow{h}_t]$; padding is packed away so the backward
    GRU starts at each sentence's last real word, not at its padding.
    """

    def __init__(self, vocab_size: int, num_tags: int, d_model: int = 32,
                 hidden: int = 32) -> None:  # fmt: skip
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pred_emb = nn.Embedding(2, d_model)
        self.gru = nn.GRU(d_model, hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, num_tags)

    def forward(self, tokens: Tensor, predicate: Tensor, mask: Tensor) -> Tensor:
        """tokens, predicate (B, L) ints, mask (B, L) bool, real tokens first -> (B, L, T)."""
        _check(tokens, predicate, mask)
        x = self.tok_emb(tokens) + self.pred_emb(predicate)  # (B, L, E)
        lengths = mask.sum(1).cpu()  # (B,)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True,
                                                   enforce_sorted=False)  # fmt: skip
        out, _ = self.gru(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(
            out, batch_first=True, total_length=tokens.shape[1]
        )  # (B, L, 2H)
        return self.head(h)  # (B, L, 2H) -> (B, L, T)
