"""The ALiBi language model: causal, built like CausalLM (same size and initial weights under
the same seed), and its bias really enters the scores."""

from __future__ import annotations

import pytest
import torch
from attnlib.modern.alibi_lm import ALiBiLM
from attnlib.nn import CausalLM, alibi_bias


def test_logits_shape_and_causality():
    torch.manual_seed(0)
    lm = ALiBiLM(11, d_model=16, num_heads=4, num_layers=2).eval()
    idx = torch.randint(0, 11, (2, 9))
    out = lm(idx)
    assert out.shape == (2, 9, 11)
    changed = idx.clone()
    changed[:, 6:] = (changed[:, 6:] + 1) % 11  # change the future of position 5
    torch.testing.assert_close(lm(changed)[:, :6], out[:, :6])
    assert not torch.allclose(lm(changed)[:, 6:], out[:, 6:])


def test_same_size_and_initial_weights_as_the_rope_model():
    torch.manual_seed(0)
    rope = CausalLM(11, d_model=16, num_heads=4, num_layers=2, positional="rope")
    torch.manual_seed(0)
    alibi = ALiBiLM(11, d_model=16, num_heads=4, num_layers=2)
    a, b = dict(rope.named_parameters()), dict(alibi.named_parameters())
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0)


def test_the_bias_changes_the_output_and_equals_the_explicit_mask():
    torch.manual_seed(1)
    lm = ALiBiLM(7, d_model=8, num_heads=2, num_layers=1).eval()
    idx = torch.randint(0, 7, (1, 6))
    x = lm.tok_emb(idx)
    causal = torch.ones(6, 6, dtype=torch.bool).tril()
    bias = alibi_bias(2, 6).masked_fill(~causal, float("-inf"))[None]  # (1, H, L, L)
    by_hand = lm.lm_head(lm.norm(lm.blocks[0](x, src_mask=bias)))
    torch.testing.assert_close(lm(idx), by_hand)
    no_bias = lm.lm_head(lm.norm(lm.blocks[0](x, is_causal=True)))
    assert not torch.allclose(lm(idx), no_bias)


def test_bad_input_gets_a_clear_error():
    lm = ALiBiLM(5, d_model=8, num_heads=2, num_layers=1)
    with pytest.raises(ValueError, match=r"\(B, L\).*\(3,\)"):
        lm(torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="divisible"):
        ALiBiLM(5, d_model=10, num_heads=4)
