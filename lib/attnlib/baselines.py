"""Baselines without self-attention for the application chapters: GRUs and a small CNN.

Each is the "strongest simple model a practitioner would try" that a chapter compares its
attention model with, at a matched parameter count and the same training loop
(:func:`attnlib.train.fit`). Shapes: B batch, L target length, S source length, E model dim.
"""

from __future__ import annotations

import torch
from torch import nn


class GRUSeq2Seq(nn.Module):
    r"""GRU encoder -> GRU decoder, with or without dot-product (Luong) attention.

    Without attention the decoder starts from the encoder's last state and sees nothing else:
    the whole source passes through one vector of size E. With ``attention=True`` every
    decoder state $h_i$ also reads $c_i = \sum_j \mathrm{softmax}_j(h_i \cdot e_j)\, e_j$ over
    the encoder outputs $e_j$ (Luong et al., 2015), and the output layer sees
    $[h_i; c_i]$.

    Args:
        src_vocab_size, tgt_vocab_size: vocabulary sizes (id 0 is padding in the source).
        hidden: E, the embedding and GRU state size.
        attention: add the dot-product attention over encoder outputs.
    """

    def __init__(
        self, src_vocab_size: int, tgt_vocab_size: int, hidden: int = 64, attention: bool = False
    ):
        super().__init__()
        self.attention = attention
        self.src_emb = nn.Embedding(src_vocab_size, hidden)
        self.tgt_emb = nn.Embedding(tgt_vocab_size, hidden)
        self.encoder = nn.GRU(hidden, hidden, batch_first=True)
        self.decoder = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(2 * hidden if attention else hidden, tgt_vocab_size)

    def forward(
        self,
        s: torch.Tensor,
        t: torch.Tensor,
        src_key_padding_mask: torch.Tensor,
        return_attention: bool = False,
    ):
        """Logits (B, L, V) for source ids ``s`` (B, S) and shifted target ids ``t`` (B, L).

        ``src_key_padding_mask`` (B, S) is True at real tokens. With ``return_attention`` also
        the weights (B, L, S) (None without attention).
        """
        if s.shape != src_key_padding_mask.shape:
            raise ValueError(
                f"source ids {tuple(s.shape)} and padding mask "
                f"{tuple(src_key_padding_mask.shape)} must have the same shape"
            )
        lengths = src_key_padding_mask.sum(-1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(
            self.src_emb(s), lengths, batch_first=True, enforce_sorted=False
        )
        enc, state = self.encoder(packed)  # state (1, B, E): the whole source in one vector
        dec, _ = self.decoder(self.tgt_emb(t), state)  # (B, L, E)
        weights = None
        if self.attention:
            enc, _ = nn.utils.rnn.pad_packed_sequence(
                enc, batch_first=True, total_length=s.shape[1]
            )  # (B, S, E)
            scores = dec @ enc.transpose(1, 2)  # (B, L, E) @ (B, E, S) -> (B, L, S)
            scores = scores.masked_fill(~src_key_padding_mask[:, None, :], float("-inf"))
            weights = scores.softmax(-1)  # (B, L, S)
            context = weights @ enc  # (B, L, S) @ (B, S, E) -> (B, L, E)
            dec = torch.cat([dec, context], dim=-1)  # (B, L, 2E)
        logits = self.out(dec)  # (B, L, V)
        return (logits, weights) if return_attention else logits

    @torch.no_grad()
    def greedy_decode(
        self,
        s: torch.Tensor,
        max_len: int,
        bos_id: int,
        eos_id: int,
        src_key_padding_mask: torch.Tensor,
    ) -> torch.Tensor:
        """Ids (B, max_len) written greedily, starting with ``bos_id`` (recomputes the prefix)."""
        ys = torch.full((s.shape[0], 1), bos_id, dtype=torch.long)
        for _ in range(max_len - 1):
            next_id = self(s, ys, src_key_padding_mask)[:, -1].argmax(-1, keepdim=True)
            ys = torch.cat([ys, next_id], dim=1)
        return ys


class GRUClassifier(nn.Module):
    r"""Word ids -> embeddings -> GRU -> last real state -> class logits (no attention).

    Args:
        vocab_size: number of token ids (0 is padding).
        num_classes: number of labels.
        hidden: E, the embedding and state size.
    """

    def __init__(self, vocab_size: int, num_classes: int, hidden: int = 32):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, hidden, padding_idx=0)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor, key_padding_mask: torch.Tensor) -> torch.Tensor:
        """Logits (B, C) for ids ``x`` (B, S); ``key_padding_mask`` (B, S) is True at tokens."""
        if x.shape != key_padding_mask.shape:
            raise ValueError(
                f"ids {tuple(x.shape)} and padding mask {tuple(key_padding_mask.shape)} "
                "must have the same shape"
            )
        lengths = key_padding_mask.sum(-1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(
            self.emb(x), lengths, batch_first=True, enforce_sorted=False
        )
        _, state = self.gru(packed)  # (1, B, E): the state after the last real token
        return self.head(state[0])  # (B, C)


class GRULanguageModel(nn.Module):
    r"""Characters -> embeddings -> GRU -> logits over the vocabulary (tied to the embeddings).

    The recurrent counterpart of :class:`attnlib.nn.CausalLM`: position $t$ sees the whole
    prefix, through one state vector of size E instead of attention over it.

    Args:
        vocab_size: V.
        hidden: E, the embedding and state size.
    """

    def __init__(self, vocab_size: int, hidden: int = 128):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.bias = nn.Parameter(torch.zeros(vocab_size))

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """Token ids (B, L) -> logits (B, L, V)."""
        if idx.dim() != 2:
            raise ValueError(f"GRULanguageModel expects ids (B, L), got {tuple(idx.shape)}")
        states, _ = self.gru(self.emb(idx))  # (B, L, E)
        return states @ self.emb.weight.T + self.bias  # (B, L, E) @ (E, V) -> (B, L, V)


class SmallCNN(nn.Module):
    r"""Two 3x3 convolutions, a 2x2 max-pool and two linear layers, for 8x8 one-channel images.

    (B, 1, 8, 8) -> conv 16 -> conv 32 -> pool -> (B, 32 * 4 * 4) -> hidden -> (B, classes).

    Args:
        num_classes: number of labels.
        hidden: width of the hidden linear layer.
    """

    def __init__(self, num_classes: int = 10, hidden: int = 40):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(32 * 4 * 4, hidden), nn.ReLU(), nn.Linear(hidden, num_classes)
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Logits (B, classes) for images (B, 1, 8, 8)."""
        if images.shape[1:] != (1, 8, 8):
            raise ValueError(f"SmallCNN expects images (B, 1, 8, 8), got {tuple(images.shape)}")
        return self.head(self.features(images))


def mean_and_spread(values) -> str:
    """``"0.973 ± 0.004"``: the mean and the standard deviation (ddof=1) of the runs."""
    t = torch.as_tensor(list(values), dtype=torch.float64)
    if t.numel() < 2:
        raise ValueError(f"a spread needs at least two runs, got {t.numel()}")
    return f"{t.mean().item():.3f} ± {t.std().item():.3f}"
