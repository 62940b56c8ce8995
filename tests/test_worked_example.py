"""The golden 5-token example: pen-and-paper properties, the by-hand text, and oracles."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from attnlib import worked_example as we


def test_shapes_and_pen_and_paper_entries():
    assert len(we.TOKENS) == 5
    assert we.X.shape == (5, 4)
    for w in (we.W_Q, we.W_K, we.W_V):
        assert w.shape == (4, 4)
        assert set(np.unique(w)) <= {-1.0, 0.0, 1.0}
    assert set(np.unique(we.X)) <= {0.0, 1.0}
    # "the" appears twice with one embedding: only positions can tell them apart
    assert we.TOKENS[0] == we.TOKENS[3]
    np.testing.assert_array_equal(we.X[0], we.X[3])


def test_scores_are_integers_and_scale_is_one_half():
    s = we.steps()
    np.testing.assert_array_equal(s.scores, np.round(s.scores))
    np.testing.assert_allclose(s.scaled, s.scores / 2.0)


def test_hand_row_has_closed_form():
    w = we.steps().weights[we.HAND_ROW]
    total = 3 * math.e + 2 * math.exp(-0.5)
    expected = np.array([math.e, math.e, math.exp(-0.5), math.e, math.exp(-0.5)]) / total
    np.testing.assert_allclose(w, expected, rtol=1e-12)


@pytest.mark.parametrize("is_causal", [False, True])
def test_weights_are_distributions(is_causal):
    w = we.steps(is_causal=is_causal).weights
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-12)
    assert (w >= 0).all()
    if is_causal:
        assert np.all(w[np.triu_indices(5, k=1)] == 0.0)


@pytest.mark.parametrize("is_causal", [False, True])
def test_steps_match_torch_sdpa(is_causal):
    s = we.steps(is_causal=is_causal)
    q, k, v = (torch.tensor(a) for a in (s.q, s.k, s.v))  # (L, D) float64
    out = F.scaled_dot_product_attention(q, k, v, is_causal=is_causal)
    np.testing.assert_allclose(out.numpy(), s.out, rtol=1e-12, atol=1e-12)


def test_causal_row_ignores_later_tokens():
    x = we.X.copy()
    x[3:] = [[5.0, -2.0, 1.0, 0.0], [0.0, 3.0, 3.0, 3.0]]
    before, after = we.steps(is_causal=True).out, we.steps(x, is_causal=True).out
    np.testing.assert_allclose(after[:3], before[:3])
    assert not np.allclose(after[3:], before[3:])


def test_two_heads_match_torch_multihead_attention():
    mha = torch.nn.MultiheadAttention(4, 2, bias=False, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.tensor(np.concatenate([we.W_Q.T, we.W_K.T, we.W_V.T])))
        mha.out_proj.weight.copy_(torch.tensor(we.W_O.T))
    x = torch.tensor(we.X)[None]  # (1, L, E)
    for causal in (False, True):
        blocked = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)  # True = blocked (torch's)
        mask = blocked if causal else None
        out, _ = mha(x, x, x, attn_mask=mask, need_weights=False)
        np.testing.assert_allclose(
            out[0].detach().numpy(), we.multi_head_output(is_causal=causal), rtol=1e-12, atol=1e-12
        )


def test_head_columns_partition_projections():
    h0, h1 = we.steps(head=0), we.steps(head=1)
    full = we.steps()
    np.testing.assert_array_equal(np.concatenate([h0.q, h1.q], axis=1), full.q)
    np.testing.assert_allclose(h0.scores + h1.scores, full.scores)


def test_by_hand_text_prints_the_computed_numbers():
    s = we.steps()
    row = we.HAND_ROW
    text = we.by_hand_markdown()
    assert f"{s.row_sums[row]:.4f}" in text
    for value in (*s.weights[row], *s.out[row], *s.exp[row]):
        assert f"{value:.4f}" in text
    assert text.count("- coordinate") == 4


def test_scratch_reproduces_the_example():
    scratch = pytest.importorskip("attnlib.scratch")
    for causal in (False, True):
        s = we.steps(is_causal=causal)
        out, w = scratch.scaled_dot_product_attention(
            s.q, s.k, s.v, is_causal=causal, return_weights=True
        )
        np.testing.assert_allclose(out, s.out, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(w, s.weights, rtol=1e-12, atol=1e-12)


def test_positional_encoding_separates_the_two_the_tokens():
    pytest.importorskip("attnlib.scratch")
    plain = we.steps().out
    np.testing.assert_allclose(plain[0], plain[3])  # same embedding, no positions -> same output
    x = we.embeddings(positional=True)
    assert x.shape == (5, 4)
    np.testing.assert_allclose(x[0] - we.X[0], [0.0, 1.0, 0.0, 1.0], atol=1e-12)  # sin 0, cos 0
    moved = we.steps(x).out
    assert np.abs(moved[0] - moved[3]).max() > 0.05


def test_errata_numbers():
    assert math.isclose(we.ERRATA_QUOTED_WEIGHTS.sum(), 0.54, abs_tol=1e-12)
    p = np.exp(we.ERRATA_SCORES) / np.exp(we.ERRATA_SCORES).sum()
    np.testing.assert_allclose(p, [0.050, 0.067, 0.111, 0.223, 0.549], atol=6e-4)
    np.testing.assert_allclose(we.ERRATA_EMBEDDINGS * we.ERRATA_INPUTS, we.ERRATA_SCORES)
    with pytest.raises(ValueError):
        we.ERRATA_EMBEDDINGS[:, None] @ we.ERRATA_W_Q  # (5, 1) @ (5, 2): the shapes do not fit


def test_numbers_quoted_in_the_chapter_exercises():
    s = we.steps()
    np.testing.assert_array_equal(s.q[4], [-1, 2, -1, -1])
    np.testing.assert_array_equal(s.scores[4], [2, 5, -1, 2, 1])
    np.testing.assert_allclose(s.row_sums[4], 19.8743, atol=5e-5)
    np.testing.assert_allclose(s.weights[4], [0.1368, 0.6130, 0.0305, 0.1368, 0.0830], atol=5e-5)
    np.testing.assert_allclose(s.out[4], [0.3041, 0.7265, 0.7730, 0.4175], atol=5e-5)
    unscaled = np.exp(s.scores[2]) / np.exp(s.scores[2]).sum()
    np.testing.assert_allclose(unscaled[[0, 2]], [0.3226, 0.0161], atol=5e-5)

    def entropy(p):
        return -(p * np.log(p)).sum()

    assert round(entropy(s.weights[2]), 2) == 1.43 and round(entropy(unscaled), 2) == 1.23
