"""Sentence scorers: shapes, padding respected, context used only by the models that have it."""

from __future__ import annotations

import pytest
import torch
from attnlib.nn.extractive import (
    SentenceEncoder,
    SentenceGRU,
    SentenceMLP,
    SentenceVectors,
    sentence_loss,
)

V, N, W = 20, 6, 4
MODELS = (SentenceEncoder, SentenceGRU, SentenceMLP)


def words(seed=0, lengths=(6, 4)):
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(1, V, (len(lengths), N, W), generator=g)
    x[:, :, 3] = 0  # every sentence has three words
    for b, n in enumerate(lengths):
        x[b, n:] = 0  # padding sentences
    return x


def test_sentence_vectors_are_mean_embeddings_plus_position():
    torch.manual_seed(0)
    m = SentenceVectors(V, 8, N)
    x = words()
    v, real = m(x)
    assert v.shape == (2, N, 8) and real.tolist()[1] == [True] * 4 + [False] * 2
    by_hand = m.embed.weight[x[0, 2, :3]].mean(0) + m.pos.weight[2]
    torch.testing.assert_close(v[0, 2], by_hand)


@pytest.mark.parametrize("model", MODELS)
def test_padding_sentences_score_minus_inf_and_do_not_matter(model):
    torch.manual_seed(0)
    m = model(V, max_sentences=N).eval()
    x = words()
    z = m(x)
    assert z.shape == (2, N)
    assert torch.isinf(z[1, 4:]).all() and torch.isfinite(z[1, :4]).all()
    alone = m(x[1:, :4])  # the same document without its padding sentences
    torch.testing.assert_close(z[1:, :4], alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("model", MODELS)
def test_only_context_models_depend_on_other_sentences(model):
    torch.manual_seed(0)
    m = model(V, max_sentences=N).eval()
    x = words(lengths=(6,))
    y = x.clone()
    y[0, 5, :3] = torch.tensor([1, 2, 3])  # change the last sentence only
    changed = (m(x)[0, :5] - m(y)[0, :5]).abs().max().item()
    assert (changed > 1e-4) == (model is not SentenceMLP)


def test_encoder_weights_are_distributions_over_real_sentences():
    torch.manual_seed(0)
    m = SentenceEncoder(V, max_sentences=N, num_layers=2).eval()
    _, weights = m(words(), need_weights=True)
    assert len(weights) == 2 and weights[0].shape == (2, N, N)
    torch.testing.assert_close(weights[0][1, :4].sum(-1), torch.ones(4))
    assert weights[0][1, :, 4:].abs().max() == 0


def test_loss_ignores_padding_and_matches_bce():
    z = torch.tensor([[2.0, -1.0, float("-inf")]])
    y = torch.tensor([[1, 0, 0]])
    expected = torch.nn.functional.binary_cross_entropy_with_logits(z[0, :2], y[0, :2].float())
    torch.testing.assert_close(sentence_loss(z, y), expected)


def test_bad_input_raises():
    m = SentenceEncoder(V, max_sentences=N)
    with pytest.raises(ValueError, match=r"\(B, N, W\) int64"):
        m(torch.zeros(2, N))
    with pytest.raises(ValueError, match="max_sentences"):
        m(torch.ones(1, N + 1, W, dtype=torch.long))
    with pytest.raises(ValueError, match="differ"):
        sentence_loss(torch.zeros(2, 3), torch.zeros(2, 4))
