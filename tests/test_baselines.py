"""The no-attention baselines of the application chapters: shapes, masking, parameter counts."""

from __future__ import annotations

import pytest
import torch
from attnlib.baselines import (
    GRUClassifier,
    GRULanguageModel,
    GRUSeq2Seq,
    SmallCNN,
    mean_and_spread,
)
from attnlib.train import count_parameters


def test_gru_seq2seq_parameter_counts_match_the_chapter():
    # the translation chapter matches these against the Transformer's 121,616
    assert count_parameters(GRUSeq2Seq(40, 16, hidden=96)) == 118_672
    assert count_parameters(GRUSeq2Seq(40, 16, hidden=96, attention=True)) == 120_208


@pytest.mark.parametrize("attention", [False, True])
def test_gru_seq2seq_ignores_padding(attention):
    torch.manual_seed(0)
    model = GRUSeq2Seq(10, 7, hidden=8, attention=attention).eval()
    s = torch.tensor([[3, 4, 5, 0, 0]])
    real = s != 0
    t = torch.tensor([[1, 2, 3]])
    noisy = s.clone()
    noisy[0, 3:] = 9  # other ids in the padded slots
    out, w = model(s, t, real, return_attention=True)
    assert out.shape == (1, 3, 7)
    torch.testing.assert_close(out, model(noisy, t, real))
    if attention:
        assert w.shape == (1, 3, 5)
        torch.testing.assert_close(w.sum(-1), torch.ones(1, 3))
        assert (w[..., 3:] == 0).all()
    else:
        assert w is None


def test_greedy_decode_writes_max_len_ids():
    model = GRUSeq2Seq(10, 7, hidden=8, attention=True)
    s = torch.tensor([[3, 4, 0], [5, 6, 7]])
    ids = model.greedy_decode(s, max_len=4, bos_id=1, eos_id=2, src_key_padding_mask=s != 0)
    assert ids.shape == (2, 4) and (ids[:, 0] == 1).all()


def test_gru_classifier_reads_the_last_real_token():
    torch.manual_seed(0)
    model = GRUClassifier(10, 2, hidden=8).eval()
    x = torch.tensor([[3, 4, 0, 0], [3, 4, 5, 6]])
    out = model(x, x != 0)
    assert out.shape == (2, 2)
    torch.testing.assert_close(out[:1], model(x[:1, :2], x[:1, :2] != 0))


def test_shape_mismatch_is_reported_before_any_arithmetic():
    with pytest.raises(ValueError, match="padding mask"):
        GRUClassifier(10, 2)(torch.zeros(2, 4, dtype=torch.long), torch.ones(2, 3, dtype=bool))
    with pytest.raises(ValueError, match=r"\(B, 1, 8, 8\)"):
        SmallCNN()(torch.zeros(2, 8, 8))


def test_small_cnn_is_about_the_size_of_the_vit():
    model = SmallCNN()
    assert model(torch.zeros(3, 1, 8, 8)).shape == (3, 10)
    assert count_parameters(model) == 25_730


def test_mean_and_spread_is_mean_and_sample_std():
    assert mean_and_spread([1.0, 2.0, 3.0]) == "2.000 ± 1.000"
    with pytest.raises(ValueError):
        mean_and_spread([1.0])


def test_gru_language_model_is_causal_and_matches_the_gpt_size():
    torch.manual_seed(0)
    model = GRULanguageModel(97, hidden=128).eval()
    assert count_parameters(model) == 111_585  # the chapter's GPT has 110,400
    x = torch.randint(0, 97, (2, 10))
    y = x.clone()
    y[:, 6:] = (y[:, 6:] + 1) % 97  # change the future
    torch.testing.assert_close(model(x)[:, :6], model(y)[:, :6])
    assert model(x).shape == (2, 10, 97)
