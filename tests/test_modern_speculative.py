"""Speculative decoding samples from the target's distribution (a chi-square test on small
bigram models), counts what it claims, and top-k / top-p keep the tokens they should."""

from __future__ import annotations

import pytest
import torch
from attnlib.modern.speculative import (
    probabilities,
    speculative_generate,
    top_k_filter,
    top_p_filter,
)
from scipy.stats import chisquare


class Bigram:
    """A model whose next-token logits depend on the last token only: logits[idx[-1]]."""

    def __init__(self, logits: torch.Tensor) -> None:
        self.logits = logits  # (V, V)

    def __call__(self, idx: torch.Tensor) -> torch.Tensor:
        return self.logits[idx]  # (1, L) -> (1, L, V)


def models(V=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    target = torch.randn(V, V, generator=g, dtype=torch.float64) * 1.5
    draft = target + torch.randn(V, V, generator=g, dtype=torch.float64)  # a rough copy
    return Bigram(target), Bigram(draft)


def test_the_first_two_tokens_follow_the_target_distribution():
    target, draft = models()
    g = torch.Generator().manual_seed(1)
    prompt = torch.tensor([[0]])
    counts = torch.zeros(5, 5)
    for _ in range(4000):
        out, _ = speculative_generate(target, draft, prompt, 2, k=3, generator=g)
        counts[out[0, 1], out[0, 2]] += 1
    p1 = target.logits[0].softmax(-1)  # (V,)
    joint = p1[:, None] * target.logits.softmax(-1)  # p(a) p(b | a): (V, V)
    result = chisquare(counts.flatten().numpy(), 4000 * joint.flatten().numpy())
    assert result.pvalue > 0.001  # fails for a wrong rule (e.g. always accepting)


def test_always_accepting_the_draft_is_caught_by_the_same_test():
    target, draft = models()
    g = torch.Generator().manual_seed(1)
    counts = torch.zeros(5)
    for _ in range(4000):
        q = draft.logits[0].softmax(-1)
        counts[torch.multinomial(q, 1, generator=g)] += 1
    p1 = target.logits[0].softmax(-1)
    assert chisquare(counts.numpy(), 4000 * p1.numpy()).pvalue < 1e-6


def test_acceptance_matches_the_overlap_of_the_distributions():
    target, draft = models()
    g = torch.Generator().manual_seed(2)
    _, stats = speculative_generate(target, draft, torch.tensor([[0]]), 3000, k=1, generator=g)
    p, q = target.logits.softmax(-1), draft.logits.softmax(-1)
    alpha = torch.minimum(p, q).sum(-1)  # (V,) per previous token
    assert alpha.min() - 0.05 < stats.acceptance < alpha.max() + 0.05
    assert stats.target_calls * 1 >= stats.drafted  # k = 1: one drafted token per call


def test_identical_draft_accepts_everything_and_saves_calls():
    target, _ = models()
    g = torch.Generator().manual_seed(3)
    out, stats = speculative_generate(target, target, torch.tensor([[1]]), 50, k=4, generator=g)
    assert out.shape == (1, 51) and stats.accepted == stats.drafted
    assert stats.target_calls == 10  # 4 accepted + 1 bonus token per call


def test_top_k_and_top_p():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    assert torch.isinf(top_k_filter(logits, 2)).tolist() == [False, False, True, True]
    assert torch.isinf(top_p_filter(logits, 0.8)).tolist() == [False, False, True, True]
    assert torch.isinf(top_p_filter(logits, 0.81)).tolist() == [False, False, False, True]
    assert torch.isinf(top_p_filter(logits, 0.4)).tolist() == [False, True, True, True]
    probs = probabilities(logits, top_k=2)
    assert torch.allclose(probs, torch.tensor([0.625, 0.375, 0.0, 0.0]))
    with pytest.raises(ValueError, match="p must be in"):
        top_p_filter(logits, 0.0)
