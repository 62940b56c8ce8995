"""A decoder-only causal language model (GPT-style), small and readable."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnlib.nn.kv_cache import KVCache
from attnlib.nn.layers import TransformerEncoderLayer
from attnlib.nn.positional import LearnedPositionalEmbedding, RotaryEmbedding


class CausalLM(nn.Module):
    r"""GPT: token embedding, pre-LN causal self-attention blocks, final LayerNorm, LM head.

    $$p(x_{t+1} \mid x_{\le t}) = \operatorname{softmax}(\mathrm{LN}(h_t)\,W_{\text{out}}^\top)$$

    Args:
        vocab_size: number of token ids V.
        d_model, num_heads, num_layers: width E, heads H, depth.
        max_len: longest sequence (learned positions only; RoPE has no table).
        dim_feedforward: FFN hidden size (default 4E).
        num_kv_heads: key/value heads for grouped-query attention (default H).
        positional: ``"learned"`` (GPT-2) or ``"rope"`` (rotary, as in LLaMA).
        tie_weights: share the embedding matrix with the output layer.
        dropout: dropout probability (0 for the course's small, exact experiments).
        fast: fused attention when weights are not requested.
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int = 64,
        num_heads: int = 4,
        num_layers: int = 2,
        max_len: int = 256,
        dim_feedforward: int | None = None,
        num_kv_heads: int | None = None,
        positional: str = "learned",
        tie_weights: bool = True,
        dropout: float = 0.0,
        fast: bool = True,
    ) -> None:
        super().__init__()
        if positional not in ("learned", "rope"):
            raise ValueError(f"positional must be 'learned' or 'rope', got {positional!r}")
        self.max_len = max_len
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        nn.init.normal_(self.tok_emb.weight, std=0.02)  # GPT-2's init: small logits at the start
        self.pos_emb = (
            LearnedPositionalEmbedding(max_len, d_model) if positional == "learned" else None
        )
        rotary = RotaryEmbedding(d_model // num_heads) if positional == "rope" else None
        ff = 4 * d_model if dim_feedforward is None else dim_feedforward
        self.blocks = nn.ModuleList(
            TransformerEncoderLayer(
                d_model,
                num_heads,
                ff,
                dropout,
                "gelu",
                norm_first=True,
                num_kv_heads=num_kv_heads,
                rotary=rotary,
                fast=fast,
            )
            for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab_size, bias=False)
        if tie_weights:
            self.lm_head.weight = self.tok_emb.weight

    def forward(
        self,
        idx: Tensor,
        kv_caches: list[KVCache] | None = None,
        return_attention: bool = False,
    ) -> Tensor | tuple[Tensor, list[Tensor]]:
        """Token ids (B, L) -> logits (B, L, V).

        Args:
            idx: token ids (B, L); with ``kv_caches`` only the new tokens.
            kv_caches: one :class:`KVCache` per block (filled in place).
            return_attention: also return a list (per layer) of weights (B, H, L, S).
        """
        if idx.dim() != 2:
            raise ValueError(f"idx must be (B, L) token ids, got shape {tuple(idx.shape)}")
        past = 0 if kv_caches is None else len(kv_caches[0])
        x = self.tok_emb(idx)  # (B, L) -> (B, L, E)
        if self.pos_emb is not None:
            x = self.pos_emb(x, offset=past)
        attention = []
        for i, block in enumerate(self.blocks):
            cache = None if kv_caches is None else kv_caches[i]
            out = block(x, is_causal=True, need_weights=return_attention, kv_cache=cache)
            x, w = out if return_attention else (out, None)
            attention.append(w)
        logits = self.lm_head(self.norm(x))  # (B, L, E) -> (B, L, V)
        return (logits, attention) if return_attention else logits

    @torch.no_grad()
    def generate(
        self,
        idx: Tensor,
        max_new_tokens: int,
        use_cache: bool = True,
        temperature: float = 0.0,
        top_k: int | None = None,
        generator: torch.Generator | None = None,
        return_logits: bool = False,
    ) -> Tensor | tuple[Tensor, Tensor]:
        """Append ``max_new_tokens`` tokens to ``idx`` (B, T).

        ``temperature=0`` is greedy (argmax); otherwise sample from softmax(logits / temperature),
        restricted to the ``top_k`` most likely tokens if given. With ``use_cache`` each step
        feeds only the newest token and reuses the keys/values cached for earlier ones;
        without it, each step recomputes the whole sequence.

        Returns:
            tokens (B, T + max_new_tokens), and with ``return_logits`` the logits of every
            step (B, max_new_tokens, V).
        """
        if self.pos_emb is not None and idx.shape[1] + max_new_tokens - 1 > self.max_len:
            raise ValueError(
                f"prompt length {idx.shape[1]} + {max_new_tokens} new tokens exceeds "
                f"max_len={self.max_len} of the learned positions"
            )
        caches = [KVCache() for _ in self.blocks] if use_cache else None
        step_logits = []
        new = idx  # what the next forward pass reads
        for _ in range(max_new_tokens):
            logits = self(new if use_cache else idx, kv_caches=caches)[:, -1, :]  # (B, V)
            step_logits.append(logits)
            next_id = sample_next(logits, temperature, top_k, generator)  # (B, 1)
            idx = torch.cat([idx, next_id], dim=1)  # (B, T) -> (B, T + 1)
            new = next_id
        if return_logits:
            return idx, torch.stack(step_logits, dim=1)  # (B, max_new_tokens, V)
        return idx


def sample_next(
    logits: Tensor,
    temperature: float = 0.0,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Pick the next token from logits (B, V): argmax if ``temperature == 0``. Returns (B, 1)."""
    if temperature == 0.0:
        return logits.argmax(dim=-1, keepdim=True)
    logits = logits / temperature
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.shape[-1]), dim=-1).values[:, -1:]  # (B, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = F.softmax(logits, dim=-1)  # (B, V)
    return torch.multinomial(probs, num_samples=1, generator=generator)  # (B, 1)
