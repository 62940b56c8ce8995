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
        self._check(k, v)
        if self.k is None:
            self.k, self.v = k, v
        else:
            self.k = torch.cat([self.k, k], dim=-2)  # (B, H_kv, S_old + L_new, D)
            self.v = torch.cat([self.v, v], dim=-2)  # (B, H_kv, S_old + L_new, Dv)
        return self.k, self.v

    def _check(self, k: Tensor, v: Tensor) -> None:
        """New keys and values agree with each other and with what is cached (no arithmetic)."""
        for name, t in (("k", k), ("v", v)):
            if not isinstance(t, Tensor) or not t.is_floating_point() or t.dim() != 4:
                what = f"{t.dtype} {tuple(t.shape)}" if isinstance(t, Tensor) else type(t).__name__
                raise (
                    ValueError if isinstance(t, Tensor) and t.is_floating_point() else TypeError
                )(f"{name} must be a floating tensor (B, H_kv, L_new, D), got {what}")
        if k.shape[:-1] != v.shape[:-1]:
            raise ValueError(
                f"k {tuple(k.shape)} and v {tuple(v.shape)} must agree on (B, H_kv, L_new)"
            )
        if k.dtype != v.dtype or k.device != v.device:
            raise TypeError(f"k ({k.dtype}, {k.device}) and v ({v.dtype}, {v.device}) differ")
        if self.k is None:
            return
        for name, new, old in (("keys", k, self.k), ("values", v, self.v)):
            if new.shape[:2] != old.shape[:2] or new.shape[-1] != old.shape[-1]:
                raise ValueError(
                    f"new {name} {tuple(new.shape)} do not match cached {name} {tuple(old.shape)}"
                )
            if new.dtype != old.dtype or new.device != old.device:
                raise TypeError(
                    f"new {name} ({new.dtype}, {new.device}) differ from cached ({old.dtype}, "
                    f"{old.device})"
                )

    def reset(self) -> None:
        """Forget everything (start a new sequence)."""
        self.k = self.v = None
