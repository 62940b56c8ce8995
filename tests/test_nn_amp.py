"""Mixed-precision helpers."""

from __future__ import annotations

import attnlib
import pytest
import torch
from attnlib.amp import amp_dtype, autocast
from attnlib.nn import MultiHeadAttention


def test_cpu_uses_bfloat16():
    assert amp_dtype("cpu") == torch.bfloat16
    assert amp_dtype(torch.device("cpu")) == torch.bfloat16
    assert attnlib.nn.amp_dtype is amp_dtype
    assert amp_dtype() == amp_dtype(attnlib.device())


def test_autocast_runs_matmuls_in_half_precision_on_cpu():
    torch.manual_seed(0)
    mha = MultiHeadAttention(16, 4)
    x = torch.randn(2, 5, 16)
    ref, _ = mha(x, x, x)
    with autocast("cpu"):
        out, _ = mha(x, x, x)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), ref, atol=5e-2, rtol=5e-2)
    with autocast("cpu", enabled=False):
        assert mha(x, x, x)[0].dtype == torch.float32


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_dtype():
    expected = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    assert amp_dtype("cuda") == expected


def test_autocast_with_float_masks_and_a_whole_model():
    """Float masks built in float32 (ALiBi) still combine with bf16 scores under autocast."""
    torch.manual_seed(0)
    mha = MultiHeadAttention(16, 4)
    x = torch.randn(2, 6, 16)
    bias = attnlib.nn.alibi_bias(4, 6)[None]  # (1, H, L, S), float32
    padding = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])
    ref, _ = mha(x, x, x, attn_mask=bias, key_padding_mask=padding, is_causal=True)
    with autocast("cpu"):
        out, w = mha(
            x, x, x, attn_mask=bias, key_padding_mask=padding, is_causal=True, need_weights=True
        )
        logits = attnlib.nn.CausalLM(20, 16, 4, 1).eval()(torch.randint(0, 20, (2, 5)))
    assert out.dtype == w.dtype == logits.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), ref, atol=5e-2, rtol=5e-2)
    assert torch.all(w[1, :, 4:] == 0)
