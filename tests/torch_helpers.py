"""Helpers shared by the PyTorch tests (the nn and kernel suites)."""

from __future__ import annotations

import pytest
import torch
from compare import assert_close

F64 = torch.float64
NO_CUDA = not torch.cuda.is_available()
DEVICES = [
    "cpu",
    pytest.param("cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(NO_CUDA, reason="needs CUDA")]),
]


def assert_same(actual: torch.Tensor, expected: torch.Tensor, atol: float = 1e-10) -> None:
    """Shape, then dtype, then values: :func:`compare.assert_close` with an absolute tolerance."""
    assert_close(actual, expected, atol)


def scratch_twin(module):
    """The scratch twin of a torch attention module or Transformer layer, with its weights.

    Built with the same hyperparameters, then ``load_torch_state_dict`` (the one loading verb).
    """
    from attnlib import scratch

    if isinstance(module, torch.nn.MultiheadAttention):
        if module.bias_k is not None or module.add_zero_attn:
            raise ValueError("add_bias_kv and add_zero_attn are not supported")
        twin = scratch.MultiHeadAttention(
            module.embed_dim,
            module.num_heads,
            kdim=module.kdim,
            vdim=module.vdim,
            bias=module.in_proj_bias is not None,
        )
    else:
        kind = {
            torch.nn.TransformerEncoderLayer: scratch.EncoderBlock,
            torch.nn.TransformerDecoderLayer: scratch.DecoderBlock,
        }[type(module)]
        act = module.activation
        name = getattr(act, "__name__", type(act).__name__).lower()
        twin = kind(
            module.linear1.in_features,
            module.self_attn.num_heads,
            module.linear1.out_features,
            activation="gelu" if "gelu" in name else "relu",
            layer_norm_eps=module.norm1.eps,
            norm_first=module.norm_first,
            bias=module.linear1.bias is not None,
        )
    twin.load_torch_state_dict(module.state_dict())
    return twin
