"""Hand-written backward passes vs torch autograd (float64) and central finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from attnlib.scratch import (
    MultiHeadAttention,
    mha_backward,
    scaled_dot_product_attention,
    sdpa_backward,
    softmax,
    softmax_backward,
)
from torch_helpers import scratch_twin

TOL = 1e-8


def numerical_grad(f, x, eps=1e-6):
    """Central differences of the scalar f() with respect to every entry of x (modified in place)."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = f()
        x[idx] = old - eps
        down = f()
        x[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


def test_softmax_backward_vs_autograd_and_finite_differences(close):
    rng = np.random.default_rng(0)
    x, dy = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    x[0, 2] = -np.inf  # a masked entry gets zero gradient
    ours = softmax_backward(softmax(x), dy)
    xt = torch.from_numpy(x).requires_grad_()
    torch.softmax(xt, -1).backward(torch.from_numpy(dy))
    close(ours, xt.grad, TOL, "grad softmax vs autograd")
    x[0, 2] = 0.0
    ours = softmax_backward(softmax(x, axis=0), dy, axis=0)
    close(
        ours, numerical_grad(lambda: np.sum(softmax(x, axis=0) * dy), x), 1e-8, "grad softmax vs FD"
    )


SDPA_GRAD_CASES = [
    ("plain", (2, 5, 4), (2, 5, 4), (2, 5, 4), None, False, None),
    ("L!=S Dv!=D batch (2,3)", (2, 3, 4, 6), (2, 3, 7, 6), (2, 3, 7, 5), None, False, None),
    ("causal", (2, 6, 4), (2, 6, 4), (2, 6, 3), None, True, None),
    ("bool mask + scale", (2, 5, 4), (2, 6, 4), (2, 6, 4), "bool", False, 0.7),
    ("float mask", (2, 2, 5, 4), (2, 2, 6, 4), (2, 2, 6, 4), "float", False, None),
    ("broadcast k/v batch (1,6,4)", (3, 5, 4), (1, 6, 4), (1, 6, 4), None, False, None),
]


@pytest.mark.parametrize("case", SDPA_GRAD_CASES, ids=[c[0] for c in SDPA_GRAD_CASES])
def test_sdpa_backward_vs_autograd(case, close):
    label, qs, ks, vs, kind, is_causal, scale = case
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal(s) for s in (qs, ks, vs))
    L, S = qs[-2], ks[-2]
    mask = {"bool": rng.random((L, S)) < 0.6, "float": rng.standard_normal((L, S))}.get(kind)
    if kind == "bool":
        mask[:, 0] = True
    out = scaled_dot_product_attention(q, k, v, mask, is_causal, scale)
    dout = rng.standard_normal(out.shape)
    grads = sdpa_backward(dout, q, k, v, mask, is_causal, scale)
    qt, kt, vt = (torch.from_numpy(x).requires_grad_() for x in (q, k, v))
    mt = None if mask is None else torch.from_numpy(mask)
    F.scaled_dot_product_attention(qt, kt, vt, mt, is_causal=is_causal, scale=scale).backward(
        torch.from_numpy(dout)
    )
    for name, ours, ref in zip("qkv", grads, (qt, kt, vt)):
        close(ours, ref.grad, TOL, f"grad sdpa d{name} vs autograd: {label}")


def test_sdpa_backward_vs_finite_differences(close):
    rng = np.random.default_rng(2)
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    mask = rng.random((3, 5)) < 0.7
    mask[:, 1] = True
    mask[2] = False  # a fully masked row: zero output, zero gradient
    dout = rng.standard_normal((3, 2))
    dq, dk, dv = sdpa_backward(dout, q, k, v, mask)

    def loss():
        return np.sum(scaled_dot_product_attention(q, k, v, mask) * dout)

    for name, ours, x in (("q", dq, q), ("k", dk, k), ("v", dv, v)):
        close(ours, numerical_grad(loss, x), 1e-8, f"grad sdpa d{name} vs FD")
    assert np.all(dq[2] == 0)


@pytest.mark.parametrize("masks", ["none", "key padding + causal"])
def test_mha_backward_vs_autograd(masks, close):
    E, H, B, L, S = 8, 2, 2, 5, 5
    torch.manual_seed(0)
    tmha = torch.nn.MultiheadAttention(E, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        tmha.in_proj_bias.normal_()
        tmha.out_proj.bias.normal_()
    mha = scratch_twin(tmha)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((B, L, E)), rng.standard_normal((B, S, E))
    kpm = attn = None
    torch_kw = {}
    if masks != "none":
        kpm = np.array([[True] * 5, [True] * 3 + [False] * 2])
        attn = np.tril(np.ones((L, S), bool))
        torch_kw = dict(key_padding_mask=torch.from_numpy(~kpm), attn_mask=torch.from_numpy(~attn))
    dout = rng.standard_normal((B, L, E))
    dx, dy_key, dy_value, grads = mha_backward(dout, mha, x, y, y, attn, kpm)
    xt, yt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(y).requires_grad_()
    tmha(xt, yt, yt, need_weights=False, **torch_kw)[0].backward(torch.from_numpy(dout))
    close(dx, xt.grad, TOL, f"grad mha d_query vs autograd ({masks})")
    close(dy_key + dy_value, yt.grad, TOL, f"grad mha d_key+d_value vs autograd ({masks})")
    w, b = tmha.in_proj_weight.grad, tmha.in_proj_bias.grad
    refs = {
        "W_q": w[:E].T,
        "W_k": w[E : 2 * E].T,
        "W_v": w[2 * E :].T,
        "W_o": tmha.out_proj.weight.grad.T,
        "b_q": b[:E],
        "b_k": b[E : 2 * E],
        "b_v": b[2 * E :],
        "b_o": tmha.out_proj.bias.grad,
    }
    assert set(grads) == set(refs)
    for name, ref in refs.items():
        close(grads[name], ref, TOL, f"grad mha {name} vs autograd ({masks})")


def test_mha_backward_vs_finite_differences(close):
    mha = MultiHeadAttention(4, 2, seed=4, kdim=3)
    mha.b_q += 0.1
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((1, 3, 4)), rng.standard_normal((1, 2, 3))
    dout = rng.standard_normal((1, 3, 4))
    value = rng.standard_normal((1, 2, 4))
    _, d_key, _, grads = mha_backward(dout, mha, x, y, value)

    def loss():
        return np.sum(mha(x, y, value)[0] * dout)

    close(d_key, numerical_grad(loss, y), 1e-8, "grad mha d_key vs FD")
    for name in ("W_k", "b_q", "W_o"):
        close(grads[name], numerical_grad(loss, getattr(mha, name)), 1e-8, f"grad mha {name} vs FD")
