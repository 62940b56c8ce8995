"""FeatureTokenizer and FTTransformer: a NumPy oracle, shapes, the permutation property, gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from attnlib.nn.feature_tokenizer import FeatureTokenizer, FTTransformer, permute_features


def test_tokens_equal_a_numpy_reference():
    torch.manual_seed(0)
    tok = FeatureTokenizer(5, 3).double()
    x = torch.randn(4, 5, dtype=torch.float64)
    w, b = tok.weight.detach().numpy(), tok.bias.detach().numpy()
    expected = np.stack([[x[i, j].item() * w[j] + b[j] for j in range(5)] for i in range(4)])
    out = tok(x)
    assert out.shape == (4, 5, 3)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=0, atol=1e-12)


def test_a_zero_feature_is_its_bias_alone():
    tok = FeatureTokenizer(3, 4)
    out = tok(torch.zeros(2, 3))
    torch.testing.assert_close(out, tok.bias.detach().expand(2, 3, 4))


def test_shapes_of_logits_and_attention():
    torch.manual_seed(0)
    model = FTTransformer(7, num_classes=3, d_model=8, num_heads=2, num_layers=2)
    logits, attention = model(torch.randn(5, 7), return_attention=True)
    assert logits.shape == (5, 3)
    assert len(attention) == 2 and all(a.shape == (5, 2, 8, 8) for a in attention)
    torch.testing.assert_close(attention[-1].sum(-1), torch.ones(5, 2, 8))
    cls = model.cls_attention(torch.randn(5, 7))
    assert cls.shape == (5, 7) and bool((cls.sum(-1) <= 1 + 1e-6).all())


def test_permuting_features_with_their_parameters_leaves_the_output_unchanged():
    torch.manual_seed(0)
    model = FTTransformer(6, d_model=8, num_heads=2, num_layers=2).double().eval()
    x = torch.randn(9, 6, dtype=torch.float64)
    order = torch.tensor([3, 0, 5, 1, 4, 2])
    moved = permute_features(model, order)
    torch.testing.assert_close(moved(x[:, order]), model(x), rtol=0, atol=1e-10)
    # the [CLS] weights move with their features
    torch.testing.assert_close(moved.cls_attention(x[:, order]), model.cls_attention(x)[:, order])
    # without moving the parameters the output does change: the test can fail
    assert not torch.allclose(model(x[:, order]), model(x), atol=1e-6)


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    model = FTTransformer(4, d_model=8, num_heads=2)
    loss = torch.nn.functional.cross_entropy(model(torch.randn(6, 4)), torch.tensor([0, 1] * 3))
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, f"no gradient reaches {name}"


@pytest.mark.parametrize(
    "x, error, words",
    [
        (torch.randn(3, 5), ValueError, "(B, 4), got (3, 5)"),
        (torch.randn(3, 4, 1), ValueError, "(B, 4), got (3, 4, 1)"),
        (torch.ones(3, 4, dtype=torch.long), TypeError, "torch.int64"),
        (np.ones((3, 4), dtype=np.float32), TypeError, "ndarray"),
    ],
)
def test_bad_rows_get_a_clear_error(x, error, words):
    model = FTTransformer(4, d_model=8, num_heads=2)
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        model(x)


def test_a_bad_permutation_is_refused():
    with pytest.raises(ValueError, match="permutation of range"):
        permute_features(FTTransformer(3, d_model=4, num_heads=1), [0, 0, 1])
