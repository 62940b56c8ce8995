"""Tiny sequence tasks made by code, for training small attention models in seconds.

Each task returns integer tensors: inputs ``x`` of shape (N, L) and targets of the same shape
(one class per position). Tokens are drawn without repetition inside a sequence, so every
target is determined by the input and its positions alone.
"""

from __future__ import annotations

import torch


def distinct_tokens(num_samples: int, length: int, vocab_size: int, seed: int = 0) -> torch.Tensor:
    """Sequences of distinct tokens drawn uniformly from ``range(vocab_size)``.

    Args:
        num_samples: N, how many sequences.
        length: L, tokens per sequence (at most ``vocab_size``).
        vocab_size: V, the number of token ids.
        seed: seed of the private random generator.

    Returns:
        Long tensor (N, L).
    """
    if length > vocab_size:
        raise ValueError(f"length {length} > vocab_size {vocab_size}: tokens cannot be distinct")
    gen = torch.Generator().manual_seed(seed)
    scores = torch.rand(num_samples, vocab_size, generator=gen)  # (N, V)
    return scores.argsort(dim=-1)[:, :length]  # (N, V) -> (N, L)


def reverse_task(
    num_samples: int, length: int, vocab_size: int, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reverse the sequence: $y_i = x_{L-1-i}$.

    Returns:
        ``(x, y)``, long tensors (N, L). Without positional information a self-attention
        layer cannot solve it (its outputs are permutation-equivariant).
    """
    x = distinct_tokens(num_samples, length, vocab_size, seed)  # (N, L)
    return x, x.flip(-1)  # (N, L)


def previous_token_task(
    num_samples: int, length: int, vocab_size: int, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Copy the previous token (cyclically): $y_i = x_{(i-1) \\bmod L}$.

    Returns:
        ``(x, y)``, long tensors (N, L).
    """
    x = distinct_tokens(num_samples, length, vocab_size, seed)  # (N, L)
    return x, x.roll(1, dims=-1)  # (N, L)


def previous_and_mirror_task(
    num_samples: int, length: int, vocab_size: int, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Two targets per position: the previous token and the mirrored token.

    $y^{\\text{prev}}_i = x_{(i-1) \\bmod L}$ and $y^{\\text{mirror}}_i = x_{L-1-i}$. One
    attention head cannot look sharply at both places at once, so a two-head model tends to
    give one job to each head.

    Returns:
        ``(x, y_prev, y_mirror)``, long tensors (N, L).
    """
    x = distinct_tokens(num_samples, length, vocab_size, seed)  # (N, L)
    return x, x.roll(1, dims=-1), x.flip(-1)


def first_token_task(
    num_samples: int, length: int, vocab_size: int, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Report the first token at every position: $y_i = x_0$.

    Returns:
        ``(x, y)``, long tensors (N, L).
    """
    x = distinct_tokens(num_samples, length, vocab_size, seed)  # (N, L)
    return x, x[:, :1].expand(-1, length).clone()  # (N, 1) -> (N, L)


__all__ = [
    "distinct_tokens",
    "first_token_task",
    "previous_and_mirror_task",
    "previous_token_task",
    "reverse_task",
]
