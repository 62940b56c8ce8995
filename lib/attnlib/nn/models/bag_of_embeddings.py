"""A bag of embeddings: the attention encoder's embeddings and head, with no attention at all."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class MeanEmbeddingClassifier(nn.Module):
    r"""Tokens -> embeddings -> mean over real tokens -> MLP -> class logits.

    $\bar e = \sum_t m_t e_{x_t} / \sum_t m_t$, then $\mathrm{logits} = W_2\,\mathrm{GELU}(W_1 \bar e)$.
    Word order is ignored, and no token looks at another: it is the control that shows what the
    attention layers of :class:`attnlib.nn.EncoderClassifier` add on top of the same embeddings.

    Args:
        vocab_size, num_classes: V and C.
        d_model: E, the embedding size.
        hidden: the MLP's hidden width (choose it to match another model's parameter count).
    """

    def __init__(self, vocab_size: int, num_classes: int, d_model: int = 32, hidden: int = 64):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, hidden), nn.GELU(), nn.Linear(hidden, num_classes)
        )

    def forward(self, tokens: Tensor, key_padding_mask: Tensor) -> Tensor:
        """tokens (B, L), key_padding_mask (B, L) bool, ``True`` = real token -> logits (B, C)."""
        if tokens.dim() != 2:
            raise ValueError(f"tokens must be (B, L), got shape {tuple(tokens.shape)}")
        if key_padding_mask.shape != tokens.shape:
            raise ValueError(
                f"key_padding_mask {tuple(key_padding_mask.shape)} != tokens {tuple(tokens.shape)}"
            )
        if key_padding_mask.dtype != torch.bool:
            raise ValueError(f"key_padding_mask must be bool, got {key_padding_mask.dtype}")
        m = key_padding_mask.unsqueeze(-1).to(self.tok_emb.weight.dtype)  # (B, L, 1)
        x = self.tok_emb(tokens)  # (B, L) -> (B, L, E)
        pooled = (x * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)  # (B, E)
        return self.mlp(pooled)  # (B, E) -> (B, C)
