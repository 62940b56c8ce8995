"""The modern block: RMSNorm and SwiGLU against their formulas (and torch's RMSNorm), QK-norm
bounds the scores, soft-capping bounds them by c, entropy is what it says."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from attnlib.modern.modern_block import (
    ModernAttention,
    ModernLM,
    RMSNorm,
    SwiGLU,
    attention_entropy,
)
from compare import assert_close


def test_rmsnorm_equals_the_formula_and_torch():
    x = torch.randn(3, 5, 8, dtype=torch.float64)
    norm = RMSNorm(8).double()
    want = x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)
    assert_close(norm(x), want, 1e-12, "RMSNorm formula")
    ref = torch.nn.RMSNorm(8, eps=1e-6).double()
    assert_close(norm(x), ref(x), 1e-12, "RMSNorm vs torch")
    with pytest.raises(ValueError, match="must end in dim=8"):
        norm(torch.zeros(2, 7, dtype=torch.float64))


def test_swiglu_equals_the_formula():
    torch.manual_seed(0)
    f = SwiGLU(6, 10).double()
    x = torch.randn(2, 6, dtype=torch.float64)
    want = (F.silu(x @ f.w1.weight.T) * (x @ f.w3.weight.T)) @ f.w2.weight.T
    assert_close(f(x), want, 1e-12, "SwiGLU")


def test_qk_norm_and_softcap_bound_the_scores():
    torch.manual_seed(0)
    x = torch.randn(1, 16, 32) * 50  # huge activations
    capped = ModernAttention(32, 4, softcap=2.0)
    capped(x)
    # scores bounded by c = 2: each weight >= e^-4 / L of a row's best, so entropy stays up
    assert capped.last_entropy.min() > 0.5
    normed = ModernAttention(32, 4, qk_norm=True)
    with torch.no_grad():
        normed.qkv.weight.mul_(100.0)  # weights that have grown: QK-norm ignores their scale
    normed(x)
    plain = ModernAttention(32, 4)
    with torch.no_grad():
        plain.qkv.weight.copy_(normed.qkv.weight)
    plain(x)
    assert plain.last_entropy.max() < 0.1 < normed.last_entropy.min()


def test_entropy_of_uniform_and_one_hot_rows():
    w = torch.full((1, 2, 3, 4), 0.25)
    assert_close(attention_entropy(w), torch.full((2,), math.log(4)), 1e-6)
    one_hot = torch.zeros(1, 1, 2, 4)
    one_hot[..., 0] = 1.0
    assert attention_entropy(one_hot).item() == 0.0


def test_modern_lm_is_causal():
    torch.manual_seed(0)
    m = ModernLM(20, dim=16, num_heads=2, qk_norm=True, softcap=30.0)
    idx = torch.randint(0, 20, (1, 10))
    idx2 = idx.clone()
    idx2[0, 7:] = (idx2[0, 7:] + 1) % 20
    assert torch.allclose(m(idx)[:, :7], m(idx2)[:, :7])
