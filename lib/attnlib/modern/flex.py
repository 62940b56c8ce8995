r"""The part's masks and biases as FlexAttention modifications, and a dense view to check them.

``torch.nn.attention.flex_attention`` takes a ``mask_mod(b, h, q_idx, kv_idx) -> bool``
(``True`` = may attend, the library's convention) and a ``score_mod(score, b, h, q_idx,
kv_idx) -> score``; ``create_block_mask`` evaluates the mask_mod on tiles of 128 x 128 and
keeps only the tiles with an allowed entry, the skip list of the sparse chapter. Here:

* causal: $j \le i$; sliding window: $i - w < j \le i$;
* document (packed sequences): $\mathrm{doc}(i) = \mathrm{doc}(j)$ and $j \le i$;
* sink + window: $j < n_{sink}$ or the window, both causal;
* ALiBi as a score_mod: $s_{hij} - m_h |i - j|$.
"""

from __future__ import annotations

import torch
from torch import Tensor


def causal_mod(b, h, q_idx, kv_idx):
    """Causal: key j <= query i."""
    return kv_idx <= q_idx


def window_mod(window: int):
    """Sliding window of ``window`` keys ending at the query (causal)."""
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"window must be a positive int, got {window!r}")

    def mod(b, h, q_idx, kv_idx):
        return (kv_idx <= q_idx) & (kv_idx > q_idx - window)

    return mod


def document_mod(doc_ids: Tensor):
    """Causal attention inside each document of a packed sequence; ``doc_ids`` (L,) int."""
    if not isinstance(doc_ids, Tensor) or doc_ids.dim() != 1 or doc_ids.is_floating_point():
        raise TypeError("doc_ids must be a 1-D integer tensor (L,) of document numbers")

    def mod(b, h, q_idx, kv_idx):
        return (doc_ids[q_idx] == doc_ids[kv_idx]) & (kv_idx <= q_idx)

    return mod


def sink_window_mod(sinks: int, window: int):
    """The first ``sinks`` keys plus a window of ``window`` keys, causal."""
    in_window = window_mod(window)

    def mod(b, h, q_idx, kv_idx):
        return in_window(b, h, q_idx, kv_idx) | ((kv_idx < sinks) & (kv_idx <= q_idx))

    return mod


def alibi_score_mod(slopes: Tensor):
    """ALiBi: subtract ``slopes[h] * |i - j|`` from the score of head h; ``slopes`` (H,)."""

    def mod(score, b, h, q_idx, kv_idx):
        return score - slopes[h] * (q_idx - kv_idx).abs()

    return mod


def dense_mask(mask_mod, L: int, S: int | None = None) -> Tensor:
    """Evaluate a mask_mod on every (i, j): bool (L, S), for comparison with a library mask."""
    S = L if S is None else S
    i = torch.arange(L)[:, None].expand(L, S)
    j = torch.arange(S)[None, :].expand(L, S)
    zero = torch.zeros((), dtype=torch.long)
    return mask_mod(zero, zero, i, j).to(torch.bool)
