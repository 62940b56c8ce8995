"""A synthetic sentiment grammar in which word order matters, so bag-of-words is not enough.

Sentences are one or two clauses, ``the plot was not very good but the music was great``.
A clause's polarity is its adjective's polarity, flipped by ``not``. Clauses joined by ``and``
agree; a clause after ``but`` contradicts the first. The label is the polarity of the *last*
clause. A "but" sentence holds one positive and one negative adjective, so a model that ignores
order cannot tell which one counts. The agreement rules also give a masked-token objective
something to learn without labels (adjectives of the same polarity appear in the same contexts).
"""

from __future__ import annotations

import numpy as np

SUBJECTS = ("film", "plot", "acting", "music", "ending", "cast", "dialogue", "pacing", "camera")
POSITIVE = ("good", "great", "superb", "charming", "moving", "clever", "gripping", "lovely")
NEGATIVE = ("bad", "dull", "awful", "clumsy", "boring", "weak", "tedious", "bland")
INTENSIFIERS = ("very", "really", "quite", "truly")


def _clause(rng: np.random.Generator, polarity: int, p_not: float, p_intens: float) -> str:
    negated = rng.random() < p_not
    adjectives = POSITIVE if (polarity == 1) != negated else NEGATIVE
    words = ["the", SUBJECTS[rng.integers(len(SUBJECTS))], "was"]
    if negated:
        words.append("not")
    if rng.random() < p_intens:
        words.append(INTENSIFIERS[rng.integers(len(INTENSIFIERS))])
    words.append(adjectives[rng.integers(len(adjectives))])
    return " ".join(words)


def sentiment_sentences(
    n: int,
    seed: int = 0,
    p_but: float = 0.4,
    p_and: float = 0.2,
    p_not: float = 0.3,
    p_intens: float = 0.3,
) -> tuple[list[str], np.ndarray]:
    """``n`` sentences and their labels (1 = positive, 0 = negative), balanced in expectation.

    Args:
        n: number of sentences.
        seed: seed of the generator (same seed, same sentences).
        p_but, p_and: probability of a second clause joined by ``but`` (opposite polarity)
            or ``and`` (same polarity); otherwise one clause.
        p_not, p_intens: probability that a clause is negated / intensified.

    Returns:
        sentences (list of n strings) and labels, int64 array of shape (n,).
    """
    rng = np.random.default_rng(seed)
    sentences, labels = [], np.empty(n, dtype=np.int64)
    for i in range(n):
        first = int(rng.integers(2))
        r = rng.random()
        text = _clause(rng, first, p_not, p_intens)
        last = first
        if r < p_but:
            last = 1 - first
            text += " but " + _clause(rng, last, p_not, p_intens)
        elif r < p_but + p_and:
            text += " and " + _clause(rng, last, p_not, p_intens)
        sentences.append(text)
        labels[i] = last
    return sentences, labels
