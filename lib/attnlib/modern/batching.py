r"""A step-by-step simulation of a serving scheduler: static or continuous batching, with a
contiguous or a paged KV cache. Only memory and steps are simulated, no arithmetic.

Every step, each running request produces one token (its prompt is prefilled in the step it is
admitted). Memory is counted in **token slots** of the KV cache (multiply by bytes per token):

* ``contiguous``: a request reserves ``prompt + max_new_tokens`` slots when admitted, since its
  output length is unknown in advance;
* ``paged``: a request holds $\lceil t / \text{block\_size} \rceil$ blocks for its $t$ tokens;
  when a block is needed and none is free, the newest request is preempted (its blocks freed,
  re-queued first, its tokens recomputed later), as vLLM does.

``static`` batching admits a new batch only when the whole previous batch has finished;
``continuous`` batching admits whenever memory allows. Waste is
$1 - \frac{\text{slots holding a token}}{\text{slots reserved}}$, summed over all steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from attnlib.scratch._checks import check_size


@dataclass
class Request:
    """One request: its prompt length and how many tokens it will generate before stopping."""

    prompt: int
    output: int


@dataclass
class ServingStats:
    """What a simulated run measured (all integers except the two ratios)."""

    steps: int  # steps until every request finished
    tokens: int  # tokens generated
    reserved: int  # slot-steps reserved (sum over steps of reserved slots)
    used: int  # slot-steps holding a token
    peak_running: int  # most requests running at once
    preemptions: int

    @property
    def waste(self) -> float:
        return 1 - self.used / self.reserved

    @property
    def tokens_per_step(self) -> float:
        return self.tokens / self.steps


def make_requests(n: int, seed: int = 0, prompt=(8, 64), output=(4, 96)) -> list[Request]:
    """``n`` requests with prompt and output lengths uniform in the given inclusive ranges."""
    rng = np.random.default_rng(seed)
    p = rng.integers(prompt[0], prompt[1] + 1, size=n)
    o = rng.integers(output[0], output[1] + 1, size=n)
    return [Request(int(a), int(b)) for a, b in zip(p, o)]


def simulate(requests: list[Request], capacity: int, max_new_tokens: int,
             cache: str = "paged", batching: str = "continuous",
             block_size: int = 16) -> ServingStats:  # fmt: skip
    """Serve ``requests`` (all waiting at step 0, in order) with ``capacity`` token slots.

    Args:
        requests: the requests; each ``output <= max_new_tokens``.
        capacity: KV-cache slots in total (paged: ``capacity // block_size`` blocks).
        max_new_tokens: the server's limit, what a contiguous cache must reserve.
        cache: ``"contiguous"`` or ``"paged"``; batching: ``"static"`` or ``"continuous"``.
        block_size: tokens per block (paged only).
    """
    if cache not in ("contiguous", "paged") or batching not in ("static", "continuous"):
        raise ValueError(f"cache must be contiguous/paged and batching static/continuous, got "
                         f"{cache!r}, {batching!r}")  # fmt: skip
    capacity, bs = check_size("capacity", capacity, 1), check_size("block_size", block_size, 1)
    if cache == "paged" and capacity % bs:
        raise ValueError(f"capacity={capacity} must be a multiple of block_size={bs}")
    for r in requests:
        if not 1 <= r.output <= max_new_tokens:
            raise ValueError(f"{r} generates more than max_new_tokens={max_new_tokens}")
        if r.prompt + max_new_tokens > capacity:
            raise ValueError(f"{r} cannot fit: prompt + max_new_tokens > capacity={capacity}")

    def need(tokens: int) -> int:  # slots the paged cache holds for `tokens` tokens
        return math.ceil(tokens / bs) * bs

    # waiting: [tokens to prefill, tokens left to generate, prompt length]
    queue = [[r.prompt, r.output, r.prompt] for r in requests]
    running: list[list[int]] = []  # [tokens stored, tokens left, prompt, slots reserved]
    steps = tokens = reserved = used = peak = preempt = 0
    while queue or running:
        held = sum(r[3] for r in running)
        admitting = batching == "continuous" or not running  # static: only between batches
        while queue and admitting:
            stored, left, prompt = queue[0]
            slots = prompt + max_new_tokens if cache == "contiguous" else need(stored + 1)
            if held + slots > capacity:
                break
            running.append(queue.pop(0) + [slots])
            held += slots
        i = 0
        while i < len(running):  # one decoding step: each running request stores a token
            r = running[i]
            if cache == "paged" and need(r[0] + 1) > r[3]:  # its last block is full
                while held + bs > capacity and running[-1] is not r:  # preempt the newest
                    victim = running.pop()
                    held -= victim[3]
                    queue.insert(0, victim[:3])  # waits first in line, recomputed later
                    preempt += 1
                if held + bs > capacity:  # r is itself the newest: it waits instead
                    running.pop()
                    held -= r[3]
                    queue.insert(0, r[:3])
                    preempt += 1
                    continue
                r[3] += bs
                held += bs
            r[0], r[1], tokens, i = r[0] + 1, r[1] - 1, tokens + 1, i + 1
        steps += 1
        peak = max(peak, len(running))
        reserved += held
        used += sum(r[0] for r in running)
        running = [r for r in running if r[1] > 0]
    return ServingStats(steps, tokens, reserved, used, peak, preempt)
