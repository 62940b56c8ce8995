r"""Speculative decoding (Leviathan et al. 2023; Chen et al. 2023): a small draft model
proposes $k$ tokens, the target model checks them all in one pass, and a rejection rule
makes the output distributed exactly as sampling from the target alone.

For each drafted token $x$ (drawn from the draft's $q$), with the target's $p$ at the same
position: accept with probability $\min(1, p(x)/q(x))$; at the first rejection, sample a
replacement from the residual $\propto \max(0, p - q)$ and stop; if all $k$ are accepted,
sample one more token from $p$. The expected acceptance per token is
$\alpha = \sum_x \min(p(x), q(x))$.

Models are callables ``model(idx) -> logits`` with idx (1, L) and logits (1, L, V); a token
is sampled from ``softmax(logits / temperature)`` after optional top-k / top-p filtering.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


def top_k_filter(logits: Tensor, k: int) -> Tensor:
    """Keep the ``k`` largest logits of the last dimension, set the rest to -inf."""
    if not 1 <= k <= logits.shape[-1]:
        raise ValueError(f"k must be in [1, V={logits.shape[-1]}], got {k}")
    kth = logits.topk(k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: Tensor, p: float) -> Tensor:
    """Nucleus: keep the smallest set of most likely tokens whose probability reaches ``p``."""
    if not 0.0 < p <= 1.0:
        raise ValueError(f"p must be in (0, 1], got {p}")
    sorted_logits, order = logits.sort(dim=-1, descending=True)
    probs = sorted_logits.softmax(-1)
    before = probs.cumsum(-1) - probs  # mass of the tokens ranked above each one
    drop = before >= p  # the first token is always kept
    return logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))


def probabilities(logits: Tensor, temperature: float = 1.0, top_k: int | None = None,
                  top_p: float | None = None) -> Tensor:  # fmt: skip
    """``softmax(filtered logits / temperature)`` over the last dimension."""
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    logits = logits / temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    return logits.softmax(-1)


@dataclass
class SpeculativeStats:
    """Counts of one speculative run."""

    target_calls: int = 0  # forward passes of the target model
    drafted: int = 0  # tokens proposed by the draft
    checked: int = 0  # proposed tokens the rule looked at (those after a rejection are not)
    accepted: int = 0  # of those, accepted

    @property
    def acceptance(self) -> float:
        """Accepted / checked: the per-token acceptance rate alpha."""
        return self.accepted / self.checked


@torch.no_grad()
def speculative_generate(target, draft, prompt: Tensor, max_new_tokens: int, k: int = 4,
                         generator: torch.Generator | None = None,
                         **sampling) -> tuple[Tensor, SpeculativeStats]:  # fmt: skip
    """Generate ``max_new_tokens`` tokens after ``prompt`` (1, T) with draft length ``k``.

    ``sampling`` (temperature, top_k, top_p) applies to both models' distributions.
    Returns (tokens (1, T + max_new_tokens), stats).
    """
    if prompt.dim() != 2 or prompt.shape[0] != 1:
        raise ValueError(f"prompt must be (1, T) token ids, got {tuple(prompt.shape)}")
    if k < 1 or max_new_tokens < 1:
        raise ValueError(f"k and max_new_tokens must be >= 1, got {k}, {max_new_tokens}")
    idx, stats, goal = prompt, SpeculativeStats(), prompt.shape[1] + max_new_tokens
    while idx.shape[1] < goal:
        n = min(k, goal - idx.shape[1])
        drafted, qs = idx, []
        for _ in range(n):  # the draft proposes n tokens, one at a time
            q = probabilities(draft(drafted)[0, -1], **sampling)  # (V,)
            nxt = torch.multinomial(q, 1, generator=generator)
            drafted, qs = torch.cat([drafted, nxt[None]], dim=1), qs + [q]
        ps = probabilities(target(drafted)[0, -n - 1 :], **sampling)  # (n + 1, V), one pass
        stats.target_calls += 1
        stats.drafted += n
        T = idx.shape[1]
        for i in range(n):
            x = drafted[0, T + i]
            stats.checked += 1
            u = torch.rand((), generator=generator)
            if u < torch.clamp(ps[i, x] / qs[i][x], max=1.0):  # accept
                stats.accepted += 1
                continue
            residual = torch.clamp(ps[i] - qs[i], min=0.0)
            fix = torch.multinomial(residual / residual.sum(), 1, generator=generator)
            idx = torch.cat([drafted[:, : T + i], fix[None]], dim=1)
            break
        else:  # all n accepted: one more token from the target, for free
            bonus = torch.multinomial(ps[n], 1, generator=generator)
            idx = torch.cat([drafted, bonus[None]], dim=1)
    return idx[:, :goal], stats
