"""An ipywidgets explorer: temperature, scaling and masks redraw the weights and their entropy."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from attnlib.viz.heatmap import attention_heatmap, row_entropy, to_numpy


def masked_scaled_weights(
    scores,
    d_k: int,
    temperature: float = 1.0,
    scaled: bool = True,
    causal: bool = False,
    padded_keys: int = 0,
) -> np.ndarray:
    r"""Weights $\mathrm{softmax}(s / (\tau\sqrt{d_k}))$ of raw scores, with optional masks.

    Args:
        scores: (L, S) raw dot products $q_i \cdot k_j$.
        d_k: key dimension used by the $1/\sqrt{d_k}$ scale (ignored when ``scaled`` is False).
        temperature: $\tau > 0$; large $\tau$ flattens the weights, small $\tau$ sharpens them.
        causal: query i may attend only to keys j <= i.
        padded_keys: the last ``padded_keys`` keys are padding and may not be attended to.

    Returns:
        (L, S) weights; a fully masked row is all zeros (the course convention).
    """
    from attnlib.scratch import causal_mask, softmax

    s = to_numpy(scores)
    if s.ndim != 2:
        raise ValueError(f"scores must be (L, S), got shape {s.shape}")
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    L, S = s.shape
    if not 0 <= padded_keys <= S:
        raise ValueError(f"padded_keys must be in [0, {S}] for S={S} keys, got {padded_keys}")
    allowed = np.ones((L, S), dtype=bool)
    if causal:
        allowed &= causal_mask(L, S)
    allowed[:, S - padded_keys :] = False
    logits = s / (temperature * (np.sqrt(d_k) if scaled else 1.0))
    any_allowed = allowed.any(axis=-1, keepdims=True)  # (L, 1)
    logits = np.where(allowed, logits, -np.inf)
    logits = np.where(any_allowed, logits, 0.0)  # avoid NaN in rows with nothing to attend to
    return np.where(allowed & any_allowed, softmax(logits, axis=-1), 0.0)


def attention_explorer(scores, labels: Sequence[str] | None = None, d_k: int | None = None):
    """Sliders and toggles that redraw an attention heatmap and the entropy of each row.

    Controls: temperature (log scale), "divide by sqrt(d_k)", causal mask, number of padded keys.
    Each redraw renders a PNG and stores it in an ``Output`` widget's ``outputs`` (kernel-side
    state, not captured display messages), so a notebook executed with ``store_widget_state=True``
    shows the plot in the static HTML book, and the cell's own output is the same in every runner.

    Args:
        scores: (L, S) raw dot products.
        labels: token labels (length S; used for rows too when L == S).
        d_k: key dimension for the scale; defaults to S.

    Returns:
        An ``ipywidgets.VBox``.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import Image

    s = to_numpy(scores)
    L, S = s.shape
    d_k = S if d_k is None else d_k
    style = {"description_width": "initial"}
    temperature = widgets.FloatLogSlider(
        value=1.0, base=10, min=-1, max=1, step=0.05, description="temperature τ", style=style
    )
    scaled = widgets.Checkbox(value=True, description="divide by √d_k")
    causal = widgets.Checkbox(value=False, description="causal mask")
    padded = widgets.IntSlider(value=0, min=0, max=S - 1, description="padded keys", style=style)

    def draw(temperature: float, scaled: bool, causal: bool, padded: int):
        w = masked_scaled_weights(s, d_k, temperature, scaled, causal, padded)
        fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 3.6), width_ratios=[1.4, 1])
        attention_heatmap(w, labels if L == S else None, labels, ax=left, title="weights")
        h = row_entropy(w)  # (L,)
        right.barh(range(L), h, color="C1")
        right.axvline(np.log(S), color="0.4", ls="--", lw=1, label=f"log S = {np.log(S):.2f}")
        right.set_yticks(range(L), labels=labels if (labels is not None and L == S) else range(L))
        right.invert_yaxis()
        right.set_xlim(0, np.log(S) * 1.05)
        right.set_xlabel("entropy (nats)")
        right.set_title(f"row entropy, mean {h.mean():.3f}")
        right.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        return fig

    out = widgets.Output()

    def redraw(_change=None) -> None:
        fig = draw(temperature.value, scaled.value, causal.value, padded.value)
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=90)
        plt.close(fig)
        out.outputs = ()
        out.append_display_data(Image(data=png.getvalue(), format="png"))

    for control in (temperature, scaled, causal, padded):
        control.observe(redraw, names="value")
    redraw()
    panel = widgets.HBox([widgets.VBox([temperature, padded]), widgets.VBox([scaled, causal])])
    return widgets.VBox([panel, out])
