r"""A causal language model with ALiBi (Press et al. 2022) instead of positional embeddings.

No position enters the token vectors; each head $h$ adds $-m_h\,(i - j)$ to the score of query
$i$ and key $j \le i$, with the slopes $m_h$ of :func:`attnlib.nn.alibi_slopes`. Nothing
depends on a trained length, so the same weights read any length.

Built like :class:`attnlib.nn.CausalLM` with ``positional="rope"`` (same layers, created in the
same order, so the same seed gives the same initial weights and the same parameter count); only
the position mechanism differs.
"""

from __future__ import annotations

from torch import Tensor, nn

from attnlib.nn.layers import TransformerEncoderLayer
from attnlib.nn.positional import alibi_bias


class ALiBiLM(nn.Module):
    r"""Token embedding, pre-LN causal blocks with the ALiBi bias, final LayerNorm, tied LM head.

    $$\text{scores}_{h,i,j} = \frac{q_i \cdot k_j}{\sqrt{D}} - m_h (i - j), \quad j \le i$$

    Args:
        vocab_size: V.
        d_model, num_heads, num_layers: width E, heads H, depth.
        dim_feedforward: FFN hidden size (default 4E).
    """

    def __init__(self, vocab_size: int, d_model: int = 64, num_heads: int = 4,
                 num_layers: int = 2, dim_feedforward: int | None = None) -> None:  # fmt: skip
        super().__init__()
        if d_model % num_heads:
            raise ValueError(f"d_model={d_model} must be divisible by num_heads={num_heads}")
        self.num_heads = num_heads
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        nn.init.normal_(self.tok_emb.weight, std=0.02)  # as CausalLM
        ff = 4 * d_model if dim_feedforward is None else dim_feedforward
        self.blocks = nn.ModuleList(
            TransformerEncoderLayer(d_model, num_heads, ff, 0.0, "gelu", norm_first=True)
            for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab_size, bias=False)
        self.lm_head.weight = self.tok_emb.weight

    def forward(self, idx: Tensor) -> Tensor:
        """Token ids (B, L) -> logits (B, L, V)."""
        if idx.dim() != 2 or idx.dtype.is_floating_point:
            raise ValueError(
                f"idx must be (B, L) integer token ids, got {tuple(idx.shape)} {idx.dtype}"
            )
        L = idx.shape[1]
        bias = alibi_bias(self.num_heads, L, device=idx.device)[None]  # (1, H, L, L)
        x = self.tok_emb(idx)  # (B, L) -> (B, L, E)
        for block in self.blocks:
            x = block(x, src_mask=bias, is_causal=True)  # bias + causal: one additive mask
        return self.lm_head(self.norm(x))  # (B, L, E) -> (B, L, V)
