"""User histories with planted sequential structure, for next-item recommendation.

Items are split into genres; inside a genre the items form a chain (a "series": episode 1, 2, 3 ...).
A user likes one or two genres. At each step the user watches the next item of the chain they
just watched with probability ``p_next``, jumps to a random item of a liked genre otherwise, and
now and then clicks a globally popular item. Popularity alone therefore recommends poorly; a model
that looks at the last few items (self-attention, SASRec) can find the chain.
"""

from __future__ import annotations

import numpy as np


def user_histories(
    n_users: int = 2000,
    n_items: int = 200,
    length: int = 20,
    n_genres: int = 10,
    p_next: float = 0.7,
    p_popular: float = 0.1,
    seed: int = 0,
) -> np.ndarray:
    """Generate interaction histories.

    Args:
        n_users: number of users U.
        n_items: number of items; ids are 1..n_items (0 is reserved for padding).
        length: items per user T.
        n_genres: genres; item i belongs to genre (i - 1) * n_genres // n_items.
        p_next: probability of watching the chain successor of the previous item.
        p_popular: probability of clicking one of the 10 most popular items instead.
        seed: generator seed.

    Returns:
        int64 array of shape (U, T) with item ids in 1..n_items.
    """
    if n_items % n_genres:
        raise ValueError(f"n_items={n_items} must be a multiple of n_genres={n_genres}")
    rng = np.random.default_rng(seed)
    per_genre = n_items // n_genres
    popular = 1 + rng.choice(n_items, size=10, replace=False)
    out = np.empty((n_users, length), dtype=np.int64)
    for u in range(n_users):
        liked = rng.choice(n_genres, size=int(rng.integers(1, 3)), replace=False)
        item = None
        for t in range(length):
            r = rng.random()
            if item is not None and r < p_next:
                g, k = divmod(item - 1, per_genre)
                item = 1 + g * per_genre + (k + 1) % per_genre
            elif r < p_next + p_popular:
                item = int(rng.choice(popular))
            else:
                g = int(rng.choice(liked))
                item = 1 + g * per_genre + int(rng.integers(per_genre))
            out[u, t] = item
    return out


def hit_rate_and_ndcg(scores: np.ndarray, targets: np.ndarray, k: int = 10):
    r"""HR@k and NDCG@k of full-catalogue rankings.

    $\text{HR@k} = \frac1N\sum_n [r_n \le k]$, $\text{NDCG@k} = \frac1N\sum_n
    [r_n \le k] / \log_2(r_n + 1)$, with $r_n$ the 1-based rank of the true item.

    Args:
        scores: (N, n_items + 1) scores; column 0 (padding) is ignored.
        targets: (N,) true item ids.

    Returns:
        (hr, ndcg) as floats.
    """
    if scores.shape[0] != targets.shape[0]:
        raise ValueError(f"scores {scores.shape} and targets {targets.shape} disagree on N")
    s = scores.astype(np.float64).copy()
    s[:, 0] = -np.inf
    true = s[np.arange(len(targets)), targets]
    rank = 1 + (s > true[:, None]).sum(axis=1)  # ties count in the model's favour
    hit = rank <= k
    return float(hit.mean()), float((hit / np.log2(rank + 1)).mean())
