"""ROUGE-N F1 (Lin, 2004) and the helpers of extractive summarization: top-k picks and lead-k.

ROUGE-N counts the n-grams a candidate summary shares with the reference, each at most as often
as both hold it. Scores here are for one reference, tokens already split, no stemming.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np


def ngrams(tokens: Sequence[str], n: int) -> Counter:
    """The multiset of the ``n``-grams of ``tokens`` (tuples)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int = 1) -> float:
    r"""ROUGE-N F1: $P = m / |C_n|$, $R = m / |R_n|$, $F_1 = 2PR / (P + R)$.

    $m = \sum_g \min(\#_C(g), \#_R(g))$ over the n-grams $g$ of candidate $C$ and reference $R$;
    0 when nothing is shared. Raises if the reference has no n-gram.
    """
    cand, ref = ngrams(candidate, n), ngrams(reference, n)
    if not ref:
        raise ValueError(f"the reference has no {n}-gram ({len(reference)} tokens)")
    shared = sum((cand & ref).values())
    if shared == 0:
        return 0.0
    precision, recall = shared / sum(cand.values()), shared / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def top_k(scores: Sequence[float], k: int) -> list[int]:
    """Indices of the ``k`` highest scores, in document order (ties: the earlier sentence)."""
    s = np.asarray(scores, dtype=float)
    if s.ndim != 1 or not 1 <= k <= len(s):
        raise ValueError(f"need 1-D scores and 1 <= k <= {s.size}, got shape {s.shape}, k={k}")
    return sorted(np.argsort(-s, kind="stable")[:k].tolist())


def summary_tokens(sentences: Sequence[Sequence[str]], picked: Sequence[int]) -> list[str]:
    """The tokens of the picked sentences, joined in document order."""
    return [w for i in sorted(picked) for w in sentences[i]]
