r"""Beam search: keep the ``W`` most likely partial sequences at every step, not just one.

A hypothesis $y_{1..t}$ after a prompt has the score $\sum_{i \le t} \log p(y_i \mid y_{<i})$.
Each step extends every live beam by every token, $W \cdot V$ candidates, and keeps the $W$ best.
Width 1 is greedy decoding; a width that keeps every candidate is exhaustive search.

With an end token ``eos``, a candidate that ends in it is *finished* and stops growing. Raw scores
only fall as a sequence grows, so they favour short hypotheses; **length normalisation** ranks
finished hypotheses by $\text{score} / t^{\alpha}$ instead ($\alpha$ = ``length_penalty``;
0 is the raw score, 1 the mean log-probability per token).

The model is a callable ``model(idx) -> logits`` with idx (B, L) and logits (B, L, V); every
step recomputes the whole prefix (no KV cache: the readable version).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor


@dataclass
class Hypothesis:
    """One finished (or, at the end, still live) sequence of new tokens and its scores."""

    tokens: list[int]  # the new tokens, eos included when it ended with eos
    score: float  # sum of log-probabilities
    normalised: float  # score / len(tokens) ** length_penalty


@dataclass
class BeamResult:
    """What :func:`beam_search` found, and the beams of every step (to draw the tree)."""

    best: Hypothesis
    hypotheses: list[Hypothesis]  # all finished ones plus the final live beams, best first
    steps: list[list[tuple[int, int, float, bool]]] = field(default_factory=list)
    # steps[t]: per kept candidate (parent beam index at step t - 1, token, score, finished)


def _normalised(score: float, length: int, length_penalty: float) -> float:
    return score / length**length_penalty


@torch.no_grad()
def beam_search(model, prompt: Tensor, max_new_tokens: int, beam_width: int,
                eos: int | None = None, length_penalty: float = 0.0) -> BeamResult:  # fmt: skip
    r"""Beam search of width ``beam_width`` for at most ``max_new_tokens`` tokens after ``prompt``.

    $$\text{keep the } W \text{ best of } s(y_{<t}) + \log p(y_t \mid y_{<t})
    \text{ over live beams } y_{<t} \text{ and tokens } y_t$$

    Args:
        model: ``model(idx)`` -> logits, idx (B, L) -> (B, L, V).
        prompt: (1, T) token ids.
        max_new_tokens: n, the longest continuation.
        beam_width: W >= 1 (1 is greedy decoding).
        eos: end token; a hypothesis that emits it is finished (None: all have length n).
        length_penalty: alpha >= 0; finished hypotheses are ranked by score / length**alpha.

    Returns:
        :class:`BeamResult`; ``best.tokens`` are the new tokens of the best hypothesis.
    """
    if prompt.dim() != 2 or prompt.shape[0] != 1 or prompt.dtype.is_floating_point:
        raise ValueError(
            f"prompt must be (1, T) integer token ids, got {tuple(prompt.shape)} {prompt.dtype}"
        )
    if max_new_tokens < 1 or beam_width < 1:
        raise ValueError(f"max_new_tokens and beam_width must be >= 1, got "
                         f"{max_new_tokens}, {beam_width}")  # fmt: skip
    if length_penalty < 0:
        raise ValueError(f"length_penalty must be >= 0, got {length_penalty}")
    if eos is not None and eos < 0:
        raise ValueError(f"eos must be a token id >= 0, got {eos}")
    T = prompt.shape[1]
    beams = prompt  # (W_live, T + t): the live hypotheses, prompt included
    scores = torch.zeros(1, dtype=torch.float64)  # (W_live,)
    finished: list[Hypothesis] = []
    steps = []
    for t in range(1, max_new_tokens + 1):
        logits = model(beams)[:, -1]  # (W_live, T + t - 1) -> (W_live, V)
        V = logits.shape[-1]
        if eos is not None and eos >= V:
            raise ValueError(f"eos={eos} is not a token id of a vocabulary of {V}")
        logp = logits.double().log_softmax(-1)  # (W_live, V)
        candidates = (scores[:, None] + logp).flatten()  # (W_live * V,)
        order = candidates.argsort(descending=True, stable=True)[:beam_width]  # the W best
        keep, kept = [], []
        for c in order.tolist():
            parent, token = divmod(c, V)
            score = candidates[c].item()
            done = token == eos
            kept.append((parent, token, score, done))
            if done:  # eos in the top W: a finished hypothesis, it stops growing
                new = beams[parent, T:].tolist() + [token]
                finished.append(Hypothesis(new, score, _normalised(score, t, length_penalty)))
            else:
                keep.append(c)
        steps.append(kept)
        if not keep:
            break
        keep_t = torch.tensor(keep)
        parents, tokens = keep_t // V, keep_t % V
        beams = torch.cat([beams[parents], tokens[:, None]], dim=1)  # (W_live, T + t)
        scores = candidates[keep_t]
    else:  # ran to max_new_tokens: the live beams are hypotheses too
        for row, score in zip(beams[:, T:].tolist(), scores.tolist()):
            finished.append(
                Hypothesis(row, score, _normalised(score, max_new_tokens, length_penalty))
            )
    ranked = sorted(finished, key=lambda h: h.normalised, reverse=True)
    return BeamResult(ranked[0], ranked, steps)


@torch.no_grad()
def sequence_log_prob(model, prompt: Tensor, tokens: list[int]) -> float:
    r"""$\sum_t \log p(y_t \mid \text{prompt}, y_{<t})$ in one forward pass (an independent check).

    Args:
        model: ``model(idx)`` -> logits (1, L, V).
        prompt: (1, T) token ids.
        tokens: the continuation y, n >= 1 token ids.
    """
    if prompt.dim() != 2 or prompt.shape[0] != 1:
        raise ValueError(f"prompt must be (1, T) token ids, got {tuple(prompt.shape)}")
    if len(tokens) < 1:
        raise ValueError("tokens must hold at least one token id")
    T = prompt.shape[1]
    seq = torch.cat([prompt, torch.tensor([tokens], dtype=prompt.dtype)], dim=1)  # (1, T + n)
    logp = model(seq[:, :-1]).double().log_softmax(-1)[0, T - 1 :]  # (n, V)
    return logp.gather(1, seq[0, T:, None]).sum().item()


def distinct_ngrams(tokens: list[int], n: int = 4) -> float:
    """Distinct n-grams / all n-grams of a sequence: 1 when no n-gram repeats (a repetition measure).

    Args:
        tokens: the sequence, at least ``n`` tokens.
        n: the n-gram length.
    """
    if n < 1 or len(tokens) < n:
        raise ValueError(f"need n >= 1 and at least n tokens, got n={n} and {len(tokens)} tokens")
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return len(set(grams)) / len(grams)
