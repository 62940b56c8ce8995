"""Tests of attnlib.train: the loop is seeded (repeatable), it learns, and it validates input."""

from __future__ import annotations

import pytest
import torch
from attnlib.train import count_parameters, fit, warmup_cosine


def _problem():
    true_w = torch.tensor([[2.0], [-3.0]])

    def get_batch(gen):
        x = torch.randn(32, 2, generator=gen)
        return x, x @ true_w

    def loss_fn(model, batch):
        x, y = batch
        return torch.nn.functional.mse_loss(model(x), y)

    return get_batch, loss_fn


def _run(seed):
    torch.manual_seed(123)
    model = torch.nn.Linear(2, 1)
    get_batch, loss_fn = _problem()
    hist = fit(
        model,
        loss_fn,
        get_batch,
        steps=200,
        lr=0.1,
        warmup=10,
        seed=seed,
        eval_fn=lambda m: float(m.weight[0, 0]),
        eval_every=50,
        progress=False,
    )
    return model, hist


def test_fit_learns_and_records_history():
    model, hist = _run(0)
    assert len(hist["loss"]) == 200 and hist["eval_step"] == [50, 100, 150, 200]
    assert hist["loss"][-1] < 0.01 * hist["loss"][0]
    torch.testing.assert_close(
        model.weight.detach(), torch.tensor([[2.0, -3.0]]), atol=0.05, rtol=0
    )
    assert not model.training


def test_fit_is_repeatable_with_the_same_seed_and_not_with_another():
    _, a = _run(0)
    _, b = _run(0)
    _, c = _run(1)
    assert a["loss"] == b["loss"]
    assert a["loss"] != c["loss"]


def test_warmup_cosine_shape():
    assert warmup_cosine(0, 100, 10) == pytest.approx(0.1)
    assert warmup_cosine(10, 100, 10) == pytest.approx(1.0)
    assert warmup_cosine(100, 100, 10) == pytest.approx(0.0)


def test_fit_rejects_nonpositive_steps_and_counts_parameters():
    model = torch.nn.Linear(3, 2)
    assert count_parameters(model) == 8
    with pytest.raises(ValueError, match="steps"):
        fit(model, lambda m, b: m(b).sum(), lambda g: torch.zeros(1, 3), steps=0)
