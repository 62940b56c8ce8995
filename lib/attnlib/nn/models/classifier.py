"""A Transformer encoder that classifies token sequences (BERT-style, small)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from attnlib.nn.layers import TransformerEncoderLayer
from attnlib.nn.positional import LearnedPositionalEmbedding, SinusoidalPositionalEncoding


class EncoderClassifier(nn.Module):
    r"""Tokens -> embeddings + positions -> encoder layers -> pooled vector -> class logits.

    Pooling is either a learned ``[CLS]`` vector prepended to the sequence (its final state is
    the summary) or the mean over real (non-padding) tokens:
    $\bar h = \sum_t m_t h_t / \sum_t m_t$.

    Args:
        vocab_size, num_classes: V and C.
        d_model, num_heads, num_layers, dim_feedforward: sizes (FFN default 4E).
        max_len: longest input (without the CLS slot).
        pooling: ``"cls"`` or ``"mean"``.
        positional: ``"sinusoidal"`` or ``"learned"``.
        pad_id: if given, ``tokens == pad_id`` are masked when no padding mask is passed.
        norm_first: pre-LN (default) or post-LN layers.
    """

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        d_model: int = 64,
        num_heads: int = 4,
        num_layers: int = 2,
        dim_feedforward: int | None = None,
        max_len: int = 256,
        pooling: str = "cls",
        positional: str = "sinusoidal",
        pad_id: int | None = None,
        dropout: float = 0.0,
        norm_first: bool = True,
        fast: bool = True,
    ) -> None:
        super().__init__()
        if pooling not in ("cls", "mean"):
            raise ValueError(f"pooling must be 'cls' or 'mean', got {pooling!r}")
        if positional not in ("sinusoidal", "learned"):
            raise ValueError(f"positional must be 'sinusoidal' or 'learned', got {positional!r}")
        self.pooling, self.pad_id = pooling, pad_id
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.cls = nn.Parameter(torch.randn(1, 1, d_model) * 0.02) if pooling == "cls" else None
        n_pos = max_len + (pooling == "cls")
        self.pos = (
            SinusoidalPositionalEncoding(d_model, n_pos)
            if positional == "sinusoidal"
            else LearnedPositionalEmbedding(n_pos, d_model)
        )
        ff = 4 * d_model if dim_feedforward is None else dim_feedforward
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(
                d_model, num_heads, ff, dropout, "gelu", norm_first=norm_first, fast=fast
            )
            for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()
        self.head = nn.Linear(d_model, num_classes)

    def _encode(
        self, tokens: Tensor, key_padding_mask: Tensor | None, return_attention: bool
    ) -> tuple[Tensor, Tensor | None, list]:
        """Final-norm states (B, L', E), the padding mask over them, per-layer weights."""
        if tokens.dim() != 2:
            raise ValueError(f"tokens must be (B, L), got shape {tuple(tokens.shape)}")
        if key_padding_mask is None and self.pad_id is not None:
            key_padding_mask = tokens != self.pad_id
        if key_padding_mask is not None and key_padding_mask.shape != tokens.shape:
            raise ValueError(
                f"key_padding_mask {tuple(key_padding_mask.shape)} != tokens {tuple(tokens.shape)}"
            )
        B = tokens.shape[0]
        x = self.tok_emb(tokens)  # (B, L) -> (B, L, E)
        if self.cls is not None:
            x = torch.cat([self.cls.expand(B, -1, -1), x], dim=1)  # -> (B, 1 + L, E)
            if key_padding_mask is not None:
                real = torch.ones(B, 1, dtype=torch.bool, device=tokens.device)
                key_padding_mask = torch.cat([real, key_padding_mask], dim=1)  # (B, 1 + L)
        x = self.pos(x)
        attention = []
        for layer in self.layers:
            out = layer(x, src_key_padding_mask=key_padding_mask, need_weights=return_attention)
            x, w = out if return_attention else (out, None)
            attention.append(w)
        return self.norm(x), key_padding_mask, attention

    def token_states(
        self,
        tokens: Tensor,
        key_padding_mask: Tensor | None = None,
        return_attention: bool = False,
    ) -> Tensor | tuple[Tensor, list[Tensor]]:
        """Per-token outputs (B, L', E) before pooling (L' = L + 1 with the CLS slot first).

        With ``return_attention`` also the per-layer weights, as in :meth:`forward`.
        """
        states, _, attention = self._encode(tokens, key_padding_mask, return_attention)
        return (states, attention) if return_attention else states

    def masked_token_logits(self, tokens: Tensor, key_padding_mask: Tensor | None = None) -> Tensor:
        r"""Vocabulary logits at every token, the input embedding reused as output layer.

        $z_t = h_t W_{\text{emb}}^\top / \sqrt{E}$ (weight tying, as BERT's masked-token head
        without its extra transform): (B, L, E) @ (E, V) -> (B, L, V); the CLS slot is left out.
        """
        states = self.token_states(tokens, key_padding_mask)  # (B, L', E)
        if self.cls is not None:
            states = states[:, 1:]  # (B, L, E): drop the CLS slot
        E = states.shape[-1]
        return states @ self.tok_emb.weight.T / E**0.5  # (B, L, E) @ (E, V) -> (B, L, V)

    def forward(
        self,
        tokens: Tensor,
        key_padding_mask: Tensor | None = None,
        return_attention: bool = False,
    ) -> Tensor | tuple[Tensor, list[Tensor]]:
        """tokens (B, L) -> logits (B, C); ``key_padding_mask`` (B, L) ``True`` = real token.

        With ``return_attention`` also a list (per layer) of weights (B, H, L', L'), where
        L' = L + 1 with a CLS slot at index 0.
        """
        x, key_padding_mask, attention = self._encode(tokens, key_padding_mask, return_attention)
        if self.cls is not None:
            pooled = x[:, 0]  # (B, E): the CLS slot
        elif key_padding_mask is None:
            pooled = x.mean(dim=1)  # (B, L, E) -> (B, E)
        else:
            m = key_padding_mask.unsqueeze(-1).to(x.dtype)  # (B, L, 1)
            pooled = (x * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)  # (B, E)
        logits = self.head(pooled)  # (B, E) -> (B, C)
        return (logits, attention) if return_attention else logits
