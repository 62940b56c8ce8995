"""Word-overlap scores for reading tasks: SQuAD's exact match and token F1, and a lexical reader.

The lexical reader is the baseline a practitioner tries first for extractive question answering
(the sliding-window matcher of MCTest): pick the passage sentence sharing the most words with the
question, then answer with the last run of that sentence's words that are neither in the question
nor stop words. Stop words are learned without labels: the words found in most passages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from attnlib.rouge import rouge_n

FUNCTION_WORDS = frozenset({"the", "a", "an", "in", "as", "of", "is", ".", "?"})


def exact_match(predicted: Sequence[str], gold: Sequence[str]) -> float:
    """1.0 if the predicted tokens equal the gold tokens, else 0.0."""
    return float(list(predicted) == list(gold))


def token_f1(predicted: Sequence[str], gold: Sequence[str]) -> float:
    r"""SQuAD's token F1, which is ROUGE-1 F1 (:func:`attnlib.rouge.rouge_n` with ``n=1``).

    $P = |p \cap g| / |p|$, $R = |p \cap g| / |g|$, $F_1 = 2PR / (P + R)$, with $\cap$ counting
    repeated tokens at most as often as both sides hold them; 0 when nothing is shared.
    """
    if not gold:
        raise ValueError("the gold answer is empty")
    return rouge_n(predicted, gold, n=1)


def frequent_words(passages: Sequence[Sequence[str]], min_share: float = 0.5) -> frozenset[str]:
    """Words that occur in at least ``min_share`` of the passages (low IDF): the stop words."""
    if not passages or not 0 < min_share <= 1:
        raise ValueError(f"need passages and 0 < min_share <= 1, got {len(passages)}, {min_share}")
    counts = Counter(w for p in passages for w in set(p))
    return frozenset(w for w, c in counts.items() if c >= min_share * len(passages))


def lexical_span(
    passage: Sequence[str],
    sentence: Sequence[int],
    question: Sequence[str],
    stop_words: frozenset[str] = FUNCTION_WORDS,
) -> tuple[int, int]:
    """The lexical reader's answer: (start, end) positions, inclusive.

    Args:
        passage: S tokens. sentence: (S,) sentence index of every token. question: its tokens.
        stop_words: words never counted as overlap nor answered (default: function words).

    Returns:
        the span of the last run of non-question, non-stop words in the sentence with the
        largest number of distinct content words shared with the question (ties: the earlier).
    """
    if len(passage) != len(sentence):
        raise ValueError(f"passage has {len(passage)} tokens but sentence has {len(sentence)}")
    asked = set(question)
    best, best_overlap = sentence[0], -1
    for s in dict.fromkeys(sentence):
        words = {w for w, t in zip(passage, sentence) if t == s}
        overlap = len((words & asked) - stop_words)
        if overlap > best_overlap:
            best, best_overlap = s, overlap
    positions = [i for i, t in enumerate(sentence) if t == best]
    candidate = [i for i in positions if passage[i] not in asked | stop_words]
    if not candidate:
        return positions[0], positions[0]
    end = start = candidate[-1]
    while start - 1 in candidate:
        start -= 1
    return start, end
