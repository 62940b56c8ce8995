r"""Induction heads: a small attention-only model trained on repeated sequences, with the
hooks to find its heads' roles: per-head weights, ablation and activation patching.

On ``x_1 .. x_N x_1 .. x_N`` the second half is predictable only by copying: at position
$t$ of the second half, find the earlier occurrence of the current token and predict the
token that followed it. Two heads do it together (Olsson et al. 2022): a previous-token
head in layer 0 writes "my predecessor is $x$" into each position, and an induction head in
layer 1 attends from $t$ to the position $t - N + 1$ whose predecessor matches the current
token, and copies it. Its **induction score** is its mean weight on $t - N + 1$.

Each layer: $\text{out} = x + \sum_h \operatorname{softmax}(q_h k_h^\top/\sqrt D + M)\, v_h W_O^{(h)}$.
Shapes: x (B, L, E); per-head outputs (B, H, L, E) after $W_O^{(h)}$; weights (B, H, L, L).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def repeated_sequences(n: int, half: int, vocab: int, generator=None) -> tuple[Tensor, Tensor]:
    """``n`` sequences ``a a`` of random tokens (``half`` each): inputs and next-token targets,
    both (n, 2 half - 1)."""
    a = torch.randint(0, vocab, (n, half), generator=generator)
    x = torch.cat([a, a], dim=1)  # (n, 2 half)
    return x[:, :-1], x[:, 1:]


class AttentionOnly(nn.Module):
    """Embedding + learned positions, ``num_layers`` attention-only layers, unembedding.

    ``forward(idx, ablate=(), patch=None)`` returns logits (B, L, V) and records
    ``self.weights`` (per layer, (B, H, L, L)) and ``self.head_outputs`` (per layer,
    (B, H, L, E)). ``ablate`` is a set of (layer, head) whose output is zeroed; ``patch``
    maps (layer, head) to a (B, L, E) output to use for that head instead.
    """

    def __init__(self, vocab: int, max_len: int, d_model: int = 32, num_heads: int = 2,
                 num_layers: int = 2) -> None:  # fmt: skip
        super().__init__()
        self.H, self.D = num_heads, d_model // num_heads
        self.emb = nn.Embedding(vocab, d_model)
        self.pos = nn.Parameter(torch.randn(max_len, d_model) * 0.1)
        self.qkv = nn.ModuleList(nn.Linear(d_model, 3 * d_model) for _ in range(num_layers))
        self.w_o = nn.ParameterList(
            nn.Parameter(torch.randn(num_heads, self.D, d_model) / math.sqrt(d_model))
            for _ in range(num_layers)
        )
        self.unembed = nn.Linear(d_model, vocab)
        self.weights: list[Tensor] = []
        self.head_outputs: list[Tensor] = []

    def forward(self, idx: Tensor, ablate=(), patch: dict | None = None) -> Tensor:
        B, L = idx.shape
        x = self.emb(idx) + self.pos[:L]  # (B, L, E)
        causal = torch.ones(L, L, dtype=torch.bool, device=idx.device).tril()
        self.weights, self.head_outputs = [], []
        for layer, (qkv, w_o) in enumerate(zip(self.qkv, self.w_o)):
            q, k, v = qkv(x).view(B, L, 3, self.H, self.D).permute(2, 0, 3, 1, 4)  # (B, H, L, D)
            s = q @ k.transpose(-2, -1) / math.sqrt(self.D)  # (B, H, L, L)
            w = s.masked_fill(~causal, float("-inf")).softmax(-1)
            heads = torch.einsum("bhld,hde->bhle", w @ v, w_o)  # (B, H, L, E)
            for h in range(self.H):
                if (layer, h) in ablate:
                    heads = heads.clone()
                    heads[:, h] = 0.0
                if patch and (layer, h) in patch:
                    heads = heads.clone()
                    heads[:, h] = patch[layer, h]
            self.weights.append(w.detach())
            self.head_outputs.append(heads.detach())
            x = x + heads.sum(1)
        return self.unembed(x)


def induction_scores(weights: Tensor, half: int) -> Tensor:
    """Mean weight from each second-half position t to t - half + 1, per head: (H,)."""
    L = weights.shape[-1]
    t = torch.arange(half, L)
    return weights[:, :, t, t - half + 1].mean(dim=(0, 2))


def previous_token_scores(weights: Tensor) -> Tensor:
    """Mean weight from each position t >= 1 to t - 1, per head: (H,)."""
    t = torch.arange(1, weights.shape[-1])
    return weights[:, :, t, t - 1].mean(dim=(0, 2))
