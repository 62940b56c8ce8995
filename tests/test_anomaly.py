"""Anomaly detectors and metrics against independent references, and the attention forecaster."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from attnlib.anomaly import (
    best_threshold,
    f1_at,
    forecast_scores,
    linear_forecast_scores,
    pca_window_scores,
    roc_auc,
    rolling_zscore,
    standardize,
)
from attnlib.nn.anomaly import AttentionForecaster, predict

rng = np.random.default_rng(0)


def test_roc_auc_equals_the_pairwise_definition_with_ties():
    scores = rng.integers(0, 5, 60).astype(float)  # many ties
    positive = rng.random(60) < 0.3
    pos, neg = scores[positive], scores[~positive]
    pairs = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    assert roc_auc(scores, positive) == pytest.approx(pairs, abs=1e-12)
    assert roc_auc(-scores, positive) == pytest.approx(1 - pairs, abs=1e-12)


def test_f1_and_best_threshold():
    scores = np.array([0.1, 0.2, 0.9, 0.8, 0.3, 0.95])
    positive = np.array([0, 0, 1, 1, 0, 0], bool)
    assert f1_at(scores, positive, 0.5) == pytest.approx((2 / 3, 1.0, 0.8))
    assert f1_at(scores, positive, 0.99) == (0.0, 0.0, 0.0)
    t = best_threshold(scores, positive)
    assert f1_at(scores, positive, t)[2] >= 0.8


def test_rolling_zscore_against_a_loop():
    x = rng.normal(size=(30, 3))
    s = rolling_zscore(x, 5)
    t = 17
    window = x[t - 5 : t]
    expected = np.max(np.abs(x[t] - window.mean(0)) / window.std(0))
    assert s[t] == pytest.approx(expected, rel=1e-6)
    assert (s[:2] == 0).all() and s.shape == (30,)
    expected = np.max(np.abs(x[3] - x[:3].mean(0)) / x[:3].std(0))  # expanding window
    assert s[3] == pytest.approx(expected, rel=1e-6)


def test_pca_is_exact_on_data_in_its_subspace_and_flags_what_leaves_it():
    basis = rng.normal(size=(2, 3))
    train = rng.normal(size=(400, 2)) @ basis  # rank-2 stream in 3 channels
    x = rng.normal(size=(50, 2)) @ basis
    window = 1  # windows of one step: the subspace is exactly rank 2
    assert pca_window_scores(train, x, window, k=2).max() < 1e-18 + 1e-20
    x[20] += np.cross(basis[0], basis[1])  # leave the plane
    s = pca_window_scores(train, x, window, k=2)
    assert s.argmax() == 20 and s[20] > 1e-3


def test_linear_forecast_recovers_an_autoregression():
    x = np.zeros((600, 2))
    for t in range(1, 600):
        x[t] = 0.8 * x[t - 1][::-1] + rng.normal(0, 0.1, 2)
    scores, B = linear_forecast_scores(x, x, window=1, ridge=0.0)
    np.testing.assert_allclose(B[:2], [[0, 0.8], [0.8, 0]], atol=0.05)
    assert scores[:1].tolist() == [0.0] and scores[1:].mean() == pytest.approx(2.0, rel=0.2)


def test_standardize_and_forecast_scores():
    train = rng.normal(3, 2, size=(500, 2))
    (z,) = standardize(train, train)
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(z.std(0), 1, atol=1e-5)
    s = forecast_scores(np.zeros((2, 2)), np.array([[1.0, 2.0], [0, 0]]), np.array([1.0, 4.0]))
    np.testing.assert_allclose(s, [2.0, 0.0])


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"\(T, C\)"):
        rolling_zscore(np.zeros(10), 3)
    with pytest.raises(ValueError, match="channels"):
        standardize(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="positives and negatives"):
        roc_auc(np.zeros(3), np.zeros(3, bool))
    with pytest.raises(ValueError, match="NaN"):  # NaN never ranks as a number
        roc_auc(np.array([0.1, np.nan, 0.3]), np.array([True, False, False]))
    with pytest.raises(ValueError, match=r"variance must be \(2,\)"):
        forecast_scores(np.zeros((3, 2)), np.zeros((3, 2)), np.ones(3))


def test_attention_forecaster_shapes_causality_of_the_window_and_errors():
    torch.manual_seed(0)
    model = AttentionForecaster(channels=3, window=6, embed_dim=8, num_heads=2).eval()
    x = torch.randn(5, 6, 3)
    out, attention = model(x, return_attention=True)
    assert out.shape == (5, 3) and attention[0].shape == (5, 2, 6, 6)
    torch.testing.assert_close(attention[0].sum(-1), torch.ones(5, 2, 6))
    torch.testing.assert_close(predict(model, x, batch_size=2), model(x))
    # the forecast is the last reading plus a learned correction: zero head -> persistence
    torch.nn.init.zeros_(model.head.weight)
    torch.nn.init.zeros_(model.head.bias)
    torch.testing.assert_close(model(x), x[:, -1])
    with pytest.raises(ValueError, match=r"\(B, 6, 3\)"):
        model(torch.randn(5, 7, 3))
    with pytest.raises(ValueError, match="divisible"):
        AttentionForecaster(3, 6, embed_dim=10, num_heads=4)


def test_auc_by_kind_leaves_the_other_kinds_out():
    from attnlib.anomaly import auc_by_kind

    labels = np.array([0, 0, 0, 1, 2, 2, 0])
    scores = np.array([0.1, 0.2, 0.3, 0.9, 0.25, 0.05, 0.4])
    assert auc_by_kind(scores, labels, kinds=(1, 2)) == [1.0, pytest.approx(2 / 8)]


def test_a_trained_forecaster_scores_a_spike_highest():
    from attnlib.data.machines import normal_machine
    from attnlib.nn.anomaly import fit_forecaster, forecaster_scores

    train = normal_machine(600, seed=0)
    (train,) = standardize(train, train)
    torch.manual_seed(0)
    model = fit_forecaster(AttentionForecaster(4, 8, embed_dim=8, num_heads=2), train, steps=60,
                           lr=1e-2)  # fmt: skip
    stream = train[:200].copy()
    stream[120, 1] += 8.0
    s = forecaster_scores(model, train, stream)
    assert s.shape == (200,) and (s[:8] == 0).all()
    assert s.argmax() == 120
    assert np.median(s[8:]) < 4 * 2  # near C = 4 on normal steps (the variance is normal data's)
    with pytest.raises(ValueError, match=r"\(T, 4\)"):
        fit_forecaster(model, train[:, :3])
