"""Exercises of the part on modern attention: a sliding window with attention sinks, the
speculative-decoding acceptance rate and residual, and the split-K (FlashDecoding) merge.

Oracles do not reuse the student's algorithm: the mask is built by a double loop over (i, j);
the acceptance rate is the probability that the rule accepts, summed token by token as
q(x) min(1, p(x)/q(x)); the merge is checked against one softmax over all keys.
"""

from __future__ import annotations

import numpy as np
import torch

from attnlib.grading.catalog._common import rng, t
from attnlib.grading.spec import Exercise, Mistake, Test, register

# --- 14: sliding window + attention sinks -------------------------------------------------


def _sink_window(L, window, sinks):
    """Oracle: query i sees key j <= i when j is in the last ``window`` positions or a sink."""
    mask = np.zeros((L, L), bool)
    for i in range(L):
        for j in range(i + 1):
            mask[i, j] = (i - j < window) or (j < sinks)
    return mask


def _window_wrong(L, window, sinks, kind):
    i, j = np.arange(L)[:, None], np.arange(L)[None, :]
    near = (i - j < window) & (j <= i)
    if kind == "off_by_one":
        return ((i - j <= window) & (j <= i)) | ((j < sinks) & (j <= i))
    if kind == "sinks_see_future":
        return near | (j < sinks)
    if kind == "no_causal":
        return (np.abs(i - j) < window) | ((j < sinks) & (j <= i))
    return near  # "no_sinks"


def _fresh_windows(g: np.random.Generator) -> list[Test]:
    sizes = [(int(g.integers(6, 10)), int(g.integers(2, 4)), 1),
             (int(g.integers(8, 13)), int(g.integers(2, 5)), int(g.integers(2, 4))),
             (int(g.integers(3, 6)), 1, 1),
             (int(g.integers(4, 7)), 8, 2)]  # fmt: skip
    return [Test("", 0, s) for s in sizes]


register(
    Exercise(
        name="sink_window_mask",
        title="A sliding-window mask with attention sinks",
        functions=("sink_window_mask",),
        oracles={"sink_window_mask": _sink_window},
        bool_output=True,
        fresh=_fresh_windows,
        tests=[
            Test("L = 8, window 3, one sink", 2, (8, 3, 1)),
            Test("L = 10, window 4, two sinks", 2, (10, 4, 2)),
            Test("window 1: each query sees itself (and the sink)", 1, (5, 1, 1)),
            Test("a window wider than the sequence is plain causal", 1, (6, 8, 2), hidden=True),
        ],
        mistakes={
            "sink_window_mask": [
                Mistake(
                    "Off by one: a window of w keys is i - w < j <= i (w keys, the query's own "
                    "key included); you let i - j == w through.",
                    lambda *a: _window_wrong(*a, "off_by_one"),
                ),
                Mistake(
                    "The sinks are still causal: an early query may not see a sink that comes "
                    "after it (j <= i always).",
                    lambda *a: _window_wrong(*a, "sinks_see_future"),
                ),
                Mistake(
                    "The window looks back only: |i - j| < w also lets a query see the next "
                    "w - 1 tokens; keep j <= i.",
                    lambda *a: _window_wrong(*a, "no_causal"),
                ),
                Mistake(
                    "The sinks are missing: every query also sees the first `sinks` keys "
                    "(positions j < sinks), however far back they are.",
                    lambda *a: _window_wrong(*a, "no_sinks"),
                ),
            ]
        },
    )
)

# --- 15: speculative decoding: acceptance rate and residual ----------------------------------


def _acceptance(p, q):
    """Oracle: sum over drafted tokens x of q(x) * P(accept x) = q(x) * min(1, p(x)/q(x))."""
    p, q = t(p), t(q)
    ratio = torch.where(q > 0, p / q.clamp_min(1e-300), torch.ones_like(p))
    return (q * ratio.clamp(max=1.0)).sum(-1)


def _residual(p, q):
    """Oracle: the distribution of the replacement, by rejection counts: P(x) among rejections."""
    p, q = t(p), t(q)
    mass = (p - torch.minimum(p, q)).clamp_min(0)  # p(x) minus what acceptance already gave x
    return mass / mass.sum(-1, keepdim=True)


def _distributions(r, shape, V):
    """A target p and a different draft q, both (*shape, V), some draft zeros."""
    p = r.dirichlet(np.ones(V), size=shape)
    q = r.dirichlet(np.ones(V) * 0.5, size=shape)
    return p, q


def _fresh_speculative(g: np.random.Generator) -> list[Test]:
    V = int(g.integers(4, 9))
    cases = [_distributions(g, (1,), V), _distributions(g, (int(g.integers(2, 5)),), V),
             _distributions(g, (), V), _distributions(g, (3,), V)]  # fmt: skip
    return [Test("", 0, c, function=f)
            for c, f in zip(cases, ("acceptance_rate", "acceptance_rate", "residual",
                                    "residual"))]  # fmt: skip


r15 = rng(15)
p1, q1 = np.array([[0.5, 0.3, 0.15, 0.05]]), np.array([[0.25, 0.25, 0.25, 0.25]])
p2, q2 = _distributions(r15, (3,), 6)
p3, q3 = _distributions(r15, (), 5)
p4, q4 = _distributions(r15, (2,), 7)
register(
    Exercise(
        name="speculative_acceptance",
        title="Speculative decoding: acceptance rate and residual",
        functions=("acceptance_rate", "residual"),
        oracles={"acceptance_rate": _acceptance, "residual": _residual},
        fresh=_fresh_speculative,
        tests=[
            Test("acceptance, (1, 4): a uniform draft", 1, (p1, q1)),
            Test("acceptance, 3 positions at once, V = 6", 2, (p2, q2)),
            Test("residual, V = 5", 1, (p3, q3), function="residual"),
            Test(
                "residual, 2 positions, V = 7", 2, (p4, q4), function="residual", hidden=True
            ),  # fmt: skip
        ],
        mistakes={
            "acceptance_rate": [
                Mistake(
                    "The rule does not need the two models to draw the SAME token (that is "
                    "sum p(x) q(x)): a drafted x is accepted with probability min(1, p(x)/q(x)); "
                    "averaged over x ~ q this is sum min(p(x), q(x)).",
                    lambda p, q: (p * q).sum(-1),
                ),
                Mistake(
                    "min(1, p/q) must be averaged over the DRAFT's distribution q (weights "
                    "q(x)), not uniformly over the vocabulary.",
                    lambda p, q: np.minimum(1, p / q).mean(-1),
                ),
                Mistake(
                    "Sum over the vocabulary, not the mean: the overlap is sum min(p, q).",
                    lambda p, q: np.minimum(p, q).mean(-1),
                ),
            ],
            "residual": [
                Mistake(
                    "Normalise: divide max(0, p - q) by its sum so it is a distribution.",
                    lambda p, q: np.maximum(0, p - q),
                ),
                Mistake(
                    "Clip at 0: tokens the draft over-proposes (q > p) get residual 0, not a "
                    "negative number.",
                    lambda p, q: (p - q) / (p - q).sum(-1, keepdims=True),
                ),
                Mistake(
                    "Wrong direction: the replacement comes from where the TARGET has more mass "
                    "than the draft, max(0, p - q).",
                    lambda p, q: np.maximum(0, q - p) / np.maximum(0, q - p).sum(-1, keepdims=True),
                ),
                Mistake(
                    "Resampling from the target p itself double-counts the tokens already "
                    "accepted: sample from max(0, p - q), normalised.",
                    lambda p, q: p,
                ),
            ],
        },
    )
)

# --- 16: split-K (FlashDecoding) merge of partial results ----------------------------------


def _split_case(r, B, S, D, n, shift=0.0):
    """Partials of one decoding query per row over n chunks; expected: one softmax over all S."""
    q, k, v = r.normal(size=(B, D)), r.normal(size=(B, S, D)), r.normal(size=(B, S, D))
    s = np.einsum("bd,bsd->bs", q, k) / np.sqrt(D) + shift  # (B, S)
    bounds = np.linspace(0, S, n + 1).astype(int)
    outs, lses = [], []
    for a, b in zip(bounds[:-1], bounds[1:]):
        st = torch.tensor(s[:, a:b])
        lse = torch.logsumexp(st, -1)  # (B,)
        outs.append((torch.exp(st - lse[:, None])[:, None] @ torch.tensor(v[:, a:b]))[:, 0])
        lses.append(lse)
    full = torch.softmax(torch.tensor(s), -1)[:, None] @ torch.tensor(v)  # (B, 1, D)
    expected = (full[:, 0], torch.logsumexp(torch.tensor(s), -1))
    args = (torch.stack(outs).numpy(), torch.stack(lses).numpy())  # (n, B, D), (n, B)
    return args, (lambda *a, e=expected: e)


def _merge_wrong(outs, lses, kind):
    if kind == "mean":
        return outs.mean(0), lses.max(0)
    if kind == "max_lse":
        w = np.exp(lses - lses.max(0))
        return (w[..., None] * outs).sum(0) / w.sum(0)[..., None], lses.max(0)
    w = np.exp(lses)  # "unstable": overflows for large scores
    total = w.sum(0)
    return (w[..., None] * outs).sum(0) / total[..., None], np.log(total)


def _fresh_split(g: np.random.Generator) -> list[Test]:
    made = [_split_case(g, int(g.integers(1, 4)), int(g.integers(6, 13)), 3, 3),
            _split_case(g, 2, int(g.integers(8, 17)), 4, int(g.integers(2, 5))),
            _split_case(g, 1, 9, 2, 3, shift=float(g.integers(700, 900)))]  # fmt: skip
    return [Test("", 0, a, expected=e) for a, e in made]


r16 = rng(16)
split_cases = [_split_case(r16, 2, 12, 4, 3), _split_case(r16, 3, 10, 5, 2),
               _split_case(r16, 1, 9, 3, 3, shift=800.0)]  # fmt: skip
register(
    Exercise(
        name="split_k_merge",
        title="Split-K decoding: merge partial attention results",
        functions=("merge_partials",),
        oracles={"merge_partials": lambda *a: None},
        fresh=_fresh_split,
        tests=[
            Test("3 chunks of 4 keys, B = 2", 2, split_cases[0][0], expected=split_cases[0][1]),
            Test("2 chunks of 5 keys, B = 3", 2, split_cases[1][0], expected=split_cases[1][1]),
            Test(
                "scores near 800: no overflow",
                1,
                split_cases[2][0],
                expected=split_cases[2][1],
                hidden=True,
            ),  # fmt: skip
        ],
        mistakes={
            "merge_partials": [
                Mistake(
                    "A plain mean of the chunk outputs weighs every chunk equally; weigh chunk c "
                    "by its share of the softmax mass, exp(lse_c) / sum exp(lse), and the total "
                    "log-sum-exp is logsumexp over the chunks, not their max.",
                    lambda o, l: _merge_wrong(o, l, "mean"),
                ),
                Mistake(
                    "The weights are right, but the merged log-sum-exp is log sum exp(lse_c) = "
                    "m + log sum exp(lse_c - m), not the max m.",
                    lambda o, l: _merge_wrong(o, l, "max_lse"),
                ),
                Mistake(
                    "exp(lse) overflows for large scores: subtract the largest lse before "
                    "exponentiating (the same trick as a stable softmax).",
                    lambda o, l: _merge_wrong(o, l, "unstable"),
                ),
            ]
        },
    )
)

# --- 17: the ALiBi bias of a decoder ---------------------------------------------------------


def _alibi(num_heads, L):
    """Oracle: attnlib's ALiBi bias -m_h |i - j|, with -inf above the diagonal (causal)."""
    from attnlib.nn import alibi_bias

    bias = alibi_bias(num_heads, L).double()  # (H, L, L)
    causal = torch.ones(L, L, dtype=torch.bool).tril()
    return bias.masked_fill(~causal, float("-inf"))


def _alibi_wrong(num_heads, L, kind):
    h = np.arange(1, num_heads + 1)[:, None, None]
    m = 2.0 ** (-8.0 * (h - 1 if kind == "from_zero" else h) / num_heads)  # (H, 1, 1)
    i, j = np.arange(L)[:, None], np.arange(L)[None, :]
    if kind == "no_causal":
        return -m * np.abs(i - j)
    dist = (j - i) if kind == "sign" else (i - j)
    return np.where(j <= i, -m * dist, -np.inf)


def _fresh_alibi(g: np.random.Generator) -> list[Test]:
    return [Test("", 0, (int(H), int(g.integers(3, 9)))) for H in (2, 4, 8)]


register(
    Exercise(
        name="alibi_bias",
        title="The ALiBi bias of a decoder",
        functions=("alibi_bias",),
        oracles={"alibi_bias": _alibi},
        fresh=_fresh_alibi,
        tests=[
            Test("2 heads, L = 4", 2, (2, 4)),
            Test("4 heads, L = 6", 2, (4, 6)),
            Test("8 heads, L = 5", 1, (8, 5), hidden=True),
        ],
        mistakes={
            "alibi_bias": [
                Mistake(
                    "The slopes are 2^(-8h/H) for h = 1 .. H: the first head's slope is "
                    "2^(-8/H), not 1.",
                    lambda H, L: _alibi_wrong(H, L, "from_zero"),
                ),
                Mistake(
                    "Wrong sign: a key further back gets a LOWER score, -m (i - j) <= 0.",
                    lambda H, L: _alibi_wrong(H, L, "sign"),
                ),
                Mistake(
                    "A decoder is causal: keys after the query (j > i) get -inf, not a penalty.",
                    lambda H, L: _alibi_wrong(H, L, "no_causal"),
                ),
            ]
        },
    )
)
