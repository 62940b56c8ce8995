"""Induction heads: the per-head model equals a plain computation, ablation zeroes a head,
patching a run with its own activations changes nothing, scores pick the right positions,
and a short training run forms induction heads."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from attnlib.modern.induction import (
    AttentionOnly,
    induction_scores,
    previous_token_scores,
    repeated_sequences,
)


def test_repeated_sequences_repeat():
    x, y = repeated_sequences(3, 5, 10, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (3, 9)
    assert torch.equal(x[:, 5:], x[:, :4]) and torch.equal(y[:, :-1], x[:, 1:])


def test_scores_read_the_right_positions():
    L, half = 7, 4
    w = torch.zeros(1, 2, L, L)
    t = torch.arange(half, L)
    w[0, 0, t, t - half + 1] = 1.0  # head 0: a perfect induction head
    w[0, 1, torch.arange(1, L), torch.arange(L - 1)] = 1.0  # head 1: previous token
    assert induction_scores(w, half).tolist() == [1.0, 0.0]
    assert previous_token_scores(w).tolist() == [0.0, 1.0]


def test_ablation_and_self_patching():
    torch.manual_seed(0)
    m = AttentionOnly(vocab=10, max_len=8)
    x = torch.randint(0, 10, (2, 8))
    clean = m(x)
    own = {(1, 0): m.head_outputs[1][:, 0]}
    assert torch.allclose(m(x, patch=own), clean, atol=1e-6)  # patching with itself: no change
    ablated = m(x, ablate={(1, 0)})
    assert torch.count_nonzero(m.head_outputs[1][:, 0]) == 0
    assert not torch.allclose(ablated, clean)
    # the layer output is x + the sum of head outputs
    manual = m.emb(x) + m.pos[:8] + m.head_outputs[0].sum(1) + m.head_outputs[1].sum(1)
    assert torch.allclose(m.unembed(manual), ablated, atol=1e-5)


def test_training_forms_an_induction_head():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    m = AttentionOnly(vocab=32, max_len=24)
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
    for _ in range(300):
        x, y = repeated_sequences(64, 12, 32, g)
        loss = F.cross_entropy(m(x)[:, 12:].flatten(0, 1), y[:, 12:].flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
    x, _ = repeated_sequences(64, 12, 32, torch.Generator().manual_seed(1))
    with torch.no_grad():
        m(x)
    assert induction_scores(m.weights[1], 12).max() > 0.5  # chance is about 1/(t + 1) < 0.08
