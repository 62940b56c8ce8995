"""attnlib.scale: parameter counts against what the models' authors report, and the rules."""

from __future__ import annotations

import pytest
import torch
from attnlib import scale

# Totals as published (and as `sum(p.numel())` of the released checkpoints reports them).
PUBLISHED_TOTALS = {
    "GPT-2 small": 124_439_808,
    "BERT-base": 109_482_240,
    "Llama 2 7B": 6_738_415_616,
    "Llama 3 8B": 8_030_261_248,
}


@pytest.mark.parametrize("cfg", scale.PUBLISHED, ids=lambda c: c.name)
def test_parameter_counts_match_the_released_models(cfg):
    counts = scale.parameter_counts(cfg)
    assert counts["total"] == PUBLISHED_TOTALS[cfg.name]
    assert counts["total"] == sum(v for k, v in counts.items() if k != "total")


def test_a_torch_encoder_layer_has_the_counted_parameters():
    """An independent count: PyTorch's own layer, with BERT-base's sizes per block."""
    cfg = scale.BERT_BASE
    layer = torch.nn.TransformerEncoderLayer(cfg.d_model, cfg.n_heads, cfg.d_ff)
    counts = scale.parameter_counts(cfg)
    per_layer = (counts["attention"] + counts["feed-forward"]) // cfg.n_layers
    per_layer += 2 * 2 * cfg.d_model  # two LayerNorms, weight and bias
    assert sum(p.numel() for p in layer.parameters()) == per_layer


def test_grouped_query_attention_shrinks_the_cache_by_the_head_ratio():
    full = scale.kv_cache_bytes_per_token(scale.LLAMA2_7B)
    grouped = scale.kv_cache_bytes_per_token(scale.LLAMA3_8B)
    assert full == 2 * 32 * 32 * 128 * 2 == 512 * 1024
    assert full // grouped == scale.LLAMA3_8B.n_heads // scale.LLAMA3_8B.kv_heads == 4


def test_chinchilla_recovers_its_own_budget():
    n, t = scale.chinchilla_optimal(scale.training_flops(70_000_000_000, 1_400_000_000_000))
    assert n == pytest.approx(70e9) and t == pytest.approx(1.4e12)


def test_flops_and_memory_rules():
    assert scale.training_flops(10, 3) == 180
    assert scale.training_memory_bytes(1_000) == 16_000
    cfg = scale.GPT2_SMALL
    assert scale.attention_flops_per_token(cfg) == 4 * 12 * 1024 * 768
    assert scale.attention_flops_per_token(cfg, context=2) == 4 * 12 * 2 * 768


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"d_model": 100, "n_heads": 3}, "not divisible by n_heads=3"),
        ({"n_kv_heads": 5}, "not a multiple of n_kv_heads=5"),
        ({"n_layers": 0}, "n_layers must be positive, got 0"),
    ],
)
def test_bad_configs_are_refused_by_name(kwargs, message):
    base = dict(name="x", vocab_size=10, d_model=64, n_layers=2, n_heads=4, d_ff=8, context=4)
    with pytest.raises(ValueError, match=message):
        scale.TransformerConfig(**{**base, **kwargs})
    with pytest.raises(ValueError, match="positive"):
        scale.chinchilla_optimal(float("nan"))
