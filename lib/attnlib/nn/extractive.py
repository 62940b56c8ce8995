r"""Extractive summarization: score every sentence of a document, then keep the top k.

Each sentence becomes one vector, the mean of its word embeddings plus a learned embedding of
its position in the document, $x_n = \frac{1}{|s_n|}\sum_{w \in s_n} e_w + p_n$. Then

- :class:`SentenceEncoder` lets sentences attend to each other (Transformer encoder layers over
  the N sentence vectors, in the spirit of BERTSum's inter-sentence layers, Liu & Lapata 2019),
  so a sentence's score can depend on what else the document says;
- :class:`SentenceGRU` reads the sentence vectors with a bidirectional GRU (context, no
  attention);
- :class:`SentenceMLP` scores each sentence alone (no context).

All return one logit per sentence, (B, N), ``-inf`` at padding sentences; train with
:func:`sentence_loss` (binary cross-entropy against the gold labels).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from attnlib.nn.mha import MultiHeadAttention


class SentenceVectors(nn.Module):
    """Word ids (B, N, W) -> sentence vectors (B, N, E): mean word embedding + position."""

    def __init__(self, vocab_size: int, embed_dim: int, max_sentences: int, pad_id: int = 0):
        super().__init__()
        self.pad_id, self.max_sentences = pad_id, max_sentences
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.pos = nn.Embedding(max_sentences, embed_dim)

    def forward(self, words: Tensor) -> tuple[Tensor, Tensor]:
        """Sentence vectors (B, N, E) and the (B, N) mask of real sentences."""
        if words.dim() != 3 or words.dtype != torch.long:
            raise ValueError(f"words must be (B, N, W) int64, got {tuple(words.shape)} "
                             f"{words.dtype}")  # fmt: skip
        if words.shape[1] > self.max_sentences:
            raise ValueError(f"{words.shape[1]} sentences > max_sentences={self.max_sentences}")
        real_w = words != self.pad_id  # (B, N, W)
        count = real_w.sum(-1, keepdim=True)  # (B, N, 1)
        x = self.embed(words).sum(2) / count.clamp(min=1)  # (B, N, W, E) -> (B, N, E)
        x = x + self.pos(torch.arange(words.shape[1]))  # + (N, E)
        return x, count[..., 0] > 0


class SentenceEncoder(nn.Module):
    """Sentences attend to each other: post-LN encoder layers over sentence vectors, then a score.

    Args:
        vocab_size: V. embed_dim: E. num_heads: H. num_layers: encoder layers.
        max_sentences: largest N. pad_id: id of padding words.
    """

    def __init__(self, vocab_size: int, embed_dim: int = 32, num_heads: int = 2,
                 num_layers: int = 1, max_sentences: int = 16, pad_id: int = 0) -> None:  # fmt: skip
        super().__init__()
        self.sentences = SentenceVectors(vocab_size, embed_dim, max_sentences, pad_id)
        self.attn = nn.ModuleList(MultiHeadAttention(embed_dim, num_heads)
                                  for _ in range(num_layers))  # fmt: skip
        self.norm1 = nn.ModuleList(nn.LayerNorm(embed_dim) for _ in range(num_layers))
        self.ff = nn.ModuleList(
            nn.Sequential(nn.Linear(embed_dim, 2 * embed_dim), nn.GELU(),
                          nn.Linear(2 * embed_dim, embed_dim)) for _ in range(num_layers)
        )  # fmt: skip
        self.norm2 = nn.ModuleList(nn.LayerNorm(embed_dim) for _ in range(num_layers))
        self.score = nn.Linear(embed_dim, 1)

    def forward(self, words: Tensor, need_weights: bool = False):
        """Logits (B, N); with ``need_weights`` also each layer's weights, a list of (B, N, N)."""
        x, real = self.sentences(words)  # (B, N, E), (B, N)
        weights = []
        for attn, n1, ff, n2 in zip(self.attn, self.norm1, self.ff, self.norm2):
            a, w = attn(x, x, x, key_padding_mask=real, need_weights=need_weights)
            x = n1(x + a)  # (B, N, E)
            x = n2(x + ff(x))
            weights.append(w)
        logits = self.score(x)[..., 0].masked_fill(~real, float("-inf"))  # (B, N)
        return (logits, weights) if need_weights else logits


class SentenceGRU(nn.Module):
    """Context without attention: a bidirectional GRU over the sentence vectors, then a score."""

    def __init__(self, vocab_size: int, embed_dim: int = 32, hidden: int = 32,
                 max_sentences: int = 16, pad_id: int = 0) -> None:  # fmt: skip
        super().__init__()
        self.sentences = SentenceVectors(vocab_size, embed_dim, max_sentences, pad_id)
        self.gru = nn.GRU(embed_dim, hidden, batch_first=True, bidirectional=True)
        self.score = nn.Linear(2 * hidden, 1)

    def forward(self, words: Tensor) -> Tensor:
        """Logits (B, N)."""
        x, real = self.sentences(words)  # (B, N, E)
        packed = nn.utils.rnn.pack_padded_sequence(
            x, real.sum(-1), batch_first=True, enforce_sorted=False
        )
        h, _ = nn.utils.rnn.pad_packed_sequence(self.gru(packed)[0], batch_first=True,
                                                total_length=x.shape[1])  # fmt: skip
        return self.score(h)[..., 0].masked_fill(~real, float("-inf"))  # (B, N, 2H) -> (B, N)


class SentenceMLP(nn.Module):
    """No context: each sentence vector alone -> MLP -> score."""

    def __init__(self, vocab_size: int, embed_dim: int = 32, hidden: int = 64,
                 max_sentences: int = 16, pad_id: int = 0) -> None:  # fmt: skip
        super().__init__()
        self.sentences = SentenceVectors(vocab_size, embed_dim, max_sentences, pad_id)
        self.mlp = nn.Sequential(nn.Linear(embed_dim, hidden), nn.GELU(), nn.Linear(hidden, 1))

    def forward(self, words: Tensor) -> Tensor:
        """Logits (B, N)."""
        x, real = self.sentences(words)  # (B, N, E)
        return self.mlp(x)[..., 0].masked_fill(~real, float("-inf"))


def sentence_loss(logits: Tensor, labels: Tensor) -> Tensor:
    r"""Binary cross-entropy over the real sentences: $-\frac{1}{|R|}\sum_{n \in R} [y_n \log
    \sigma(z_n) + (1 - y_n) \log(1 - \sigma(z_n))]$, padding (logit $-\infty$) left out."""
    if logits.shape != labels.shape:
        raise ValueError(f"logits {tuple(logits.shape)} and labels {tuple(labels.shape)} differ")
    real = torch.isfinite(logits)
    return nn.functional.binary_cross_entropy_with_logits(logits[real], labels[real].float())
