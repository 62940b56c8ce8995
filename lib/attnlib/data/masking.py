"""Masked-token corruption for self-supervised pretraining (BERT's recipe)."""

from __future__ import annotations

import torch


def mask_tokens(
    ids: torch.Tensor,
    mask_id: int,
    vocab_size: int,
    prob: float = 0.15,
    pad_id: int = 0,
    n_special: int = 5,
    generator: torch.Generator | None = None,
):
    """Choose ``prob`` of the real tokens; replace 80% of them by ``<mask>``, 10% by a random
    token, keep 10% (Devlin et al., 2019).

    Args:
        ids: (B, L) int64 token ids.
        mask_id: id of ``<mask>``.
        vocab_size: V, for random replacements (drawn from ids >= n_special).
        prob: fraction of non-padding tokens chosen.
        pad_id: padding id, never chosen.
        n_special: ids below this are special tokens, never used as random replacements.
        generator: a seeded torch.Generator for reproducibility.

    Returns:
        corrupted ids (B, L) and targets (B, L): the original id where chosen, -100 elsewhere
        (the ``ignore_index`` of ``torch.nn.functional.cross_entropy``).
    """
    if ids.dtype != torch.int64:
        raise TypeError(f"ids must be int64, got {ids.dtype}")
    u = torch.rand(ids.shape, generator=generator)
    chosen = (u < prob) & (ids != pad_id)
    targets = torch.where(chosen, ids, torch.full_like(ids, -100))
    r = torch.rand(ids.shape, generator=generator)
    random_ids = torch.randint(n_special, vocab_size, ids.shape, generator=generator)
    corrupted = ids.clone()
    corrupted[chosen & (r < 0.8)] = mask_id
    swap = chosen & (r >= 0.8) & (r < 0.9)
    corrupted[swap] = random_ids[swap]
    return corrupted, targets
