"""Plot helpers and the interactive explorer: what they draw is what they were given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from attnlib.viz import attention_heatmap, row_entropy, timeline


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_heatmap_draws_the_weights_with_labels():
    w = np.array([[0.7, 0.3], [0.1, 0.9]])
    ax = attention_heatmap(w, ["a", "b"])
    np.testing.assert_array_equal(ax.images[0].get_array(), w)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert sorted(t.get_text() for t in ax.texts) == ["0.10", "0.30", "0.70", "0.90"]


def test_heatmap_accepts_tensors_with_grad_and_leading_unit_axes():
    w = torch.softmax(torch.randn(1, 1, 3, 4, requires_grad=True), dim=-1)  # (B, H, L, S)
    ax = attention_heatmap(w, annotate=False, colorbar=False)
    assert ax.images[0].get_array().shape == (3, 4)
    assert not ax.texts


def test_heatmap_rejects_bad_shapes_and_labels():
    with pytest.raises(ValueError, match="shape"):
        attention_heatmap(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="query_labels has 3 entries"):
        attention_heatmap(np.ones((2, 2)), ["a", "b", "c"])


def test_row_entropy_limits():
    np.testing.assert_allclose(row_entropy(np.full((2, 5), 0.2)), np.log(5))
    np.testing.assert_allclose(row_entropy(np.eye(3)), 0.0)


def test_timeline_labels_every_event_in_order():
    ax = timeline([(2017, "Transformer"), (2014, "seq2seq"), (2015, "Bahdanau")])
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 3
    assert "seq2seq" in texts[0] and "Transformer" in texts[2]
    with pytest.raises(ValueError):
        timeline([])


def test_masked_scaled_weights_masks_temperature_and_empty_rows():
    pytest.importorskip("attnlib.scratch")
    from attnlib.viz import masked_scaled_weights

    scores = np.arange(16.0).reshape(4, 4) % 5
    w = masked_scaled_weights(scores, d_k=4)
    np.testing.assert_allclose(w.sum(-1), 1.0)
    e = np.exp(scores / 2.0)
    np.testing.assert_allclose(w, e / e.sum(-1, keepdims=True))
    causal = masked_scaled_weights(scores, d_k=4, causal=True, padded_keys=1)
    assert np.all(causal[np.triu_indices(4, k=1)] == 0) and np.all(causal[:, 3] == 0)
    np.testing.assert_allclose(causal.sum(-1), 1.0)
    hot = masked_scaled_weights(scores, d_k=4, temperature=1000.0)
    np.testing.assert_allclose(hot, 0.25, atol=1e-3)
    unscaled = masked_scaled_weights(scores, d_k=4, scaled=False)
    assert row_entropy(unscaled).mean() < row_entropy(w).mean()
    empty = masked_scaled_weights(scores, d_k=4, padded_keys=4)
    np.testing.assert_array_equal(empty, 0.0)  # fully masked rows: zero weights, not NaN
    with pytest.raises(ValueError, match="temperature"):
        masked_scaled_weights(scores, d_k=4, temperature=0.0)


def test_attention_explorer_builds_controls():
    pytest.importorskip("attnlib.scratch")
    import ipywidgets as widgets
    from attnlib.viz import attention_explorer

    panel = attention_explorer(np.zeros((3, 3)), ["x", "y", "z"])
    assert isinstance(panel, widgets.VBox)
    sliders = [w for box in panel.children[0].children for w in box.children]
    names = {w.description for w in sliders}
    assert names == {"temperature τ", "padded keys", "divide by √d_k", "causal mask"}
    padded = next(w for w in sliders if w.description == "padded keys")
    assert padded.max == 2
    out = panel.children[1]
    assert isinstance(out, widgets.Output)
    assert len(out.outputs) == 1 and "image/png" in out.outputs[0]["data"]
    before = out.outputs[0]["data"]["image/png"]
    padded.value = 2  # redraws: still one plot, a different one
    assert len(out.outputs) == 1 and out.outputs[0]["data"]["image/png"] != before


def test_matrix_markdown_prints_fixed_precision_and_checks_labels():
    from attnlib.viz import matrix_markdown

    text = matrix_markdown(
        np.array([[1.0, -0.5], [-0.00001, 2.0]]), ["a", "b"], ["x", "y"], decimals=2
    )
    lines = text.splitlines()
    assert lines[0] == "|  | x | y |"
    assert lines[2] == "| a | 1.00 | -0.50 |"
    assert lines[3] == "| b | 0.00 | 2.00 |"  # no "-0.00"
    assert matrix_markdown(np.array([-0.1, 2.0]), decimals=0).splitlines()[2] == "| 0 | 0 | 2 |"
    with pytest.raises(ValueError, match="row labels"):
        matrix_markdown(np.ones((2, 2)), ["a"])
