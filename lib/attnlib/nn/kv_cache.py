"""A key/value cache for incremental (token-by-token) decoding."""

from __future__ import annotations

import torch
from torch import Tensor


class KVCache:
    r"""Keys and values of the tokens seen so far, for one attention layer.

    At decoding step $t$ only the new token's key and value are computed; the cache appends them
    and returns all $t$ of them, so attention costs $O(t)$ per step instead of recomputing the
    whole prefix. With grouped-query attention the cache holds only the ``num_kv_heads`` heads.

    The cache grows by concatenation, which is the shortest code to read; a production cache
    preallocates ``max_len`` slots instead.
    """

    def __init__(self) -> None:
        self.k: Tensor | None = None  # (B, H_kv, S, D)
        self.v: Tensor | None = None  # (B, H_kv, S, Dv)

    def __len__(self) -> int:
        return 0 if self.k is None else self.k.shape[-2]

    def update(self, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Append new keys and values; return everything cached.

        Args:
            k: new keys (B, H_kv, L_new, D).
            v: new values (B, H_kv, L_new, Dv).

        Returns:
            (keys, values) of shapes (B, H_kv, S, D) and (B, H_kv, S, Dv), S = old + L_new.
        """
        if self.k is None:
            self.k, self.v = k, v
        else:
            if k.shape[:2] != self.k.shape[:2] or k.shape[-1] != self.k.shape[-1]:
                raise ValueError(
                    f"new keys {tuple(k.shape)} do not match cached keys {tuple(self.k.shape)}"
                )
            self.k = torch.cat([self.k, k], dim=-2)  # (B, H_kv, S_old + L_new, D)
            self.v = torch.cat([self.v, v], dim=-2)  # (B, H_kv, S_old + L_new, Dv)
        return self.k, self.v

    def reset(self) -> None:
        """Forget everything (start a new sequence)."""
        self.k = self.v = None
