"""Feature tokenization (FT-Transformer): a table's row becomes [CLS] + one token per column."""

from __future__ import annotations

import numpy as np

from attnlib.viz.diagrams._style import COLORS, SMALL, arrow, box, diagram, figure, heatmap, shape


@diagram
def feature_tokenization(rows=None, model=None, d_model: int = 8):
    r"""$t_j = x_j w_j + b_j$ for each of the F features, ``[CLS]`` in front, encoder, prediction.

    Args:
        rows: (B, F) standardized features (the first row is drawn); default 6 made-up values.
        model: an :class:`~attnlib.nn.feature_tokenizer.FTTransformer` whose tokenizer and
            ``[CLS]`` vector are drawn; default a fresh one with ``d_model`` (seed 0).
        d_model: E of the default model.

    Returns:
        Figure: the row x (F,), the token matrix (1 + F, E) and the path to p(class).
    """
    import torch

    from attnlib.nn.feature_tokenizer import FTTransformer

    x = np.linspace(-1.5, 1.5, 6)[None] if rows is None else np.asarray(rows, dtype=float)
    if model is None:
        torch.manual_seed(0)
        model = FTTransformer(x.shape[1], d_model=d_model, num_heads=2)
    with torch.no_grad():
        first = torch.as_tensor(x[:1], dtype=torch.float32)  # (1, F)
        tokens = model.tokenizer(first)[0].numpy()  # (F, E)
        cls = model.cls[0].numpy()  # (1, E)
    z0 = np.concatenate([cls, tokens])  # (1 + F, E)
    F_, E = tokens.shape
    ticks = list(range(0, 1 + F_, max(1, (1 + F_) // 8)))
    fig, (left, mid, right) = figure(1, 3, height=5.0, width_ratios=[0.55, 1.3, 1.0])
    heatmap(left, x[0][:, None], f"row x {shape(x[0])}", annotate=False, xlabels=[""],
            cmap="RdBu_r", vmin=-3, vmax=3)  # fmt: skip
    left.set_yticks(range(0, F_, max(1, F_ // 8)))
    left.set_ylabel("feature j")
    heatmap(mid, z0, f"z₀ = [CLS; x_j·w_j + b_j]\n{shape(z0)} = (1 + F, E)", annotate=False,
            cmap="RdBu_r", vmin=-float(np.abs(z0).max()), vmax=float(np.abs(z0).max()))  # fmt: skip
    mid.set_yticks(ticks, labels=["CLS" if t == 0 else str(t - 1) for t in ticks])
    mid.set_xticks(range(0, E, max(1, E // 4)))
    mid.set_xlabel(f"E = {E}")
    mid.axhline(0.5, color=COLORS["weight"], lw=2)
    right.set_xlim(0, 1)
    right.set_ylim(0, 1)
    right.axis("off")
    layers = len(model.layers)
    heads = model.layers[0].self_attn.num_heads
    steps = [
        (0.86, f"encoder ×{layers}\n{heads} heads over\n1 + F = {1 + F_} tokens", "score"),
        (0.52, f"[CLS] state\n(B, E) = (B, {E})", "query"),
        (0.18, f"head → p(class)\n(B, {model.head.out_features})", "output"),
    ]
    for y, text, role in steps:
        box(right, 0.5, y, 0.9, 0.22, text, role=role, size=SMALL)
    for (y0, _, _), (y1, _, _) in zip(steps, steps[1:]):
        arrow(right, (0.5, y0 - 0.11), (0.5, y1 + 0.11))
    fig.tight_layout()
    return fig
