"""The golden 5-token example, defined once: every chapter, test and slide reads it from here.

Five tokens, ``"the cat chased the mouse"``, with 4-dimensional 0/1 embeddings and projection
matrices whose entries are -1, 0 or 1, so that every product can be checked with pen and paper.
With $d_k = 4$ the scale is $1/\\sqrt{4} = 1/2$. The word "the" appears twice with the same
embedding, which makes the role of positional encodings visible.

The step-by-step functions here use plain NumPy on purpose (one line per formula); the chapters
check them against :mod:`attnlib.scratch`, :mod:`attnlib.nn`, PyTorch and the Triton kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOKENS: tuple[str, ...] = ("the", "cat", "chased", "the", "mouse")

#: Token embeddings, one row per token. (L, E) = (5, 4).
X = np.array(
    [
        [1.0, 0.0, 1.0, 0.0],  # the
        [0.0, 1.0, 1.0, 0.0],  # cat
        [1.0, 1.0, 0.0, 1.0],  # chased
        [1.0, 0.0, 1.0, 0.0],  # the (same embedding as position 0)
        [0.0, 1.0, 0.0, 1.0],  # mouse
    ]
)

#: Query, key and value projections, (E, D) = (4, 4). Columns 0-1 form head 1, columns 2-3 head 2.
W_Q = np.array([[0.0, -1, 0, 1], [-1, 1, 0, -1], [0, -1, 1, -1], [0, 1, -1, 0]])
W_K = np.array([[0.0, -1, -1, 1], [0, 0, 0, -1], [0, 1, -1, -1], [1, 0, 0, -1]])
W_V = np.array([[1.0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, -1, 1]])

#: Output projection of the multi-head variant: the identity, so its output is the concatenation.
W_O = np.eye(4)

#: The query row worked out completely by hand ("chased").
HAND_ROW = 2
NUM_HEADS = 2

# --- the widely circulated, wrong worked example, kept as data for the errata box -------------
ERRATA_INPUTS = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
ERRATA_EMBEDDINGS = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
ERRATA_W_Q = np.arange(1.0, 11.0).reshape(5, 2)  # a 5x2 matrix for scalar embeddings
ERRATA_W_K = np.array([[1.0, 3.0], [2.0, 4.0], [5.0, 7.0], [6.0, 8.0], [9.0, 10.0]])
# The queries and keys it writes: each scalar embedding times one multiplier picked by hand.
ERRATA_Q_MULTIPLIERS = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
ERRATA_K_MULTIPLIERS = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
ERRATA_SCORES = np.array([0.1, 0.4, 0.9, 1.6, 2.5])  # exp(x_e * x), as the source writes
ERRATA_QUOTED_WEIGHTS = np.array([0.01, 0.19, 0.19, 0.14, 0.01])
ERRATA_QUOTED_OUTPUT = 2.04  # "C_1", a weighted sum of the inputs x, not of values v


@dataclass(frozen=True)
class AttentionSteps:
    """Every intermediate array of single-head attention, shapes (L, D) or (L, S)."""

    q: np.ndarray
    k: np.ndarray
    v: np.ndarray
    scores: np.ndarray  # q k^T
    scaled: np.ndarray  # q k^T / sqrt(d_k), -inf where masked
    exp: np.ndarray  # exp(scaled), 0 where masked
    row_sums: np.ndarray  # (L,)
    weights: np.ndarray  # exp / row_sums
    out: np.ndarray  # weights v


def embeddings(positional: bool = False) -> np.ndarray:
    """The token embeddings $X$, plus sinusoidal position encodings when ``positional``.

    Returns:
        (L, E) = (5, 4) float64 array.
    """
    if not positional:
        return X.copy()
    from attnlib.scratch import sinusoidal_encoding

    return X + sinusoidal_encoding(len(TOKENS), X.shape[1])


def steps(
    x: np.ndarray | None = None,
    is_causal: bool = False,
    head: int | None = None,
    num_heads: int = NUM_HEADS,
) -> AttentionSteps:
    r"""Scaled dot-product attention one formula at a time.

    $Q = XW_Q,\ K = XW_K,\ V = XW_V,\ A = \mathrm{softmax}(QK^\top/\sqrt{d_k}),\ O = AV$.
    Exponentials are taken without subtracting the row maximum (the numbers are small), exactly
    as a reader computes by hand; the library subtracts it, which gives the same weights.

    Args:
        x: (L, E) embeddings; defaults to :data:`X`.
        is_causal: mask keys after each query (position j > i).
        head: if given, use only that head's columns of the projections (D = E / num_heads).
        num_heads: number of heads the columns are split into when ``head`` is given.
    """
    x = X if x is None else np.asarray(x, dtype=np.float64)
    cols = slice(None)
    if head is not None:
        d = W_Q.shape[1] // num_heads
        cols = slice(head * d, (head + 1) * d)
    q = x @ W_Q[:, cols]  # (L, E) @ (E, D) -> (L, D)
    k = x @ W_K[:, cols]  # (S, E) @ (E, D) -> (S, D)
    v = x @ W_V[:, cols]  # (S, E) @ (E, D) -> (S, D)
    scores = q @ k.T  # (L, D) @ (D, S) -> (L, S)
    scaled = scores / np.sqrt(q.shape[1])
    if is_causal:
        allowed = np.tril(np.ones(scores.shape, dtype=bool))
        scaled = np.where(allowed, scaled, -np.inf)
    exp = np.exp(scaled)
    row_sums = exp.sum(axis=1)  # (L,)
    weights = exp / row_sums[:, None]  # (L, S)
    out = weights @ v  # (L, S) @ (S, D) -> (L, D)
    return AttentionSteps(q, k, v, scores, scaled, exp, row_sums, weights, out)


def multi_head_output(x: np.ndarray | None = None, is_causal: bool = False) -> np.ndarray:
    """Two heads on column halves of the projections, concatenated, times :data:`W_O`.

    Returns:
        (L, E) = (5, 4) array.
    """
    heads = [steps(x, is_causal, head=h).out for h in range(NUM_HEADS)]  # each (L, D/H)
    return np.concatenate(heads, axis=1) @ W_O  # (L, E) @ (E, E) -> (L, E)


def _num(v: float) -> str:
    return f"({v:.0f})" if v < 0 else f"{v:.0f}"


def _vec(values: np.ndarray, decimals: int) -> str:
    return "[" + ", ".join(f"{v:.{decimals}f}" for v in values) + "]"


def by_hand_markdown(row: int = HAND_ROW, decimals: int = 4) -> str:
    """The complete arithmetic of one query row as Markdown with LaTeX, generated from the numbers.

    Every number in the text is printed from :func:`steps`, so the prose cannot drift from the code.
    """
    s = steps()
    d_k = s.q.shape[1]
    name = TOKENS[row]
    lines = [
        f"**Query row {row} ({name!r}).** $q_{{{row}}} = x_{{{row}}} W_Q = {_vec(s.q[row], 0)}$.",
        "",
    ]
    lines.append(f"1. Dot products $q_{{{row}}} \\cdot k_j$ with every key:")
    for j, tok in enumerate(TOKENS):
        terms = " + ".join(f"({a:.0f})({b:.0f})" for a, b in zip(s.q[row], s.k[j]))
        lines.append(
            f"   - $k_{{{j}}}$ ({tok}) $= {_vec(s.k[j], 0)}$: ${terms} = {s.scores[row, j]:.0f}$"
        )
    lines.append(
        f"2. Scale by $1/\\sqrt{{d_k}} = 1/\\sqrt{{{d_k}}} = {1 / np.sqrt(d_k):.{decimals}f}$: "
        f"${_vec(s.scaled[row], decimals)}$"
    )
    lines.append("3. Exponentials:")
    for j, (a, b) in enumerate(zip(s.scaled[row], s.exp[row])):
        lines.append(f"   - key {j} ({TOKENS[j]}): $e^{{{a:.2f}}} = {b:.{decimals}f}$")
    total = s.row_sums[row]
    lines.append(
        f"4. Row sum: ${' + '.join(f'{b:.{decimals}f}' for b in s.exp[row])} = {total:.{decimals}f}$"
    )
    lines.append(f"5. Weights (they sum to ${s.weights[row].sum():.{decimals}f}$):")
    for j, (b, w) in enumerate(zip(s.exp[row], s.weights[row])):
        lines.append(
            f"   - key {j} ({TOKENS[j]}): ${b:.{decimals}f} / {total:.{decimals}f} = {w:.{decimals}f}$"
        )
    lines.append(f"6. Output $o_{{{row}}} = \\sum_j a_{{{row}j}} v_j$, one coordinate at a time:")
    for c in range(s.v.shape[1]):
        terms = " + ".join(
            f"{w:.{decimals}f}{{\\cdot}}{_num(v)}" for w, v in zip(s.weights[row], s.v[:, c])
        )
        lines.append(f"   - coordinate {c}: ${terms} = {s.out[row, c]:.{decimals}f}$")
    return "\n".join(lines)


__all__ = [
    "TOKENS", "X", "W_Q", "W_K", "W_V", "W_O", "HAND_ROW", "NUM_HEADS", "AttentionSteps",
    "embeddings", "steps", "multi_head_output", "by_hand_markdown",
    "ERRATA_INPUTS", "ERRATA_EMBEDDINGS", "ERRATA_W_Q", "ERRATA_SCORES", "ERRATA_QUOTED_WEIGHTS",
    "ERRATA_QUOTED_OUTPUT",
]  # fmt: skip
