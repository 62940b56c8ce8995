"""attnlib.nn encoder/decoder layers equal PyTorch's on the same weights (pre-LN and post-LN)."""

from __future__ import annotations

import pytest
import torch
from attnlib.nn import TransformerDecoderLayer, TransformerEncoderLayer
from torch_helpers import F64, assert_same


def randomize(module):
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0.0, 0.5)
    return module


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("fast", [True, False])
def test_encoder_layer_matches_torch(norm_first, activation, fast):
    torch.manual_seed(0)
    ref = torch.nn.TransformerEncoderLayer(
        16, 4, 32, dropout=0.0, activation=activation, batch_first=True, norm_first=norm_first
    )
    ref = randomize(ref.double()).eval()
    ours = TransformerEncoderLayer(
        16, 4, 32, activation=activation, norm_first=norm_first, fast=fast
    ).double()
    ours.load_torch_state_dict(ref.state_dict())
    x = torch.randn(2, 5, 16, dtype=F64)
    padding = torch.tensor([[True] * 5, [True] * 3 + [False] * 2])  # True = real token
    causal_blocked = torch.ones(5, 5, dtype=torch.bool).triu(1)
    with torch.no_grad():  # also exercises PyTorch's inference fast path
        assert_same(ours(x), ref(x))
        assert_same(ours(x, src_key_padding_mask=padding)[:1], ref(x[:1]))
        expected = ref(x, src_mask=causal_blocked, src_key_padding_mask=~padding)
        assert_same(ours(x, src_key_padding_mask=padding, is_causal=True), expected)


def test_encoder_layer_gradients_match_torch():
    torch.manual_seed(0)
    ref = randomize(
        torch.nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True).double()
    )
    ours = TransformerEncoderLayer(16, 4, 32).double()
    ours.load_torch_state_dict(ref.state_dict())
    x = torch.randn(2, 5, 16, dtype=F64)
    ours(x).square().sum().backward()
    ref(x).square().sum().backward()
    assert_same(ours.linear1.weight.grad, ref.linear1.weight.grad)
    assert_same(ours.norm1.weight.grad, ref.norm1.weight.grad)
    assert_same(ours.self_attn.q_proj.weight.grad, ref.self_attn.in_proj_weight.grad[:16])


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_decoder_layer_matches_torch(norm_first, activation):
    torch.manual_seed(0)
    ref = torch.nn.TransformerDecoderLayer(
        16, 4, 32, dropout=0.0, activation=activation, batch_first=True, norm_first=norm_first
    )
    ref = randomize(ref.double()).eval()
    ours = TransformerDecoderLayer(16, 4, 32, activation=activation, norm_first=norm_first)
    ours = ours.double()
    ours.load_torch_state_dict(ref.state_dict())
    tgt, memory = torch.randn(2, 5, 16, dtype=F64), torch.randn(2, 7, 16, dtype=F64)
    mem_padding = torch.tensor([[True] * 7, [True] * 4 + [False] * 3])
    causal_blocked = torch.ones(5, 5, dtype=torch.bool).triu(1)
    expected = ref(tgt, memory, tgt_mask=causal_blocked, memory_key_padding_mask=~mem_padding)
    out, (w_self, w_cross) = ours(
        tgt, memory, memory_key_padding_mask=mem_padding, tgt_is_causal=True, need_weights=True
    )
    assert_same(out, expected)
    assert w_self.shape == (2, 4, 5, 5) and w_cross.shape == (2, 4, 5, 7)
    assert torch.all(w_cross[1, ..., 4:] == 0)  # padded memory gets no weight
    assert torch.all(w_self.triu(1) == 0)


def test_torch_state_dict_round_trip():
    ours = TransformerDecoderLayer(16, 4, 32).double()
    ref = torch.nn.TransformerDecoderLayer(16, 4, 32, batch_first=True).double()
    ref.load_state_dict(ours.torch_state_dict())  # strict: same names and shapes
    again = TransformerDecoderLayer(16, 4, 32).double()
    again.load_torch_state_dict(ref.state_dict())
    for (name, a), b in zip(ours.state_dict().items(), again.state_dict().values()):
        assert torch.equal(a, b), name


def test_bad_activation():
    with pytest.raises(ValueError, match="activation must be one of"):
        TransformerEncoderLayer(16, 4, activation="tanh")
