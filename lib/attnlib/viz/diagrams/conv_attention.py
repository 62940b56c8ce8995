"""Attention inside a CNN: the squeeze-and-excitation block and CBAM's spatial branch, with shapes."""

from __future__ import annotations

from attnlib.viz.diagrams._style import COLORS, SMALL, arrow, box, canvas, diagram


@diagram
def cnn_attention_blocks(image_size: int = 8, channels: tuple[int, int] = (16, 32),
                         reduction: int = 4, kernel_size: int = 5, batch: int = 64,
                         residual: bool = False):  # fmt: skip
    """The SE block (top) and the spatial-attention block (bottom) of ``AttentionCNN``.

    With ``residual`` the last box reads X + s ⊙ X (the CNN's skip around each block).
    Every shape is read from the modules run on a zero batch of ``(batch, 1, S, S)`` images, so
    the picture shows what the code computes.

    Returns:
        Figure: two rows of boxes, input feature map -> weights -> rescaled feature map.
    """
    import torch

    from attnlib.nn.conv_attention import AttentionCNN

    model = AttentionCNN(image_size, 10, channels, se=True, spatial=True, reduction=reduction,
                         kernel_size=kernel_size)  # fmt: skip
    x = torch.zeros(batch, channels[1], image_size // 2, image_size // 2)  # after conv2
    with torch.no_grad():
        _, s = model.se(x, return_weights=True)
        _, m = model.spatial(x, return_weights=True)
    B, C, H, W = x.shape
    hidden = model.se.fc1.out_features
    plus = "X + " if residual else ""
    t = lambda *d: str(tuple(d))  # noqa: E731
    fig, ax = canvas(height=4.2)
    ax.text(0.1, 4.0, "squeeze-and-excitation: one weight per channel", fontsize=SMALL,
            color=COLORS["query"], va="top")  # fmt: skip
    top = [(0.75, f"X\n{t(B, C, H, W)}", "output"),
           (2.1, f"mean over H, W\nz {t(B, C)}", "query"),
           (3.45, f"FC, ReLU\n{t(B, hidden)}", "query"),
           (4.8, f"FC, σ\ns {t(*s.shape)}", "weight"),
           (6.15, f"{plus}s ⊙ X\n{t(B, C, H, W)}", "value")]  # fmt: skip
    bottom = [(0.85, f"X\n{t(B, C, H, W)}", "output"),
              (2.55, f"[mean_c; max_c]\n{t(B, 2, H, W)}", "key"),
              (4.25, f"conv {kernel_size}×{kernel_size}, σ\nM {t(*m.shape)}", "weight"),
              (6.0, f"{plus}M ⊙ X\n{t(B, C, H, W)}", "value")]  # fmt: skip
    for row, y in ((top, 2.95), (bottom, 0.85)):
        for i, (cx, text, role) in enumerate(row):
            box(ax, cx, y, 1.2 if len(row) == 5 else 1.4, 0.8, text, role=role, size=SMALL)
            if i:
                half = (1.2 if len(row) == 5 else 1.4) / 2
                arrow(ax, (row[i - 1][0] + half, y), (cx - half, y))
    ax.text(0.1, 1.9, "spatial attention (CBAM): one weight per position", fontsize=SMALL,
            color=COLORS["key"], va="top")  # fmt: skip
    ax.text(3.5, 0.15, f"B batch, C channels, H × W feature map; reduction r = {reduction}",
            fontsize=SMALL, ha="center", color=COLORS["output"])  # fmt: skip
    return fig
