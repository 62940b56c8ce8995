r"""Causal linear attention (Katharopoulos et al., 2020): the same output as a parallel
masked product and as a recurrence with a constant-size state (the RNN view).

Replace $\exp(q_i \cdot k_j)$ by a product of features $\phi(q_i) \cdot \phi(k_j)$, with
$\phi(x) = \mathrm{elu}(x) + 1 > 0$. Then

$$o_i = \frac{\sum_{j \le i} \phi(q_i)^\top \phi(k_j)\, v_j}{\sum_{j \le i} \phi(q_i)^\top
\phi(k_j)} = \frac{\phi(q_i)^\top S_i}{\phi(q_i)^\top z_i}, \qquad
S_i = S_{i-1} + \phi(k_i)\, v_i^\top, \quad z_i = z_{i-1} + \phi(k_i).$$

The parallel form costs $O(L^2 D)$ like softmax attention; the recurrence costs $O(L D D_v)$
and carries only $S$ (D, Dv) and $z$ (D,) from step to step, whatever the length.
Shapes: q, k (..., L, D); v (..., L, Dv); state S (..., D, Dv), z (..., D).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def feature_map(x: Tensor) -> Tensor:
    r"""$\phi(x) = \mathrm{elu}(x) + 1$, positive everywhere."""
    return F.elu(x) + 1


def _check(q: Tensor, k: Tensor, v: Tensor) -> None:
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, Tensor) or not t.is_floating_point():
            what = t.dtype if isinstance(t, Tensor) else type(t).__name__
            raise TypeError(f"{name} must be a floating tensor, got {what}")
    if q.dim() < 2 or q.shape != k.shape or v.shape[:-1] != k.shape[:-1]:
        raise ValueError(
            f"q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)} must be (..., L, D), "
            "(..., L, D), (..., L, Dv)"
        )


def linear_attention_parallel(q: Tensor, k: Tensor, v: Tensor) -> Tensor:
    """Causal linear attention as one masked product: (..., L, Dv)."""
    _check(q, k, v)
    fq, fk = feature_map(q), feature_map(k)
    L = q.shape[-2]
    a = fq @ fk.transpose(-2, -1)  # (..., L, D) @ (..., D, L) -> (..., L, L)
    a = a * torch.ones(L, L, dtype=torch.bool, device=q.device).tril()  # causal: j <= i
    return (a @ v) / a.sum(-1, keepdim=True)  # (..., L, Dv)


def linear_attention_recurrent(q: Tensor, k: Tensor, v: Tensor,
                               state: tuple[Tensor, Tensor] | None = None):  # fmt: skip
    """Causal linear attention one step at a time, carrying (S, z).

    Args:
        q, k: (..., L, D); v: (..., L, Dv).
        state: (S (..., D, Dv), z (..., D)) from earlier tokens, or None to start.

    Returns:
        (output (..., L, Dv), state after the last token).
    """
    _check(q, k, v)
    fq, fk = feature_map(q), feature_map(k)
    if state is None:
        S = q.new_zeros(q.shape[:-2] + (q.shape[-1], v.shape[-1]))  # (..., D, Dv)
        z = q.new_zeros(q.shape[:-2] + (q.shape[-1],))  # (..., D)
    else:
        S, z = state
    outs = []
    for t in range(q.shape[-2]):
        S = S + fk[..., t, :, None] * v[..., t, None, :]  # (..., D, 1) * (..., 1, Dv)
        z = z + fk[..., t, :]
        num = (fq[..., t, None, :] @ S)[..., 0, :]  # (..., 1, D) @ (..., D, Dv) -> (..., Dv)
        outs.append(num / (fq[..., t, :] * z).sum(-1, keepdim=True))
    return torch.stack(outs, dim=-2), (S, z)
