"""RoPE scaling: each method's frequencies as its formula says; 'none' equals the library's
rotary; a scaled model runs past its training length and is unchanged at scale 1."""

from __future__ import annotations

import math

import pytest
import torch
from attnlib.modern.rope_scaling import ScaledRotaryEmbedding, scaled_frequencies, set_rope_scaling
from attnlib.nn import CausalLM, RotaryEmbedding
from compare import assert_close


def test_frequencies_of_each_method():
    theta = 10000.0 ** (-torch.arange(0, 16, 2, dtype=torch.float64) / 16)
    assert_close(scaled_frequencies(16, 4.0, "none"), theta, 0.0)
    assert_close(scaled_frequencies(16, 4.0, "pi"), theta / 4, 1e-15)
    ntk = scaled_frequencies(16, 4.0, "ntk")
    assert ntk[0] == 1.0 and abs(ntk[-1] / theta[-1] - 1 / 4 ** (14 / 14)) < 1e-12
    yarn = scaled_frequencies(16, 4.0, "yarn", train_len=64)
    turns = 64 * theta / (2 * math.pi)
    assert torch.equal(yarn[turns >= 32], theta[turns >= 32])  # fast pairs: untouched
    assert_close(yarn[turns <= 1], theta[turns <= 1] / 4, 1e-15)  # slow pairs: interpolated
    with pytest.raises(ValueError, match="method must be one of"):
        scaled_frequencies(16, 2.0, "linear")


def test_unscaled_rotation_equals_the_library_rotary():
    x = torch.randn(2, 3, 10, 8, dtype=torch.float64)
    pos = torch.arange(10)
    ours = ScaledRotaryEmbedding(8, 1.0, "yarn").rotate(x, pos)  # scale 1: mscale 1, no change
    assert_close(ours, RotaryEmbedding(8).rotate(x, pos), 1e-12, "scaled rotary at s = 1")


def test_pi_maps_position_p_at_scale_s_to_p_over_s():
    x = torch.randn(1, 1, 8, 8, dtype=torch.float64)
    pi = ScaledRotaryEmbedding(8, 2.0, "pi").rotate(x, torch.arange(0, 16, 2))
    plain = RotaryEmbedding(8).rotate(x, torch.arange(8))
    assert_close(pi, plain, 1e-12, "PI: position 2p at s = 2 is position p")


def test_set_rope_scaling_on_a_model():
    torch.manual_seed(0)
    model = CausalLM(30, d_model=32, num_heads=4, num_layers=2, positional="rope").eval()
    idx = torch.randint(0, 30, (1, 20))
    with torch.no_grad():
        before = model(idx)
        set_rope_scaling(model, 1.0, "ntk", train_len=16)
        assert_close(model(idx), before, 1e-6)
        set_rope_scaling(model, 4.0, "pi", train_len=16)
        assert not torch.allclose(model(idx), before)
    with pytest.raises(ValueError, match="no rotary"):
        set_rope_scaling(CausalLM(30, d_model=32, num_heads=4), 2.0, "pi", 16)
