"""Positional encodings: sinusoidal, learned, RoPE (vs a complex-number oracle) and ALiBi."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from attnlib.scratch import (
    LearnedPositionalEmbedding,
    alibi_bias,
    alibi_slopes,
    causal_mask,
    rope,
    rope_rotation,
    scaled_dot_product_attention,
    sinusoidal_encoding,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

TOL = 1e-10


@pytest.mark.parametrize("E", [8, 7])
def test_sinusoidal_matches_the_paper_formula(E, close):
    L = 12
    ref = np.zeros((L, E))
    for p in range(L):
        for j in range(E):
            angle = p / 10000 ** ((j - j % 2) / E)
            ref[p, j] = np.sin(angle) if j % 2 == 0 else np.cos(angle)
    close(sinusoidal_encoding(L, E), ref, TOL, f"sinusoidal vs formula (E={E})")


def test_sinusoidal_shift_is_a_fixed_linear_map():
    """PE[p + k] = PE[p] @ M_k for one matrix M_k: the property Vaswani et al. argue for."""
    pe = sinusoidal_encoding(40, 16)
    M, *_ = np.linalg.lstsq(pe[:30], pe[5:35], rcond=None)
    assert np.allclose(pe[:35] @ M, pe[5:40], atol=1e-8)


def test_learned_table_adds_rows_and_rejects_long_inputs():
    emb = LearnedPositionalEmbedding(6, 4, seed=1)
    x = np.zeros((2, 5, 4), dtype=np.float32)
    y = emb(x)
    assert y.dtype == np.float32 and np.allclose(y[1], emb.table[:5])
    with pytest.raises(ValueError, match=r"\(2, 7, 4\).*\(6, 4\)"):
        emb(np.zeros((2, 7, 4)))


@pytest.mark.parametrize("interleaved", [True, False], ids=["interleaved", "half-split"])
def test_rope_matches_torch_complex_oracle(interleaved, close):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 8))
    pos = np.array([0, 1, 2, 5, 9, 10, 100])
    xt = torch.from_numpy(x)
    freqs = 10000.0 ** (-torch.arange(0, 8, 2, dtype=torch.float64) / 8)
    rot = torch.polar(torch.ones(7, 4, dtype=torch.float64), torch.from_numpy(pos)[:, None] * freqs)
    if interleaved:  # pairs (2i, 2i+1) as complex numbers, as in the RoFormer paper
        ref = torch.view_as_real(torch.view_as_complex(xt.reshape(2, 3, 7, 4, 2)) * rot).flatten(-2)
    else:  # pairs (i, i + D/2), the rotate_half form of GPT-NeoX / LLaMA code
        ref = torch.view_as_real(torch.complex(xt[..., :4], xt[..., 4:]) * rot)
        ref = torch.cat([ref[..., 0], ref[..., 1]], dim=-1)
    close(
        rope(x, pos, interleaved=interleaved),
        ref,
        TOL,
        f"rope vs complex oracle ({'interleaved' if interleaved else 'half-split'})",
    )


def test_rope_equals_rotation_matrices_and_keeps_norms(close):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 6))
    R = rope_rotation(np.arange(5), 6)  # (L, D, D)
    close(rope(x), np.einsum("lij,lj->li", R, x), TOL, "rope vs rotation matrices")
    assert np.allclose(np.linalg.norm(rope(x), axis=-1), np.linalg.norm(x, axis=-1))
    assert np.allclose(R @ R.transpose(0, 2, 1), np.eye(6))


@settings(max_examples=25, deadline=None)
@given(
    m=st.integers(0, 500),
    n=st.integers(0, 500),
    shift=st.integers(-300, 300),
    D=st.sampled_from([2, 4, 8, 16]),
    interleaved=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_rope_dot_product_depends_only_on_relative_offset(m, n, shift, D, interleaved, seed):
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((1, D)), rng.standard_normal((1, D))
    m2, n2 = m + shift, n + shift
    assume(min(m2, n2) >= 0)

    def score(pq, pk):
        return (
            rope(q, np.array([pq]), interleaved=interleaved)
            @ rope(k, np.array([pk]), interleaved=interleaved).T
        )[0, 0]

    assert np.isclose(score(m, n), score(m2, n2), rtol=1e-9, atol=1e-9)


def test_alibi_slopes_follow_the_paper():
    assert np.allclose(alibi_slopes(8), 2.0 ** -np.arange(1, 9))
    assert np.allclose(alibi_slopes(4), 2.0 ** -np.array([2, 4, 6, 8]))
    assert np.allclose(alibi_slopes(6), 2.0 ** -np.array([2, 4, 6, 8, 1, 3]))  # non-power of 2
    bias = alibi_bias(2, 3)
    assert np.allclose(bias[0], -0.0625 * np.array([[0, 1, 2], [1, 0, 1], [2, 1, 0]]))
    assert np.allclose(alibi_bias(1, 2, 4)[0], -(2.0**-8) * np.array([[2, 1, 0, 1], [3, 2, 1, 0]]))


def test_causal_alibi_equals_key_position_bias(close):
    """Under a causal mask, -m (i - j) and +m j differ by a per-row constant, which softmax ignores."""
    rng = np.random.default_rng(2)
    H, L = 4, 6
    q, k, v = (rng.standard_normal((2, H, L, 8)) for _ in range(3))
    allowed = causal_mask(L)
    alibi = np.where(allowed, alibi_bias(H, L), -np.inf)
    key_only = np.where(allowed, alibi_slopes(H)[:, None, None] * np.arange(L), -np.inf)
    out = scaled_dot_product_attention(q, k, v, attn_mask=alibi)
    close(
        out,
        scaled_dot_product_attention(q, k, v, attn_mask=key_only),
        TOL,
        "alibi shift invariance",
    )
