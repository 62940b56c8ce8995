r"""The lookup step of associative recall, with softmax attention and with a linear-attention
state: how many key-value pairs each can hold.

$P$ pairs $(k_i, v_i)$ are written to memory; a query equal to one key $k_q$ must read back
$v_q$. Softmax attention keeps every pair (its KV cache grows with $P$) and reads with
weights $\mathrm{softmax}(\beta\, k_q \cdot k_i)$; linear attention folds all pairs into one
state $S = \sum_i \phi(k_i) v_i^\top$ of fixed size (D, Dv) and reads
$\phi(k_q)^\top S / \phi(k_q)^\top z$. Once $P$ approaches the feature dimension the pairs
interfere; with positive features (elu + 1) every key overlaps every other and the read is
a blur of all values from a handful of pairs on. The read is correct when the output is nearer to $v_q$ than to every other value.
Keys are random unit vectors (D,), values random unit vectors (Dv,).
"""

from __future__ import annotations

import torch

from attnlib.modern.linear_attention import linear_attention_recurrent
from attnlib.scratch._checks import check_size


def recall_accuracy(mixer: str, pairs: int, dim: int, trials: int = 256, beta: float = 8.0,
                    seed: int = 0) -> float:  # fmt: skip
    """Fraction of ``trials`` lookups that return the right value (nearest of the P values).

    Args:
        mixer: ``"softmax"`` (scores scaled by ``beta``), ``"linear"`` (elu + 1 features,
            normalised) or ``"outer"`` (identity features, no normaliser: the classic
            outer-product memory $S = \\sum_i k_i v_i^\\top$, read as $k_q^\\top S$).
        pairs: P; dim: D = Dv, the key and value width.
    """
    if mixer not in ("softmax", "linear", "outer"):
        raise ValueError(f"mixer must be 'softmax', 'linear' or 'outer', got {mixer!r}")
    P, D, n = (
        check_size("pairs", pairs, 1),
        check_size("dim", dim, 1),
        check_size("trials", trials, 1),
    )
    g = torch.Generator().manual_seed(seed)
    k = torch.nn.functional.normalize(
        torch.randn(n, P, D, generator=g, dtype=torch.float64), dim=-1
    )
    v = torch.nn.functional.normalize(
        torch.randn(n, P, D, generator=g, dtype=torch.float64), dim=-1
    )
    pick = torch.randint(0, P, (n,), generator=g)
    q = k[torch.arange(n), pick][:, None]  # (n, 1, D): the query repeats one key
    if mixer == "softmax":
        w = torch.softmax(beta * q @ k.transpose(1, 2), dim=-1)  # (n, 1, P)
        out = w @ v  # (n, 1, D)
    elif mixer == "outer":  # phi = identity, no normaliser: S = sum_i k_i v_i^T
        out = q @ (k.transpose(1, 2) @ v)  # (n, 1, D) @ (n, D, D)
    else:  # write all P pairs into the state, then read with the query
        _, (S, z) = linear_attention_recurrent(k, k, v)  # S (n, D, D), z (n, D)
        fq = torch.nn.functional.elu(q) + 1  # (n, 1, D)
        out = (fq @ S) / (fq * z[:, None]).sum(-1, keepdim=True)
    nearest = (out @ v.transpose(1, 2))[:, 0].argmax(-1)  # (n,) most similar value
    return (nearest == pick).double().mean().item()
