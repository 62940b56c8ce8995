r"""Multi-head latent attention (MLA, DeepSeek-V2): cache one small latent per token, not K and V.

Every token is compressed to a latent $c = x W_{DKV}$ of width $C \ll 2 H D$, and only $c$ is
cached. Keys and values of head $h$ are up-projections of it:

$$k_h = c\, W_{UK}^{(h)}, \qquad v_h = c\, W_{UV}^{(h)}, \qquad q_h = x\, W_Q^{(h)},$$
$$\text{out} = \sum_h \operatorname{softmax}\!\big(q_h k_h^\top / \sqrt{D}\big)\, v_h\, W_O^{(h)}.$$

**Absorbed projections.** Matrix products associate, so the up-projections never have to be
applied to the cache:

$$q_h k_h^\top = q_h (c W_{UK}^{(h)})^\top = (q_h W_{UK}^{(h)\top})\, c^\top, \qquad
(P_h c\, W_{UV}^{(h)})\, W_O^{(h)} = P_h c\, (W_{UV}^{(h)} W_O^{(h)}).$$

Decoding then attends with $\tilde q_h = q_h W_{UK}^{(h)\top}$ (width $C$) straight to the cached
latents, and $W_{UV}^{(h)} W_O^{(h)}$ is one $(C, E)$ matrix per head. (DeepSeek adds a few
decoupled RoPE dimensions per token, because a rotation between $q_h$ and $k_h$ would block the
absorption; this module leaves positions out.)

Shapes: x (B, L, E); latent c (B, S, C); W_Q, W_UK, W_UV as (H, ., D) stacks.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from attnlib.nn import causal_mask
from attnlib.scratch._checks import check_size


class LatentCache:
    """The latents c (B, S, C) of the tokens seen so far: all MLA caches."""

    def __init__(self) -> None:
        self.c: Tensor | None = None

    def __len__(self) -> int:
        return 0 if self.c is None else self.c.shape[1]

    def update(self, c: Tensor) -> Tensor:
        """Append new latents (B, L_new, C); return all of them (B, S, C)."""
        if self.c is not None and (c.shape[0] != self.c.shape[0] or c.shape[2] != self.c.shape[2]):
            raise ValueError(
                f"new latents {tuple(c.shape)} do not match cached {tuple(self.c.shape)}"
            )
        self.c = c if self.c is None else torch.cat([self.c, c], dim=1)  # (B, S_old + L_new, C)
        return self.c


class MultiHeadLatentAttention(nn.Module):
    r"""Causal self-attention whose keys and values are rebuilt from a cached latent.

    Args:
        embed_dim: E.
        num_heads: H.
        latent_dim: C, the width of the cached latent.
        head_dim: D (default E // H).
    """

    def __init__(self, embed_dim: int, num_heads: int, latent_dim: int,
                 head_dim: int | None = None) -> None:  # fmt: skip
        super().__init__()
        E, H = check_size("embed_dim", embed_dim, 1), check_size("num_heads", num_heads, 1)
        C = check_size("latent_dim", latent_dim, 1)
        D = check_size("head_dim", E // H if head_dim is None else head_dim, 1)
        self.num_heads, self.head_dim, self.latent_dim = H, D, C

        def param(*shape: int) -> nn.Parameter:
            return nn.Parameter(torch.randn(*shape) / math.sqrt(shape[-2]))

        self.w_dkv = param(E, C)  # down-projection to the latent
        self.w_q = param(H, E, D)
        self.w_uk = param(H, C, D)  # latent -> keys of head h
        self.w_uv = param(H, C, D)  # latent -> values of head h
        self.w_o = param(H, D, E)  # head h's slice of the output projection

    def forward(self, x: Tensor, cache: LatentCache | None = None,
                absorbed: bool = False) -> Tensor:  # fmt: skip
        """Causal self-attention of x (B, L, E) -> (B, L, E).

        With ``cache`` the new tokens' latents are appended and the queries sit at positions
        ``len(cache)`` onwards. ``absorbed=True`` computes the same output from the latents,
        never forming keys or values.
        """
        E = self.w_dkv.shape[0]
        if not isinstance(x, Tensor) or x.dtype != self.w_dkv.dtype:
            what = x.dtype if isinstance(x, Tensor) else type(x).__name__
            raise TypeError(f"x must be a {self.w_dkv.dtype} tensor (B, L, E), got {what}")
        if x.dim() != 3 or x.shape[-1] != E:
            raise ValueError(f"x must be (B, L, E={E}), got {tuple(x.shape)}")
        past = 0 if cache is None else len(cache)
        c = x @ self.w_dkv  # (B, L, E) @ (E, C) -> (B, L, C)
        if cache is not None:
            c = cache.update(c)  # (B, S, C), S = past + L
        L, S = x.shape[1], c.shape[1]
        allowed = causal_mask(L, S, offset=past, device=x.device)  # (L, S) True = may attend
        q = torch.einsum("ble,hed->bhld", x, self.w_q)  # (B, H, L, D)
        if absorbed:
            q_lat = torch.einsum("bhld,hcd->bhlc", q, self.w_uk)  # q W_UK^T: (B, H, L, C)
            scores = torch.einsum("bhlc,bsc->bhls", q_lat, c)  # (B, H, L, S)
        else:
            k = torch.einsum("bsc,hcd->bhsd", c, self.w_uk)  # (B, H, S, D)
            scores = q @ k.transpose(-2, -1)  # (B, H, L, D) @ (B, H, D, S) -> (B, H, L, S)
        scores = (scores / math.sqrt(self.head_dim)).masked_fill(~allowed, float("-inf"))
        p = torch.softmax(scores, dim=-1)  # (B, H, L, S)
        if absorbed:
            w_vo = torch.einsum("hcd,hde->hce", self.w_uv, self.w_o)  # W_UV W_O: (H, C, E)
            mixed = torch.einsum("bhls,bsc->bhlc", p, c)  # (B, H, L, C)
            return torch.einsum("bhlc,hce->ble", mixed, w_vo)  # sum over heads: (B, L, E)
        v = torch.einsum("bsc,hcd->bhsd", c, self.w_uv)  # (B, H, S, D)
        heads = p @ v  # (B, H, L, S) @ (B, H, S, D) -> (B, H, L, D)
        return torch.einsum("bhld,hde->ble", heads, self.w_o)  # (B, L, E)
