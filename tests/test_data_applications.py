"""Tests of the application datasets in attnlib.data: determinism, shapes, and planted rules."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import torch
from attnlib.data import (
    Vocab,
    date_pairs,
    hit_rate_and_ndcg,
    mask_tokens,
    number_pairs,
    number_to_words,
    pad_batch,
    seasonal_series,
    sentiment_sentences,
    sliding_windows,
    stdlib_source,
    train_val_split,
    user_histories,
)
from attnlib.data.sentiment import NEGATIVE, POSITIVE


def test_vocab_round_trip_and_padding_id():
    vocab = Vocab.from_texts(["abc", "cab"])
    assert vocab["<pad>"] == 0
    ids = vocab.encode("cab", bos=True, eos=True)
    assert ids[0] == vocab["<bos>"] and ids[-1] == vocab["<eos>"]
    assert vocab.decode(ids) == "cab"
    assert vocab.decode(vocab.encode("z")) == ""  # unknown -> <unk>, dropped when stripping


def test_vocab_rejects_specials_without_pad_first():
    with pytest.raises(ValueError, match="<pad>"):
        Vocab("ab", specials=("<bos>",))


def test_pad_batch_shapes_mask_and_too_long():
    ids, mask = pad_batch([[5, 6, 7], [8]])
    assert ids.shape == (2, 3) and ids.dtype == np.int64
    np.testing.assert_array_equal(mask, [[True, True, True], [True, False, False]])
    with pytest.raises(ValueError, match="3 tokens"):
        pad_batch([[5, 6, 7]], length=2)


def test_date_pairs_are_deterministic_and_correct():
    pairs = date_pairs(300, seed=3)
    assert pairs == date_pairs(300, seed=3)
    assert pairs != date_pairs(300, seed=4)
    for source, target in pairs:
        date = dt.date.fromisoformat(target)
        assert str(date.year) in source
        assert 1900 <= date.year < 2100


@pytest.mark.parametrize(
    ("x", "words"),
    [
        (0, "zero"),
        (13, "thirteen"),
        (40, "forty"),
        (342, "three hundred forty two"),
        (7005, "seven thousand five"),
    ],
)
def test_number_to_words(x, words):
    assert number_to_words(x) == words


def test_number_to_words_rejects_out_of_range():
    with pytest.raises(ValueError, match="1000000"):
        number_to_words(1_000_000)


def test_number_pairs_targets_are_the_digits():
    for words, digits in number_pairs(50, seed=1):
        assert number_to_words(int(digits)) == words


def _clause_polarity(clause: list[str]) -> int:
    adjective = clause[-1]
    polarity = 1 if adjective in POSITIVE else 0
    assert adjective in POSITIVE + NEGATIVE
    return 1 - polarity if "not" in clause else polarity


def test_sentiment_labels_follow_the_grammar():
    sentences, labels = sentiment_sentences(500, seed=0)
    assert labels.shape == (500,) and set(np.unique(labels)) == {0, 1}
    for text, label in zip(sentences, labels):
        words = text.split()
        for joiner in ("but", "and"):
            if joiner in words:
                i = words.index(joiner)
                first, last = _clause_polarity(words[:i]), _clause_polarity(words[i + 1 :])
                assert (first == last) == (joiner == "and")
                break
        else:
            last = _clause_polarity(words)
        assert last == label, text
    assert 0.4 < labels.mean() < 0.6


def test_stdlib_source_reads_installed_python_and_splits():
    text = stdlib_source(("textwrap",))
    assert "def dedent" in text and text.isascii()
    train, val = train_val_split(text, 0.25)
    assert train + val == text and abs(len(val) - len(text) / 4) <= 1
    with pytest.raises(ValueError, match="no Python source"):
        stdlib_source(("math",))


def test_seasonal_series_is_deterministic_and_has_a_daily_cycle():
    x = seasonal_series(2000, seed=0)
    assert x.shape == (2000,) and x.dtype == np.float32
    np.testing.assert_array_equal(x, seasonal_series(2000, seed=0))
    # lag-24 autocorrelation is strongly positive, lag-12 negative: the daily cycle is there
    z = x - x.mean()
    assert np.corrcoef(z[24:], z[:-24])[0, 1] > 0.5
    assert np.corrcoef(z[12:], z[:-12])[0, 1] < 0.0


def test_sliding_windows_line_up():
    X, Y = sliding_windows(np.arange(10.0), context=3, horizon=2)
    assert X.shape == (6, 3) and Y.shape == (6, 2)
    np.testing.assert_array_equal(X[1], [1, 2, 3])
    np.testing.assert_array_equal(Y[1], [4, 5])
    # several channels: windows along the time axis, every channel kept
    X, Y = sliding_windows(np.arange(20.0).reshape(10, 2), context=3, horizon=2)
    assert X.shape == (6, 3, 2) and Y.shape == (6, 2, 2)
    np.testing.assert_array_equal(X[1, :, 1], [3, 5, 7])
    np.testing.assert_array_equal(Y[1, :, 0], [8, 10])
    windows, none = sliding_windows(np.arange(5.0), context=5, horizon=0)
    assert windows.shape == (1, 5) and none.shape == (1, 0)
    with pytest.raises(ValueError, match="time axis"):
        sliding_windows(np.float64(3.0), 2)
    with pytest.raises(ValueError, match="shorter"):
        sliding_windows(np.zeros((2, 5)), 2)


def test_user_histories_plant_chain_successors():
    h = user_histories(n_users=300, n_items=100, n_genres=5, length=15, p_next=0.7, seed=0)
    assert h.shape == (300, 15) and h.min() >= 1 and h.max() <= 100
    per_genre = 20
    prev, nxt = h[:, :-1], h[:, 1:]
    g, k = np.divmod(prev - 1, per_genre)
    successor = 1 + g * per_genre + (k + 1) % per_genre
    assert (nxt == successor).mean() > 0.6
    np.testing.assert_array_equal(h, user_histories(300, 100, 15, 5, 0.7, seed=0))


def test_hit_rate_and_ndcg_by_hand():
    scores = np.array([[0.0, 3.0, 2.0, 1.0], [0.0, 3.0, 2.0, 1.0]])
    hr, ndcg = hit_rate_and_ndcg(scores, np.array([1, 3]), k=2)
    assert hr == pytest.approx(0.5)  # target 1 has rank 1, target 3 has rank 3
    assert ndcg == pytest.approx(0.5 * 1.0)
    hr, ndcg = hit_rate_and_ndcg(scores, np.array([2, 3]), k=3)
    assert hr == pytest.approx(1.0)
    assert ndcg == pytest.approx(0.5 * (1 / np.log2(3) + 1 / np.log2(4)))


def test_mask_tokens_proportions_and_targets():
    ids = torch.randint(5, 50, (64, 40))
    ids[:, 30:] = 0  # padding
    gen = torch.Generator().manual_seed(0)
    corrupted, targets = mask_tokens(ids, mask_id=3, vocab_size=50, prob=0.15, generator=gen)
    chosen = targets != -100
    assert not chosen[:, 30:].any()  # padding is never chosen
    assert 0.12 < chosen[:, :30].float().mean() < 0.18
    torch.testing.assert_close(targets[chosen], ids[chosen])
    assert 0.7 < (corrupted[chosen] == 3).float().mean() < 0.9
    torch.testing.assert_close(corrupted[~chosen], ids[~chosen])
    with pytest.raises(TypeError, match="int64"):
        mask_tokens(ids.int(), 3, 50)
