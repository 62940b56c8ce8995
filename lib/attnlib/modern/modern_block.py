r"""The block of current decoder models: RMSNorm, SwiGLU, QK-norm and logit soft-capping.

* RMSNorm: $\mathrm{RMSNorm}(x) = g \odot x / \sqrt{\tfrac{1}{E}\sum_i x_i^2 + \epsilon}$
  (no mean subtraction, no bias);
* SwiGLU feed-forward: $(\mathrm{silu}(x W_1) \odot x W_3) W_2$;
* QK-norm: RMSNorm on each head's queries and keys before the product, which bounds
  $|q \cdot k| \le D\,\|g_q\|_\infty \|g_k\|_\infty$ whatever the weights grow to;
* logit soft-capping: $s \mapsto c \tanh(s / c)$, scores bounded by $c$.

Shapes: x (B, L, E); heads (B, H, L, D); weights (B, H, L, L).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class RMSNorm(nn.Module):
    """Root-mean-square normalisation over the last dimension, with a learned gain."""

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps, self.weight = eps, nn.Parameter(torch.ones(dim))

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.weight.shape[0]:
            raise ValueError(f"x {tuple(x.shape)} must end in dim={self.weight.shape[0]}")
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)


class SwiGLU(nn.Module):
    """(silu(x W1) * x W3) W2, hidden width ``hidden``."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.w1, self.w3 = nn.Linear(dim, hidden, bias=False), nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


def attention_entropy(weights: Tensor) -> Tensor:
    r"""Mean entropy $-\sum_j w_{ij} \log w_{ij}$ of the rows of (B, H, L, S) weights, per head (H,)."""
    return -(weights * torch.log(weights.clamp_min(1e-30))).sum(-1).mean(dim=(0, 2))


class ModernAttention(nn.Module):
    """Causal multi-head attention with optional QK-norm and logit soft-capping.

    ``forward`` returns the output (B, L, E) and stores the weights' entropy per head in
    ``last_entropy`` (H,), for the stability experiment.
    """

    def __init__(self, dim: int, num_heads: int, qk_norm: bool = False,
                 softcap: float | None = None) -> None:  # fmt: skip
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"dim={dim} must be a multiple of num_heads={num_heads}")
        self.H, self.D, self.softcap = num_heads, dim // num_heads, softcap
        self.qkv, self.out = nn.Linear(dim, 3 * dim, bias=False), nn.Linear(dim, dim, bias=False)
        self.q_norm = RMSNorm(self.D) if qk_norm else nn.Identity()
        self.k_norm = RMSNorm(self.D) if qk_norm else nn.Identity()
        self.last_entropy: Tensor | None = None

    def forward(self, x: Tensor) -> Tensor:
        B, L, E = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.H, self.D).permute(2, 0, 3, 1, 4)  # (B, H, L, D)
        q, k = self.q_norm(q), self.k_norm(k)
        s = q @ k.transpose(-2, -1) / math.sqrt(self.D)  # (B, H, L, L)
        if self.softcap is not None:
            s = self.softcap * torch.tanh(s / self.softcap)
        causal = torch.ones(L, L, dtype=torch.bool, device=x.device).tril()
        w = s.masked_fill(~causal, float("-inf")).softmax(-1)
        self.last_entropy = attention_entropy(w.detach())
        return self.out((w @ v).transpose(1, 2).reshape(B, L, E))


class ModernLM(nn.Module):
    """A small decoder: embeddings, pre-norm blocks (RMSNorm, attention, RMSNorm, SwiGLU)."""

    def __init__(self, vocab_size: int, dim: int = 64, num_heads: int = 4, num_layers: int = 2,
                 max_len: int = 256, qk_norm: bool = False, softcap: float | None = None) -> None:  # fmt: skip
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.zeros(max_len, dim))
        self.attn = nn.ModuleList(
            ModernAttention(dim, num_heads, qk_norm, softcap) for _ in range(num_layers)
        )
        self.ffn = nn.ModuleList(SwiGLU(dim, 2 * dim) for _ in range(num_layers))
        self.norms = nn.ModuleList(RMSNorm(dim) for _ in range(2 * num_layers + 1))
        self.head = nn.Linear(dim, vocab_size, bias=False)

    def forward(self, idx: Tensor) -> Tensor:
        x = self.emb(idx) + self.pos[: idx.shape[1]]
        for i, (attn, ffn) in enumerate(zip(self.attn, self.ffn)):
            x = x + attn(self.norms[2 * i](x))
            x = x + ffn(self.norms[2 * i + 1](x))
        return self.head(self.norms[-1](x))

    def min_entropy(self) -> float:
        """The lowest per-head attention entropy of the last forward pass."""
        return min(a.last_entropy.min().item() for a in self.attn)
