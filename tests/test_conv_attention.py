"""Tests of attnlib.nn.conv_attention (SE, spatial attention, AttentionCNN) and cluttered digits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from attnlib.data.cluttered_digits import cluttered_digits
from attnlib.nn.conv_attention import AttentionCNN, SpatialAttention, SqueezeExcitation


def feature_map(seed: int = 0, shape=(3, 8, 5, 6)) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def numpy_se(x: np.ndarray, w1, b1, w2, b2) -> tuple[np.ndarray, np.ndarray]:
    """Squeeze-and-excitation in NumPy: z = mean over (H, W), s = sigmoid(W2 relu(W1 z))."""
    z = x.mean(axis=(2, 3))  # (B, C)
    hidden = np.maximum(z @ w1.T + b1, 0.0)  # (B, C/r)
    s = 1.0 / (1.0 + np.exp(-(hidden @ w2.T + b2)))  # (B, C)
    return x * s[:, :, None, None], s


def test_se_matches_numpy_and_scales_each_channel_by_a_weight_in_0_1():
    torch.manual_seed(0)
    se = SqueezeExcitation(8, reduction=2).double()
    x = feature_map()
    y, s = se(x, return_weights=True)
    assert y.shape == x.shape and s.shape == (3, 8)
    assert ((s > 0) & (s < 1)).all()
    p = {k: v.detach().numpy() for k, v in se.state_dict().items()}
    ref_y, ref_s = numpy_se(x.numpy(), p["fc1.weight"], p["fc1.bias"], p["fc2.weight"],
                            p["fc2.bias"])  # fmt: skip
    np.testing.assert_allclose(s.detach().numpy(), ref_s, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y.detach().numpy(), ref_y, rtol=1e-12, atol=1e-12)
    # each output channel is the input channel times one number
    ratio = (y / x).detach()
    assert torch.allclose(ratio, s[:, :, None, None].detach().expand_as(ratio))


def test_se_is_equivariant_to_permuting_positions():
    se = SqueezeExcitation(8).double()
    x = feature_map()
    perm = torch.randperm(30, generator=torch.Generator().manual_seed(1))
    shuffled = x.flatten(2)[:, :, perm].reshape(x.shape)
    expected = se(x).flatten(2)[:, :, perm].reshape(x.shape)
    torch.testing.assert_close(se(shuffled), expected)


def test_spatial_map_shape_range_and_channel_permutation():
    torch.manual_seed(0)
    sa = SpatialAttention(kernel_size=3).double()
    x = feature_map()
    y, m = sa(x, return_weights=True)
    assert m.shape == (3, 1, 5, 6) and y.shape == x.shape
    assert ((m > 0) & (m < 1)).all()
    torch.testing.assert_close(y, x * m)
    # mean and max over channels do not see the channel order: same map, permuted output
    perm = torch.tensor([3, 0, 7, 1, 6, 2, 5, 4])
    y2, m2 = sa(x[:, perm], return_weights=True)
    torch.testing.assert_close(m2, m)
    torch.testing.assert_close(y2, y[:, perm])


def test_spatial_map_is_local():
    """A change at one position moves the map only within the kernel's reach (k=3: 1 pixel)."""
    sa = SpatialAttention(kernel_size=3).double()
    x = feature_map(shape=(1, 4, 7, 7))
    x2 = x.clone()
    x2[0, :, 0, 0] += 5.0
    _, m = sa(x, return_weights=True)
    _, m2 = sa(x2, return_weights=True)
    changed = (m - m2).abs()[0, 0] > 0
    assert changed[0, 0] and not changed[2:, :].any() and not changed[:, 2:].any()


@pytest.mark.parametrize("se,spatial", [(False, False), (True, False), (False, True), (True, True)])
def test_attention_cnn_shapes_and_weights(se, spatial):
    torch.manual_seed(0)
    model = AttentionCNN(image_size=16, num_classes=10, channels=(4, 8), se=se, spatial=spatial)
    logits, weights = model(torch.rand(5, 1, 16, 16), return_attention=True)
    assert logits.shape == (5, 10)
    assert set(weights) == {k for k, on in (("se", se), ("spatial", spatial)) if on}
    if se:
        assert weights["se"].shape == (5, 8)
    if spatial:
        assert weights["spatial"].shape == (5, 1, 8, 8)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"\(B, 1, 8, 8\).*\(2, 1, 16, 16\)"):
        AttentionCNN(image_size=8)(torch.rand(2, 1, 16, 16))
    with pytest.raises(ValueError, match="C=8 channels"):
        SqueezeExcitation(8)(torch.rand(2, 4, 3, 3))
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        SpatialAttention()(torch.rand(4, 3, 3))
    with pytest.raises(TypeError, match="floating-point"):
        SpatialAttention()(torch.ones(1, 2, 3, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="odd"):
        SpatialAttention(kernel_size=4)


def test_cluttered_digits_places_each_digit_and_repeats_from_its_seed():
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, size=(20, 8, 8))
    out, pos = cluttered_digits(images, canvas=16, fragments=3, noise=0.1, seed=4)
    assert out.shape == (20, 16, 16) and out.dtype == np.float32 and pos.shape == (20, 2)
    assert out.min() >= 0 and out.max() <= 1
    for i, (r, c) in enumerate(pos):
        assert (out[i, r : r + 8, c : c + 8] >= images[i].astype(np.float32) - 1e-7).all()
    again, pos2 = cluttered_digits(images, canvas=16, fragments=3, noise=0.1, seed=4)
    np.testing.assert_array_equal(again, out)
    np.testing.assert_array_equal(pos2, pos)
    other, _ = cluttered_digits(images, canvas=16, fragments=3, noise=0.1, seed=5)
    assert not np.array_equal(other, out)


def test_cluttered_digits_without_clutter_is_the_digit_on_a_blank_canvas():
    images = np.random.default_rng(1).uniform(0, 1, size=(5, 8, 8))
    out, pos = cluttered_digits(images, canvas=12, fragments=0, noise=0.0)
    for i, (r, c) in enumerate(pos):
        np.testing.assert_allclose(out[i, r : r + 8, c : c + 8], images[i], rtol=1e-6)
        assert out[i].sum() == pytest.approx(images[i].sum(), rel=1e-5)


def test_cluttered_digits_rejects_images_larger_than_the_canvas():
    with pytest.raises(ValueError, match="8x8 do not fit on a 6x6"):
        cluttered_digits(np.zeros((3, 8, 8)), canvas=6)


def test_residual_cnn_adds_the_block_input_back():
    """With ``residual=True`` the features after SE are X + s X = (1 + s) X."""
    torch.manual_seed(0)
    plain = AttentionCNN(image_size=8, channels=(4, 8), se=True)
    skip = AttentionCNN(image_size=8, channels=(4, 8), se=True, residual=True)
    skip.load_state_dict(plain.state_dict())
    captured = {}
    skip.head.register_forward_hook(lambda m, inp, out: captured.update(skip=inp[0]))
    plain.head.register_forward_hook(lambda m, inp, out: captured.update(plain=inp[0]))
    images = torch.rand(3, 1, 8, 8)
    _, w = skip(images, return_attention=True)
    plain(images)
    # pooled features: mean(X + sX) = (1 + s) mean(X), and mean(sX) = s mean(X)
    s = w["se"]
    torch.testing.assert_close(captured["skip"] * s, captured["plain"] * (1 + s))


def test_non_local_block_is_softmax_attention_over_positions():
    from attnlib.nn.conv_attention import NonLocalBlock

    torch.manual_seed(0)
    block = NonLocalBlock(8).double()
    x = feature_map()  # (3, 8, 5, 6)
    y, a = block(x, return_weights=True)
    assert y.shape == x.shape and a.shape == (3, 30, 30)
    torch.testing.assert_close(a.sum(-1), torch.ones(3, 30, dtype=torch.float64))
    # reference: torch's scaled_dot_product_attention on the flattened 1x1 projections
    q, k, v = (f(x).flatten(2).transpose(1, 2) for f in (block.theta, block.phi, block.g))
    z = torch.nn.functional.scaled_dot_product_attention(q, k, v)  # (B, N, C')
    expected = x + block.out(z.transpose(1, 2).reshape(3, 4, 5, 6))
    torch.testing.assert_close(y, expected)
    # permuting positions permutes the output the same way (no positional information)
    perm = torch.randperm(30, generator=torch.Generator().manual_seed(2))
    shuffled = x.flatten(2)[:, :, perm].reshape(x.shape)
    torch.testing.assert_close(block(shuffled), y.flatten(2)[:, :, perm].reshape(x.shape))
