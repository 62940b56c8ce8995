"""ROUGE-N against hand-computed values and an independent set-based reference."""

from __future__ import annotations

import numpy as np
import pytest
from attnlib.rouge import ngrams, rouge_n, summary_tokens, top_k


def test_rouge_by_hand():
    ref = "the cat sat on the mat".split()
    cand = "the cat lay on the rug".split()
    # unigrams shared: the, the, cat, on -> 4 of 6 each side
    assert rouge_n(cand, ref, 1) == pytest.approx(4 / 6)
    # bigrams shared: (the, cat), (on, the) -> 2 of 5 each side
    assert rouge_n(cand, ref, 2) == pytest.approx(2 / 5)
    assert rouge_n(ref, ref, 2) == 1.0
    assert rouge_n(["dog"], ref, 1) == 0.0


def test_repeated_ngrams_count_at_most_as_often_as_the_reference():
    # candidate repeats "a b" three times; the reference has it once
    assert rouge_n("a b a b a b".split(), "a b".split(), 2) == pytest.approx(
        2 * 1 / 5 / (1 / 5 + 1)
    )


def test_against_distinct_ngram_reference_when_nothing_repeats():
    rng = np.random.default_rng(0)
    for _ in range(50):
        c = [str(w) for w in rng.permutation(20)[:8]]
        r = [str(w) for w in rng.permutation(20)[:6]]
        m = len(set(c) & set(r))
        expected = 0.0 if m == 0 else 2 * (m / 8) * (m / 6) / (m / 8 + m / 6)
        assert rouge_n(c, r, 1) == pytest.approx(expected)


def test_top_k_and_summary_tokens():
    assert top_k([0.1, 0.9, 0.5, 0.9], 2) == [1, 3]  # document order
    assert top_k([1.0, 1.0, 1.0], 2) == [0, 1]  # ties: earlier sentence
    sentences = [["a", "."], ["b", "."], ["c", "."]]
    assert summary_tokens(sentences, [2, 0]) == ["a", ".", "c", "."]
    assert sum(ngrams("a b c".split(), 2).values()) == 2


def test_bad_input_raises():
    with pytest.raises(ValueError, match="reference has no 2-gram"):
        rouge_n(["a"], ["a"], 2)
    with pytest.raises(ValueError, match="n must be"):
        ngrams(["a"], 0)
    with pytest.raises(ValueError, match="k <= 3"):
        top_k([1, 2, 3], 4)
