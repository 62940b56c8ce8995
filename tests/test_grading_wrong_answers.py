"""Typical wrong answers for every graded exercise, with the hint each must trigger.

Each entry: (exercise, label, source, hint fragment). Every exercise has at least two.
"""

import numpy as np
import pytest
from attnlib.grading import exercise_names, get_exercise, grade_functions

WRONG = [
    (
        "softmax",
        "no max subtraction",
        """
import numpy as np
def softmax(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)
""",
        "Subtract each row's maximum",
    ),
    (
        "softmax",
        "always axis 0",
        """
import numpy as np
def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
""",
        "wrong axis",
    ),
    (
        "softmax",
        "sum over the whole array",
        """
import numpy as np
def softmax(x, axis=-1):
    e = np.exp(x - x.max())
    return e / e.sum()
""",
        "whole array",
    ),
    (
        "softmax",
        "missing keepdims",
        """
import numpy as np
def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis))
    return e / e.sum(axis=axis)
""",
        "keepdims",
    ),
    (
        "softmax",
        "NaN on an all -inf row",
        """
import numpy as np
def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
""",
        "convention",
    ),
    (
        "sdpa",
        "missing scale",
        """
import numpy as np
def scaled_dot_product_attention(q, k, v):
    s = q @ np.swapaxes(k, -1, -2)
    w = np.exp(s - s.max(-1, keepdims=True)); w /= w.sum(-1, keepdims=True)
    return w @ v, w
""",
        "Missing scale",
    ),
    (
        "sdpa",
        "softmax over the queries",
        """
import numpy as np
def scaled_dot_product_attention(q, k, v):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    w = np.exp(s - s.max(-2, keepdims=True)); w /= w.sum(-2, keepdims=True)
    return w @ v, w
""",
        "wrong axis",
    ),
    (
        "sdpa",
        "k.T on batched input",
        """
import numpy as np
def scaled_dot_product_attention(q, k, v):
    s = q @ k.T / np.sqrt(q.shape[-1])
    w = np.exp(s - s.max(-1, keepdims=True)); w /= w.sum(-1, keepdims=True)
    return w @ v, w
""",
        "matrix product",
    ),
    (
        "masks",
        "1 = blocked convention",
        """
import numpy as np
def causal_mask(L, S=None):
    return np.triu(np.ones((L, S or L), dtype=bool), 1)
def lengths_to_mask(lengths, S):
    return np.arange(S)[None, :] >= np.asarray(lengths)[:, None]
""",
        "Inverted mask",
    ),
    (
        "masks",
        "diagonal excluded, off by one",
        """
import numpy as np
def causal_mask(L, S=None):
    return np.tril(np.ones((L, S or L), dtype=bool), -1)
def lengths_to_mask(lengths, S):
    return np.arange(S)[None, :] <= np.asarray(lengths)[:, None]
""",
        "diagonal",
    ),
    (
        "masks",
        "0/1 integers instead of bool",
        """
import numpy as np
def causal_mask(L, S=None):
    return np.tril(np.ones((L, S or L), dtype=int))
def lengths_to_mask(lengths, S):
    return (np.arange(S)[None, :] < np.asarray(lengths)[:, None]).astype(int)
""",
        "",
    ),
    (
        "masked_attention",
        "inverted mask",
        """
import numpy as np
def masked_attention(q, k, v, attn_mask):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    s = np.where(attn_mask, -np.inf, s)
    m = np.max(s, -1, keepdims=True); m = np.where(np.isfinite(m), m, 0)
    w = np.exp(s - m); t = w.sum(-1, keepdims=True)
    return np.divide(w, t, out=np.zeros_like(w), where=t > 0) @ v
""",
        "Inverted mask",
    ),
    (
        "masked_attention",
        "-1e9 fill (uniform fully masked row)",
        """
import numpy as np
def masked_attention(q, k, v, attn_mask):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    s = np.where(attn_mask, s, -1e9)
    w = np.exp(s - s.max(-1, keepdims=True))
    return w / w.sum(-1, keepdims=True) @ v
""",
        "ZERO output",
    ),
    (
        "masked_attention",
        "mask after the softmax",
        """
import numpy as np
def masked_attention(q, k, v, attn_mask):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    w = np.exp(s - s.max(-1, keepdims=True)); w /= w.sum(-1, keepdims=True)
    return (w * attn_mask) @ v
""",
        "after the softmax",
    ),
    (
        "heads",
        "plain reshape",
        """
def split_heads(x, num_heads):
    B, L, E = x.shape
    return x.reshape(B, num_heads, L, E // num_heads)
def merge_heads(x):
    B, H, L, D = x.shape
    return x.reshape(B, L, H * D)
""",
        "plain reshape",
    ),
    (
        "heads",
        "heads interleaved",
        """
def split_heads(x, num_heads):
    B, L, E = x.shape
    return x.reshape(B, L, E // num_heads, num_heads).transpose(0, 3, 1, 2)
def merge_heads(x):
    return x.transpose(0, 2, 3, 1).reshape(x.shape[0], x.shape[2], -1)
""",
        "contiguous block",
    ),
    (
        "sinusoidal",
        "concatenated halves",
        """
import numpy as np
def sinusoidal_encoding(L, E):
    a = np.arange(L)[:, None] * 10000.0 ** (-np.arange(0, E, 2) / E)
    return np.concatenate([np.sin(a), np.cos(a)], axis=1)
""",
        "interleaving",
    ),
    (
        "sinusoidal",
        "sin and cos swapped",
        """
import numpy as np
def sinusoidal_encoding(L, E):
    a = np.arange(L)[:, None] * 10000.0 ** (-np.arange(0, E, 2) / E)
    pe = np.zeros((L, E)); pe[:, 0::2] = np.cos(a); pe[:, 1::2] = np.sin(a)
    return pe
""",
        "swapped",
    ),
    (
        "rope",
        "half-split pairs",
        """
import numpy as np
def rope(x, positions=None, base=10000.0):
    L, D = x.shape[-2:]
    p = np.arange(L) if positions is None else np.asarray(positions)
    a = p[:, None] * base ** (-np.arange(0, D, 2) / D)
    x1, x2 = x[..., : D // 2], x[..., D // 2 :]
    return np.concatenate([x1 * np.cos(a) - x2 * np.sin(a), x1 * np.sin(a) + x2 * np.cos(a)], -1)
""",
        "GPT-NeoX",
    ),
    (
        "rope",
        "rotation the other way",
        """
import numpy as np
def rope(x, positions=None, base=10000.0):
    L, D = x.shape[-2:]
    p = np.arange(L) if positions is None else np.asarray(positions)
    a = p[:, None] * base ** (-np.arange(0, D, 2) / D)
    out = np.empty(x.shape)
    out[..., 0::2] = x[..., 0::2] * np.cos(a) + x[..., 1::2] * np.sin(a)
    out[..., 1::2] = -x[..., 0::2] * np.sin(a) + x[..., 1::2] * np.cos(a)
    return out
""",
        "wrong direction",
    ),
    (
        "layer_norm",
        "unbiased variance",
        """
import numpy as np
def layer_norm(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, ddof=1, keepdims=True) + eps) + beta
""",
        "ddof=1",
    ),
    (
        "layer_norm",
        "eps outside the root",
        """
import numpy as np
def layer_norm(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(-1, keepdims=True)) / (x.std(-1, keepdims=True) + eps) + beta
""",
        "inside the square root",
    ),
    (
        "layer_norm",
        "batch norm axis",
        """
import numpy as np
def layer_norm(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(0, keepdims=True)) / np.sqrt(x.var(0, keepdims=True) + eps) + beta
""",
        "batch axis",
    ),
    (
        "attention_backward",
        "element-wise softmax backward",
        """
import numpy as np
def attention_backward(dout, q, k, v):
    c = 1 / np.sqrt(q.shape[-1]); s = q @ np.swapaxes(k, -1, -2) * c
    P = np.exp(s - s.max(-1, keepdims=True)); P /= P.sum(-1, keepdims=True)
    dS = P * (dout @ np.swapaxes(v, -1, -2))
    return dS @ k * c, np.swapaxes(dS, -1, -2) @ q * c, np.swapaxes(P, -1, -2) @ dout
""",
        "not element-wise",
    ),
    (
        "attention_backward",
        "scale forgotten in dq, dk",
        """
import numpy as np
def attention_backward(dout, q, k, v):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    P = np.exp(s - s.max(-1, keepdims=True)); P /= P.sum(-1, keepdims=True)
    dP = dout @ np.swapaxes(v, -1, -2)
    dS = P * (dP - (dP * P).sum(-1, keepdims=True))
    return dS @ k, np.swapaxes(dS, -1, -2) @ q, np.swapaxes(P, -1, -2) @ dout
""",
        "1/sqrt(D)",
    ),
    (
        "online_softmax",
        "accumulator not rescaled",
        """
import numpy as np
def online_softmax_update(m, l, acc, scores, v):
    m2 = np.maximum(m, scores.max(-1)); a = np.exp(m - m2); p = np.exp(scores - m2[:, None])
    return m2, a * l + p.sum(-1), acc + p @ v
""",
        "old accumulator",
    ),
    (
        "online_softmax",
        "sum not rescaled",
        """
import numpy as np
def online_softmax_update(m, l, acc, scores, v):
    m2 = np.maximum(m, scores.max(-1)); a = np.exp(m - m2); p = np.exp(scores - m2[:, None])
    return m2, l + p.sum(-1), a[:, None] * acc + p @ v
""",
        "old sum l",
    ),
    (
        "kv_cache",
        "attends before appending",
        """
import numpy as np
def decode_step(x, W_q, W_k, W_v, k_cache, v_cache):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = np.einsum("bd,btd->bt", q, k_cache) / np.sqrt(q.shape[-1])
    w = np.exp(s - s.max(-1, keepdims=True)); w /= w.sum(-1, keepdims=True)
    out = np.einsum("bt,btd->bd", w, v_cache)
    return out, np.concatenate([k_cache, k[:, None]], 1), np.concatenate([v_cache, v[:, None]], 1)
""",
        "attend to itself",
    ),
    (
        "kv_cache",
        "prepends to the cache",
        """
import numpy as np
def decode_step(x, W_q, W_k, W_v, k_cache, v_cache):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    K, V = np.concatenate([k[:, None], k_cache], 1), np.concatenate([v[:, None], v_cache], 1)
    s = np.einsum("bd,btd->bt", q, K) / np.sqrt(q.shape[-1])
    w = np.exp(s - s.max(-1, keepdims=True)); w /= w.sum(-1, keepdims=True)
    return np.einsum("bt,btd->bd", w, V), K, V
""",
        "END of the cache",
    ),
    (
        "fix_elementwise",
        "only the product fixed",
        """
import numpy as np
def self_attention(x, W_q, W_k, W_v):
    Q, K, V = x @ W_q, x @ W_k, x @ W_v
    s = Q @ K.T / np.sqrt(K.shape[-1])
    return np.exp(s) / np.exp(s).sum(axis=0, keepdims=True) @ V
""",
        "still runs over axis 0",
    ),
    (
        "fix_elementwise",
        "only the axis fixed",
        """
import numpy as np
def self_attention(x, W_q, W_k, W_v):
    Q, K, V = x @ W_q, x @ W_k, x @ W_v
    s = Q * K.T / np.sqrt(K.shape[-1])
    return np.exp(s) / np.exp(s).sum(axis=-1, keepdims=True) @ V
""",
        "still element-wise",
    ),
    (
        "fix_mask_scale",
        "only the mask fixed",
        """
import numpy as np
def masked_attention_fixed(q, k, v, mask):
    s = q @ k.T + (~mask) * -1e9
    w = np.exp(s - s.max(-1, keepdims=True))
    return w / w.sum(-1, keepdims=True) @ v
""",
        "scale is still missing",
    ),
    (
        "fix_mask_scale",
        "only the scale fixed",
        """
import numpy as np
def masked_attention_fixed(q, k, v, mask):
    s = q @ k.T / np.sqrt(q.shape[-1]) + mask * -1e9
    w = np.exp(s - s.max(-1, keepdims=True))
    return w / w.sum(-1, keepdims=True) @ v
""",
        "still read as '1 = blocked'",
    ),
    (
        "sink_window_mask",
        "window off by one",
        """
import numpy as np
def sink_window_mask(L, window, sinks):
    i, j = np.arange(L)[:, None], np.arange(L)[None, :]
    return (j <= i) & ((i - j <= window) | (j < sinks))
""",
        "Off by one",
    ),
    (
        "sink_window_mask",
        "sinks not causal",
        """
import numpy as np
def sink_window_mask(L, window, sinks):
    i, j = np.arange(L)[:, None], np.arange(L)[None, :]
    return ((j <= i) & (i - j < window)) | (j < sinks)
""",
        "sinks are still causal",
    ),
    (
        "speculative_acceptance",
        "same-token probability",
        """
import numpy as np
def acceptance_rate(p, q):
    return (p * q).sum(-1)
def residual(p, q):
    r = np.maximum(0.0, p - q)
    return r / r.sum(-1, keepdims=True)
""",
        "SAME token",
    ),
    (
        "speculative_acceptance",
        "residual not clipped",
        """
import numpy as np
def acceptance_rate(p, q):
    return np.minimum(p, q).sum(-1)
def residual(p, q):
    return (p - q) / (p - q).sum(-1, keepdims=True)
""",
        "Clip at 0",
    ),
    (
        "split_k_merge",
        "mean of the chunks",
        """
import numpy as np
def merge_partials(outs, lses):
    return outs.mean(0), lses.max(0)
""",
        "plain mean",
    ),
    (
        "split_k_merge",
        "overflowing exp",
        """
import numpy as np
def merge_partials(outs, lses):
    w = np.exp(lses)
    return (w[..., None] * outs).sum(0) / w.sum(0)[..., None], np.log(w.sum(0))
""",
        "overflows",
    ),
    (
        "alibi_bias",
        "slopes from h = 0",
        """
import numpy as np
def alibi_bias(num_heads, L):
    m = 2.0 ** (-8.0 * np.arange(num_heads) / num_heads)
    i, j = np.arange(L)[:, None], np.arange(L)[None, :]
    return np.where(j <= i, -m[:, None, None] * (i - j), -np.inf)
""",
        "first head's slope",
    ),
    (
        "alibi_bias",
        "not causal",
        """
import numpy as np
def alibi_bias(num_heads, L):
    m = 2.0 ** (-8.0 * np.arange(1, num_heads + 1) / num_heads)
    i, j = np.arange(L)[:, None], np.arange(L)[None, :]
    return -m[:, None, None] * np.abs(i - j)
""",
        "causal",
    ),
]


def test_every_exercise_has_two_wrong_answers():
    counts = {name: sum(w[0] == name for w in WRONG) for name in exercise_names()}
    assert min(counts.values()) >= 2, counts


@pytest.mark.parametrize("exercise,label,source,hint", WRONG, ids=[f"{w[0]}-{w[1]}" for w in WRONG])
def test_wrong_answer_loses_points_with_the_right_hint(exercise, label, source, hint):
    namespace: dict = {}
    exec(source, namespace)
    ex = get_exercise(exercise)
    with np.errstate(all="ignore"):
        result = grade_functions(exercise, **{f: namespace[f] for f in ex.functions})
    assert result.points < result.max_points
    failed = [t for t in result.tests if not t.passed]
    assert all(t.message for t in failed)
    assert any(hint in (t.hint + t.message) for t in failed), result.text()


def _graded(exercise: str, label: str):
    source = next(w[2] for w in WRONG if w[:2] == (exercise, label))
    namespace: dict = {}
    exec(source, namespace)
    with np.errstate(all="ignore"):
        return grade_functions(exercise, namespace["softmax"])


def test_missing_keepdims_fails_the_axis_test_with_a_broadcasting_hint():
    """Issue #20: axis=0 passed a missing keepdims by accident, and its hint spoke of `*` vs `@`."""
    result = _graded("softmax", "missing keepdims")
    by_name = {t.name: t for t in result.tests}
    assert not by_name["axis=1 of a (2, 3, 4) array"].passed
    assert not by_name["rows of a square (5, 5) matrix"].passed
    failed = [t for t in result.tests if not t.passed]
    assert failed and all("keepdims" in t.hint and "@" not in t.hint for t in failed), result.text()


def test_an_all_minus_inf_row_costs_exactly_its_own_point():
    result = _graded("softmax", "NaN on an all -inf row")
    assert [t.name for t in result.tests if not t.passed] == [
        "an all -inf row gives zeros (course convention)"
    ]
    assert result.points == result.max_points - 1
