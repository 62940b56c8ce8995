"""Turn the masks multi-head attention accepts into one (B or 1, H or 1, L, S) mask."""

from __future__ import annotations

import torch
from torch import Tensor

from attnlib.nn.functional import check_mask_dtype


def _as_4d(attn_mask: Tensor, B: int, H: int, L: int, S: int) -> Tensor:
    """(L, S), (B*H, L, S) or (B, H or 1, L, S) -> a tensor broadcastable to (B, H, L, S)."""
    shape = tuple(attn_mask.shape)
    if attn_mask.dim() == 2 and shape == (L, S):
        return attn_mask[None, None]  # (L, S) -> (1, 1, L, S)
    if attn_mask.dim() == 3 and shape == (B * H, L, S):
        return attn_mask.view(B, H, L, S)  # (B*H, L, S) -> (B, H, L, S)
    if attn_mask.dim() == 4 and shape[0] in (1, B) and shape[1] in (1, H) and shape[2:] == (L, S):
        return attn_mask
    raise ValueError(
        f"attn_mask of shape {shape} must be (L, S) = {(L, S)}, (B*H, L, S) = {(B * H, L, S)} "
        f"or (B, H, L, S) = {(B, H, L, S)} (B or H may be 1)"
    )


def check_masks(
    attn_mask: Tensor | None, key_padding_mask: Tensor | None, B: int, H: int, L: int, S: int
) -> None:
    """Raise ``TypeError``/``ValueError`` for a mask of the wrong kind or shape (no arithmetic)."""
    if attn_mask is not None:
        check_mask_dtype("attn_mask", attn_mask)
        _as_4d(attn_mask, B, H, L, S)
    if key_padding_mask is not None:
        check_mask_dtype("key_padding_mask", key_padding_mask)
        if tuple(key_padding_mask.shape) != (B, S):
            raise ValueError(
                f"key_padding_mask of shape {tuple(key_padding_mask.shape)} must be (B, S) = {(B, S)}"
            )


def _to_additive(mask: Tensor, dtype: torch.dtype) -> Tensor:
    """Boolean ``True`` = may attend -> additive 0 / -inf; float masks pass through."""
    if mask.dtype != torch.bool:
        return mask.to(dtype)
    return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(~mask, -torch.inf)


def combine_masks(
    attn_mask: Tensor | None,
    key_padding_mask: Tensor | None,
    causal: Tensor | None,
    B: int,
    H: int,
    L: int,
    S: int,
    dtype: torch.dtype = torch.float32,
) -> Tensor | None:
    """Combine an attention mask, a key padding mask and a causal mask.

    Args:
        attn_mask: bool (``True`` = may attend) or additive float; (L, S), (B*H, L, S) or
            (B, H or 1, L, S).
        key_padding_mask: (B, S), bool ``True`` = real token, or additive float.
        causal: bool (L, S) or None.

    Returns:
        None, or one mask broadcastable to (B, H, L, S): boolean if every input is boolean,
        otherwise additive float of ``dtype``.
    """
    check_masks(attn_mask, key_padding_mask, B, H, L, S)
    masks = []
    if attn_mask is not None:
        masks.append(_as_4d(attn_mask, B, H, L, S))
    if key_padding_mask is not None:
        masks.append(key_padding_mask[:, None, None, :])  # (B, S) -> (B, 1, 1, S)
    if causal is not None:
        masks.append(causal[None, None])  # (L, S) -> (1, 1, L, S)
    if not masks:
        return None
    if all(m.dtype == torch.bool for m in masks):
        combined = masks[0]
        for m in masks[1:]:
            combined = combined & m
        return combined
    combined = _to_additive(masks[0], dtype)
    for m in masks[1:]:
        combined = combined + _to_additive(m, dtype)
    return combined
