"""Large models in numbers: parameters, training FLOPs, KV-cache and memory of published configs.

Exact integer arithmetic from a model's configuration (no weights are needed):

* parameters, split into embeddings, attention, feed-forward and norms;
* training compute $C \\approx 6 N T$ for $N$ parameters and $T$ tokens (forward $2N$ per token,
  backward $4N$), and the attention term that $6N$ leaves out, $4\\,n_\\text{layers} L E$ per
  token forward (the scores $QK^\\top$ and the product with $V$ over a context of $L$);
* the key-value cache, $2\\,n_\\text{layers} H_{kv} D$ numbers per token;
* the Chinchilla compute-optimal split, $T \\approx 20 N$ so $N = \\sqrt{C / 120}$.

The published configurations are checked in tests against the parameter counts their authors
report (GPT-2 124M, BERT-base 110M, Llama 2 7B, Llama 3 8B).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TransformerConfig:
    """The numbers that fix a Transformer's size (E = model width, H = heads, D = E / H)."""

    name: str
    vocab_size: int
    d_model: int  # E
    n_layers: int
    n_heads: int  # H
    d_ff: int  # hidden width of the feed-forward block
    context: int  # longest sequence the model was trained on
    n_kv_heads: int | None = None  # grouped-query attention: fewer key/value heads
    gated_ffn: bool = False  # SwiGLU: three matrices instead of two
    bias: bool = True  # biases on every linear layer
    norm_bias: bool = True  # LayerNorm (weight + bias) or RMSNorm (weight only)
    learned_positions: bool = True  # a position table (GPT-2, BERT) or RoPE (no parameters)
    tied_embeddings: bool = True  # the output layer reuses the token embedding
    token_types: int = 0  # BERT's segment embeddings
    pooler: bool = False  # BERT's [CLS] pooler (E x E + E)

    def __post_init__(self) -> None:
        for field in ("vocab_size", "d_model", "n_layers", "n_heads", "d_ff", "context"):
            if getattr(self, field) <= 0:
                raise ValueError(
                    f"{self.name}: {field} must be positive, got {getattr(self, field)}"
                )
        if self.d_model % self.n_heads:
            raise ValueError(
                f"{self.name}: d_model={self.d_model} is not divisible by n_heads={self.n_heads}"
            )
        if self.n_heads % self.kv_heads:
            raise ValueError(
                f"{self.name}: n_heads={self.n_heads} is not a multiple of n_kv_heads={self.kv_heads}"
            )

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads

    @property
    def kv_heads(self) -> int:
        return self.n_kv_heads or self.n_heads


def parameter_counts(cfg: TransformerConfig) -> dict[str, int]:
    """Parameters by part: embeddings, attention, feed-forward, norms, other; and their total."""
    E, b = cfg.d_model, int(cfg.bias)
    kv_width = cfg.kv_heads * cfg.head_dim
    norm = E * (2 if cfg.norm_bias else 1)
    attention = (E * E + b * E) * 2 + (E * kv_width + b * kv_width) * 2  # Q, O and K, V
    ffn_mats = 3 if cfg.gated_ffn else 2
    ffn = ffn_mats * E * cfg.d_ff + b * (cfg.d_ff * (ffn_mats - 1) + E)
    embeddings = cfg.vocab_size * E * (1 if cfg.tied_embeddings else 2)
    embeddings += (cfg.context * E if cfg.learned_positions else 0) + cfg.token_types * E
    counts = {
        "embeddings": embeddings,
        "attention": cfg.n_layers * attention,
        "feed-forward": cfg.n_layers * ffn,
        # two per block; BERT normalises its embeddings, decoders add a final norm
        "norms": cfg.n_layers * 2 * norm + norm,
        "other": (E * E + E) if cfg.pooler else 0,
    }
    counts["total"] = sum(counts.values())
    return counts


def training_flops(n_params: int, tokens: int) -> int:
    """$C \\approx 6 N T$: forward 2 FLOPs per parameter per token, backward twice that."""
    return 6 * n_params * tokens


def attention_flops_per_token(cfg: TransformerConfig, context: int | None = None) -> int:
    """Forward FLOPs of the scores and the weighted sum for one token: $4 n_{layers} L E$."""
    L = cfg.context if context is None else context
    return 4 * cfg.n_layers * L * cfg.d_model


def kv_cache_bytes_per_token(cfg: TransformerConfig, bytes_per_number: int = 2) -> int:
    """Keys and values of one token in every layer: $2 n_{layers} H_{kv} D$ numbers."""
    return 2 * cfg.n_layers * cfg.kv_heads * cfg.head_dim * bytes_per_number


def training_memory_bytes(n_params: int) -> int:
    """Mixed-precision Adam: fp16 weights and gradients, fp32 master weights and two moments.

    2 + 2 + 4 + 4 + 4 = 16 bytes per parameter, before activations.
    """
    return 16 * n_params


def chinchilla_optimal(compute: float, tokens_per_param: float = 20.0) -> tuple[float, float]:
    """Compute-optimal parameters and tokens for ``compute`` FLOPs, with $T = 20 N$, $C = 6NT$."""
    if not compute > 0:
        raise ValueError(f"compute must be a positive number of FLOPs, got {compute!r}")
    n = math.sqrt(compute / (6 * tokens_per_param))
    return n, tokens_per_param * n


GPT2_SMALL = TransformerConfig("GPT-2 small", 50257, 768, 12, 12, 3072, 1024)
BERT_BASE = TransformerConfig(
    "BERT-base", 30522, 768, 12, 12, 3072, 512, token_types=2, pooler=True
)
LLAMA2_7B = TransformerConfig(
    "Llama 2 7B",
    32000,
    4096,
    32,
    32,
    11008,
    4096,
    gated_ffn=True,
    bias=False,
    norm_bias=False,
    learned_positions=False,
    tied_embeddings=False,
)
LLAMA3_8B = TransformerConfig(
    "Llama 3 8B",
    128256,
    4096,
    32,
    32,
    14336,
    8192,
    n_kv_heads=8,
    gated_ffn=True,
    bias=False,
    norm_bias=False,
    learned_positions=False,
    tied_embeddings=False,
)
PUBLISHED = (GPT2_SMALL, BERT_BASE, LLAMA2_7B, LLAMA3_8B)
