"""Beyond softmax: causal linear attention's recurrence equals its parallel form, the selective
scan's recurrence equals its matrix form, and the recall lookup behaves as the chapter says."""

from __future__ import annotations

import pytest
import torch
from attnlib.modern.linear_attention import (
    feature_map,
    linear_attention_parallel,
    linear_attention_recurrent,
)
from attnlib.modern.recall import recall_accuracy
from attnlib.modern.selective_scan import SelectiveScan
from compare import assert_close


def qkv(L, D=8, Dv=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(2, 3, L, n, generator=g, dtype=torch.float64) for n in (D, D, Dv))


@pytest.mark.parametrize("L", [1, 7, 40])
def test_recurrence_equals_parallel_form(L):
    q, k, v = qkv(L)
    out, (S, z) = linear_attention_recurrent(q, k, v)
    assert_close(out, linear_attention_parallel(q, k, v), 1e-12, "linear: recurrent vs parallel")
    assert S.shape == (2, 3, 8, 6) and z.shape == (2, 3, 8)  # the state does not grow with L


def test_parallel_form_matches_the_formula_by_loops():
    q, k, v = qkv(5)
    fq, fk = feature_map(q), feature_map(k)
    i = 3
    w = (fq[..., i, None, :] * fk[..., : i + 1, :]).sum(-1)  # (2, 3, i + 1)
    want = (w[..., None] * v[..., : i + 1, :]).sum(-2) / w.sum(-1, keepdim=True)
    assert_close(linear_attention_parallel(q, k, v)[..., i, :], want, 1e-12)


def test_state_carries_over_between_chunks_and_causality_holds():
    q, k, v = qkv(12)
    first, state = linear_attention_recurrent(q[..., :5, :], k[..., :5, :], v[..., :5, :])
    rest, _ = linear_attention_recurrent(q[..., 5:, :], k[..., 5:, :], v[..., 5:, :], state)
    assert_close(torch.cat([first, rest], -2), linear_attention_parallel(q, k, v), 1e-12)
    k2 = k.clone()
    k2[..., 8:, :] += 3.0
    assert torch.equal(
        linear_attention_parallel(q, k2, v)[..., :8, :],
        linear_attention_parallel(q, k, v)[..., :8, :],
    )
    with pytest.raises(ValueError, match=r"\(\.\.\., L, Dv\)"):
        linear_attention_parallel(q, k, v[..., :4, :])


def test_selective_scan_recurrence_equals_its_matrix_form():
    torch.manual_seed(0)
    layer = SelectiveScan(embed_dim=6, state_dim=4).double()
    x = torch.randn(2, 9, 6, dtype=torch.float64)
    assert_close(layer(x), layer(x, parallel=True), 1e-12, "ssm: recurrent vs matrix")
    x2 = x.clone()
    x2[:, 5:] += 1.0
    assert torch.equal(layer(x2)[:, :5], layer(x)[:, :5])  # causal
    with pytest.raises(ValueError, match=r"\(B, L, E=6\)"):
        layer(torch.zeros(2, 3, 5, dtype=torch.float64))


def test_recall_softmax_holds_many_pairs_linear_state_does_not():
    assert recall_accuracy("softmax", pairs=32, dim=16, beta=16.0) > 0.95
    assert recall_accuracy("linear", pairs=32, dim=16) < 0.5
    assert recall_accuracy("linear", pairs=2, dim=16) > recall_accuracy("linear", pairs=32, dim=16)
    with pytest.raises(ValueError, match="mixer must be"):
        recall_accuracy("ssm", 4, 16)
    # the outer-product state holds about D pairs: good below, failing far above
    assert (
        recall_accuracy("outer", pairs=4, dim=64)
        > 0.95
        > recall_accuracy("outer", pairs=256, dim=64)
    )


def test_the_recurrence_diagram_labels_the_real_state_shape():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from attnlib.modern.diagrams import linear_recurrence

    fig = linear_recurrence(512, 16, 8)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "recurrent: one state S (16, 8) and z (16,)" in texts
    assert any("(512, 512), first 6 drawn" in t for t in texts)
    plt.close(fig)
