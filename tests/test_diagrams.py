"""Diagrams are drawn from the arrays they are given: their labels carry those shapes.

Each diagram is drawn with inputs whose shapes differ from its defaults, so a label typed by
hand (or a diagram that ignores its arguments) fails. Every figure is also checked for the
house rules: a colorbar on each heatmap, text large enough for a phone, nothing clipped.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from attnlib.scratch import causal_mask, lengths_to_mask, softmax
from attnlib.viz import diagrams
from matplotlib.text import Text

rng = np.random.default_rng(0)
PHONE_PX = 390  # the narrowest screen the book is read on


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(fig) -> list[Text]:
    """Every visible, non-empty Text artist of the figure (titles, labels, ticks, legends)."""
    fig.canvas.draw()
    ticks, shown = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                ticks |= {id(tick.label1), id(tick.label2)}
            if ax.axison and axis.get_visible():  # the ticks drawn: those inside the view
                shown += [t.label1 for t in axis._update_ticks() if t.label1.get_visible()]
    found = [t for t in fig.findobj(Text) if id(t) not in ticks] + shown
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def all_text(fig) -> str:
    return "\n".join(t.get_text() for t in texts(fig))


def r(*shape):
    return rng.standard_normal(shape)


def beam_result():
    """A width-2, 4-step beam search on a fixed bigram model over 5 tokens."""
    import torch
    from attnlib.modern.beam_search import beam_search

    table = torch.randn(5, 5, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    return beam_search(lambda idx: table[idx], torch.tensor([[0]]), 4, beam_width=2)


#: name -> (keyword arguments, shapes that must appear in the figure's text)
CASES = {
    "soft_lookup": (lambda: {"query": r(6), "keys": r(7, 6), "values": r(7, 3)},
                    ["(6,)", "(7, 6)", "(7, 3)", "(3,)"]),
    "rnn_bottleneck": (lambda: {"encoder_states": r(4, 12), "decoder_state": r(12)},
                       ["(4, 12)", "(12,)", "S = 4"]),
    "additive_vs_dot": (lambda: {"query": r(6), "keys": r(7, 6)},
                        ["(6,)", "(7, 6)", "(6, 3)", "(7, 3)", "(6, 7)"]),
    "qkv_projections": (lambda: {"x": r(6, 8), "W_q": r(8, 3), "W_k": r(8, 3), "W_v": r(8, 5)},
                        ["X (6, 8)", "(8, 3)", "Q = X W_Q (6, 3)", "V = X W_V (6, 5)"]),
    "attention_pipeline": (lambda: {"q": r(3, 4), "k": r(6, 4), "v": r(6, 2)},
                           ["(3, 6)", "(6, 2)", "O (3, 2)"]),
    "softmax_saturation": (lambda: {"dims": (2, 8, 32), "S": 6},
                           ["(1, 32)", "(6, 32)", "1/S = 0.167"]),
    "mask_grids": (lambda: {"causal": causal_mask(3, 6), "padding": lengths_to_mask(np.array([6, 4, 2]), 6),
                            "batch_index": 2},
                   ["causal_mask (3, 6)", "lengths_to_mask (3, 6)", "sequence 2 (3, 6)"]),
    "multihead_split_merge": (lambda: {"x": r(2, 3, 12), "num_heads": 3},
                              ["x (2, 3, 12)", "(2, 3, 3, 4)", "H · D = 3 · 4"]),
    "kv_cache_growth": (lambda: {"num_heads": 3, "head_dim": 5, "steps": 3, "batch": 2},
                        ["(2, 3, 1, 5)", "(2, 3, 3, 5)"]),
    "mqa_gqa_sharing": (lambda: {"embed_dim": 24, "num_heads": 6, "kv_heads": (6, 3, 1)},
                        ["W_k (24, 24)", "W_k (12, 24)", "W_k (4, 24)", "K+V/token: 2·1·4 = 8"]),
    "sinusoidal_encodings": (lambda: {"L": 20, "E": 12}, ["(20, 12)", "E = 12"]),
    "rope_pairs": (lambda: {"x": r(7, 6)}, ["x (7, 6)", "features (4, 5)", "m = 6"]),
    "alibi_grid": (lambda: {"num_heads": 2, "L": 7}, ["alibi_bias(2, 7)", "(2, 7, 7)", "m = 0.0625"]),
    "transformer_block": (lambda: {"embed_dim": 12, "num_heads": 3, "ff_dim": 20, "L": 7},
                          ["x (1, 7, 12)", "y (1, 7, 12)", "FFN (12, 20)·(20, 12)", "H = 3"]),
    "encoder_decoder": (lambda: {"src_len": 7, "tgt_len": 3, "embed_dim": 6, "num_heads": 3},
                        ["memory (1, 7, 6)", "out (1, 3, 6)", "(1, 3, 3, 7)"]),
    "backward_graph": (lambda: {"q": r(2, 5), "k": r(3, 5), "v": r(3, 7), "dout": r(2, 7)},
                       ["Q (2, 5)", "(2, 3)", "dV = Aᵀ dO\n(3, 7)", "dK = λ dZᵀQ\n(3, 5)"]),
    "flash_tiles": (lambda: {"L": 6, "S": 10, "block_q": 3, "block_k": 4, "is_causal": False,
                             "head_dim": 5},
                    ["(6, 10): 6 tiles", "(3, 4)", "Q tile (3, 5)", "K, V tile (4, 5)", "acc (3, 5)"]),
    "online_softmax_trace": (lambda: {"scores": r(7), "values": r(7, 3), "block": 3},
                             ["scores (7,)", "values (7, 3)", "3 blocks of 3", "6–6"]),
    "vit_patching": (lambda: {"images": r(2, 3, 6, 6), "patch_size": 3},
                     ["image (2, 3, 6, 6)", "(2, 4, 27)", "(2, 5) tokens", "C·p² = 27"]),
    "time_series_patching": (lambda: {"series": r(40), "patch_len": 8, "stride": 4},
                             ["series (40,)", "patch_len 8, stride 4", "tokens (9, 8)"]),
    "cnn_attention_blocks": (lambda: {"image_size": 12, "channels": (4, 8), "reduction": 2,
                                      "kernel_size": 3, "batch": 5, "residual": True},
                             ["(5, 8, 6, 6)", "z (5, 8)", "(5, 4)", "s (5, 8)",
                              "(5, 2, 6, 6)", "conv 3×3", "M (5, 1, 6, 6)", "X + M ⊙ X"]),
    "sasrec_histories": (lambda: {"histories": np.arange(1, 22).reshape(3, 7),
                                  "lengths": np.array([7, 2, 5]), "user": 2},
                         ["user 2: items (7,), 5 real", "may attend (7, 7)", "→ 20"]),
    "masked_pretraining": (lambda: {"words": ["the", "cat", "sat", "on", "a", "mat"], "prob": 0.5},
                           ["input ids (1, 6)", "mat"]),
    "role_tagging": (lambda: {"tokens": ["Ann", "sold", "it", "today"], "predicate": 1,
                              "tags": ["B-ARG0", "O", "B-ARG1", "B-ARGM-TMP"]},
                     ["words (4,)", "tags (4,)", "ARGM-TMP"]),
    "pointer_span": (lambda: {"passage": "the a b . the c d e .".split(), "question": ["x", "y", "?"],
                              "p_start": softmax(r(9)), "p_end": softmax(r(9)), "gold": (6, 7)},
                     ["question (3,): x y ?", "passage (9,)", "P_start (9,)", "P_end (9,)", "6 d"]),
    "summary_pipeline": (lambda: {"sentences": [["a", "b", "."], ["c", "."], ["d", "e", "f", "."]],
                                  "scores": np.array([0.2, 0.9, 0.5]), "k": 2, "embed_dim": 8,
                                  "num_heads": 3, "gold": [1]},
                         ["N = 3 sentences", "(3, 4)", "(3, 8)", "H = 3", "(3, 3, 3)", "(3,)",
                          "top k = 2", "★ 1 c ."]),
    "worked_example_flow": (lambda: {"x": np.ones((5, 4)), "is_causal": True},
                            ["X (5, 4)", "A (5, 5)", "−∞", "[1.0000, 1.0000, 0.0000, 2.0000]"]),
    "feature_tokenization": (lambda: {"rows": np.zeros((2, 5)), "d_model": 4},
                             ["row x (5,)", "(6, 4) = (1 + F, E)", "1 + F = 6 tokens"]),
    "anomaly_pipeline": (lambda: {"x": r(60, 3), "window": 12, "embed_dim": 8, "num_heads": 2},
                         ["stream (60, 3)", "W = 12", "window (12, 3)", "(1, 2, 12, 12)",
                          "x̂_t (3,)", "H = 2, E = 8"]),
    "traffic_tokens": (lambda: {"window": r(4, 9), "roads": [(0, 1, 2), (1, 2, 3), (3, 2, 1)]},
                       ["x[b] (4, 9)", "N·S = 36 tokens", "4 sensors, 3 roads"]),
    "beam_tree": (lambda: {"result": beam_result(), "labels": "vwxyz"},
                  ["beam width W = 2: 4 steps"]),
    "topic_pipeline": (lambda: {"words": ["a", "b", "c"], "ids": [7, 8, 9], "topics": ("p", "q", "r", "s"),
                                "d_model": 10, "num_layers": 3, "batch": 2},
                       ["(B, L) = (2, 3)", "(2, 4, 10)", "× 3 layers", "(2, 10)", "(2, 4)", "C = 4"]),
}  # fmt: skip


def test_every_diagram_has_a_case():
    assert set(CASES) == set(diagrams.DIAGRAMS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_diagram_labels_carry_the_given_shapes(name):
    kwargs, expected = CASES[name]
    fig = diagrams.DIAGRAMS[name](**kwargs())
    assert isinstance(fig, matplotlib.figure.Figure)
    text = all_text(fig)
    missing = [s for s in expected if s not in text]
    assert not missing, f"{name}: labels lack {missing}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_diagram_follows_house_rules(name):
    fig = diagrams.DIAGRAMS[name]()  # the defaults a chapter shows
    width, _ = fig.get_size_inches()
    assert width <= 7.0
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)  # the white card
    for ax in fig.axes:
        for image in ax.images:
            assert image.colorbar is not None, f"{name}: a heatmap without a colorbar"
    ts = texts(fig)
    assert ts
    smallest = min(t.get_fontsize() for t in ts)
    assert smallest >= 10, f"{name}: text of {smallest} pt"
    assert smallest / 72 * PHONE_PX / width >= 8, f"{name}: under 8 px on a phone"
    box = fig.bbox.expanded(1.001, 1.001)
    renderer = fig.canvas.get_renderer()
    for t in ts:
        extent = t.get_window_extent(renderer)
        inside = box.contains(extent.x0, extent.y0) and box.contains(extent.x1, extent.y1)
        assert inside, f"{name}: {t.get_text()!r} is clipped by the figure edge"


def test_house_rule_checks_catch_a_bad_figure():
    fig, ax = plt.subplots(figsize=(9, 3))
    ax.imshow(np.eye(3))
    ax.set_title("tiny", fontsize=6)
    assert fig.get_size_inches()[0] > 7.0
    assert ax.images[0].colorbar is None
    assert min(t.get_fontsize() for t in texts(fig)) < 10


def test_show_and_save_write_crisp_files(tmp_path):
    fig = diagrams.soft_lookup()
    svg = diagrams.to_svg(fig)
    assert svg.lstrip().startswith("<?xml") and "soft lookup" in svg
    png = diagrams.save(fig, tmp_path / "a.png")
    assert plt.imread(png).shape[1] == int(fig.get_figwidth() * 200)
    assert diagrams.save(fig, tmp_path / "a.svg").read_text().count("<svg") == 1
    with pytest.raises(ValueError, match=".pdf"):
        diagrams.save(fig, tmp_path / "a.pdf")


def test_online_softmax_states_end_at_the_softmax_weighted_sum():
    s, v = r(9) * 3, r(9, 2)
    states = diagrams.online_softmax_states(s, v, block=4)
    assert [st["keys"] for st in states] == [(0, 4), (4, 8), (8, 9)]
    np.testing.assert_allclose(states[-1]["out"], softmax(s) @ v, rtol=1e-12)
    np.testing.assert_allclose(states[-1]["l"], np.exp(s - s.max()).sum(), rtol=1e-12)
    for before, after in zip(states, states[1:]):
        assert after["m_old"] == before["m"]
        np.testing.assert_allclose(after["alpha"], np.exp(before["m"] - after["m"]))
    with pytest.raises(ValueError, match=r"\(9,\) and \(8, 2\)"):
        diagrams.online_softmax_states(s, v[:8], block=4)


def test_worked_example_flow_prints_the_worked_example_numbers():
    from attnlib import worked_example as we

    text = all_text(diagrams.worked_example_flow())
    s = we.steps()
    assert f"{s.weights[we.HAND_ROW, 0]:.2f}" in text
    assert ", ".join(f"{v:.4f}" for v in s.out[we.HAND_ROW]) in text
    shifted = all_text(diagrams.worked_example_flow(we.embeddings(positional=True)))
    assert ", ".join(f"{v:.4f}" for v in we.steps(we.embeddings(True)).out[we.HAND_ROW]) in shifted


def test_online_softmax_stepper_ends_at_scratch_softmax_and_links_in_the_browser():
    import ipywidgets as widgets
    from attnlib.viz.steppers import online_softmax_step, online_softmax_stepper

    s, v = r(7) * 2, r(7, 3)
    box = online_softmax_stepper(s, v, block=3)
    np.testing.assert_allclose(box.states[-1]["out"], softmax(s) @ v, rtol=1e-12)
    slider, stack = box.children
    assert isinstance(stack, widgets.Stack) and len(stack.children) == len(box.states) + 1 == 4
    assert all(bytes(view.value).startswith(b"\x89PNG") for view in stack.children)
    assert slider.max == 3
    assert [(link.source, link.target) for link in box.links] == [
        ((slider, "value"), (stack, "selected_index")),
    ]
    state = widgets.Widget.get_manager_state(drop_defaults=True)["state"]
    assert state[box.links[0].model_id]["model_name"] == "LinkModel"  # saved with the notebook
    last = all_text(online_softmax_step(s, v, 3, step=3))
    exact = "[" + ", ".join(f"{x:.3f}" for x in softmax(s) @ v) + "]"
    assert f"softmax(s)·V = {exact}" in last
    middle = all_text(online_softmax_step(s, v, 3, step=2))
    old = "[" + ", ".join(f"{x:.3f}" for x in box.states[0]["acc"]) + "]"
    assert f"acc = α·{old}" in middle and f"{box.states[1]['alpha']:.3f}" in middle
    with pytest.raises(ValueError, match="step must be in"):
        online_softmax_step(s, v, 3, step=4)


def test_mask_editor_weights_equal_scratch_attention_with_that_mask():
    import ipywidgets as widgets
    from attnlib.scratch import scaled_dot_product_attention
    from attnlib.viz.mask_editor import KINDS, editor_mask, mask_editor

    q, k = r(4, 3), r(6, 3)
    box = mask_editor(q, k, window=2)
    assert len(box.views) == len(KINDS) * 6
    for (_kind, padded), (mask, w) in box.views.items():
        _, expected = scaled_dot_product_attention(q, k, k, attn_mask=mask, return_weights=True)
        np.testing.assert_allclose(w, expected, rtol=1e-12)
        assert not w[~mask].any()
        assert not mask[:, 6 - padded :].any()
    np.testing.assert_array_equal(
        box.views["causal", 2][0], causal_mask(4, 6) & lengths_to_mask(np.array([4]), 6)
    )
    window = editor_mask("window", 0, 4, 6, window=2)
    assert window.sum(axis=1).tolist() == [1, 2, 2, 2]
    kinds, padded, outer = box.children
    assert isinstance(outer, widgets.Stack) and len(outer.children) == len(KINDS)
    assert box.links[0].source == (kinds, "index")
    assert {link.target[0] for link in box.links[1:]} == set(outer.children)
    with pytest.raises(ValueError, match="kind must be one of"):
        editor_mask("diagonal", 0, 4, 6)


def test_widget_figures_follow_house_rules():
    from attnlib import worked_example as we
    from attnlib.viz.mask_editor import editor_mask, mask_and_weights
    from attnlib.viz.steppers import online_softmax_step

    s = we.steps()
    for fig in (online_softmax_step(step=2),
                mask_and_weights(s.q, s.k, editor_mask("causal", 1, 5, 5), list(we.TOKENS))):  # fmt: skip
        assert all(image.colorbar is not None for ax in fig.axes for image in ax.images)
        assert min(t.get_fontsize() for t in texts(fig)) >= 10


def test_every_diagram_names_a_chapter_that_exists():
    from pathlib import Path

    chapters = Path(__file__).resolve().parents[1] / "chapters"
    assert set(diagrams.CHAPTERS) == set(diagrams.DIAGRAMS)
    for name, chapter in diagrams.CHAPTERS.items():
        assert (chapters / f"{chapter}.ipynb").exists(), f"{name}: no chapter {chapter}"


def test_show_displays_svg_and_closes_the_figure():
    fig = diagrams.mask_grids()
    svg = diagrams.show(fig)
    assert svg.data.count("<svg") == 1
    assert not plt.fignum_exists(fig.number)
