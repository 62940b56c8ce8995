r"""A selective state-space layer (Mamba's S6, simplified): a recurrence whose decay and
input depend on the token, and the same map written as a masked matrix (its attention view).

For each channel $c$ of the input $x_t \in \mathbb{R}^{E}$ and a state $h_t \in
\mathbb{R}^{N}$ per channel:

$$\Delta_t = \mathrm{softplus}(x_t W_\Delta + b_\Delta), \quad B_t = x_t W_B, \quad
C_t = x_t W_C, \quad h_{t} = e^{\Delta_t A} \odot h_{t-1} + \Delta_t B_t\, x_t, \quad
y_t = C_t \cdot h_t + d \odot x_t,$$

with $A < 0$ (E, N) learned, so $e^{\Delta_t A} \in (0, 1)$ is a token-dependent forget
gate. Unrolled, $y_t = \sum_{s \le t} M_{ts} x_s + d \odot x_t$ with
$M_{ts} = \sum_n C_{t,n}\, e^{A_n \sum_{r=s+1}^{t} \Delta_r} \Delta_s B_{s,n}$: a causal,
data-dependent "attention" matrix per channel (Mamba-2's duality).
Shapes: x (B, L, E); h (B, E, N); Δ (B, L, E); B_t, C_t (B, L, N).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from attnlib.scratch._checks import check_size


class SelectiveScan(nn.Module):
    """The selective SSM above, with a recurrent (readable) and a matrix (parallel) path.

    Args:
        embed_dim: E, channels.
        state_dim: N, state size per channel.
    """

    def __init__(self, embed_dim: int, state_dim: int = 16) -> None:
        super().__init__()
        E, N = check_size("embed_dim", embed_dim, 1), check_size("state_dim", state_dim, 1)
        self.log_neg_a = nn.Parameter(torch.log(torch.arange(1, N + 1.0)).repeat(E, 1))  # (E, N)
        self.w_delta = nn.Linear(E, E)
        self.w_b = nn.Linear(E, N, bias=False)
        self.w_c = nn.Linear(E, N, bias=False)
        self.d = nn.Parameter(torch.ones(E))

    def _inputs(self, x: Tensor):
        if not isinstance(x, Tensor) or x.dim() != 3 or x.shape[-1] != self.d.shape[0]:
            what = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"x must be (B, L, E={self.d.shape[0]}), got {what}")
        a = -torch.exp(self.log_neg_a)  # (E, N), negative
        delta = F.softplus(self.w_delta(x))  # (B, L, E)
        return a, delta, self.w_b(x), self.w_c(x)  # B_t, C_t: (B, L, N)

    def forward(self, x: Tensor, parallel: bool = False) -> Tensor:
        """x (B, L, E) -> y (B, L, E), by the recurrence or by the masked matrix."""
        a, delta, b, c = self._inputs(x)
        if parallel:
            return self._matrix(x, a, delta, b, c)
        h = x.new_zeros(x.shape[0], x.shape[2], a.shape[1])  # (B, E, N)
        ys = []
        for t in range(x.shape[1]):
            decay = torch.exp(delta[:, t, :, None] * a)  # (B, E, N)
            h = decay * h + (delta[:, t, :, None] * b[:, t, None, :]) * x[:, t, :, None]
            ys.append((h * c[:, t, None, :]).sum(-1))  # (B, E)
        return torch.stack(ys, dim=1) + self.d * x

    def _matrix(self, x, a, delta, b, c) -> Tensor:
        cum = delta.cumsum(dim=1)  # (B, L, E): sum of Δ up to t
        # exponent A_n (cum_t - cum_s) for s <= t: (B, L_t, L_s, E, N)
        gap = cum[:, :, None, :] - cum[:, None, :, :]  # (B, L, L, E)
        L = x.shape[1]
        causal = torch.ones(L, L, dtype=torch.bool, device=x.device).tril()[None, :, :, None]
        gap = gap.masked_fill(~causal, 0.0)  # masked entries are zeroed below, avoid overflow
        decay = torch.exp(gap[..., None] * a)  # (B, L, L, E, N)
        m = torch.einsum("btn,btsen,bse,bsn->btse", c, decay, delta, b)  # (B, L, L, E)
        m = m * causal
        return torch.einsum("btse,bse->bte", m, x) + self.d * x
