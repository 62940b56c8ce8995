"""A small Vision Transformer: images cut into patches, classified through a CLS token."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from attnlib.nn.layers import TransformerEncoderLayer
from attnlib.nn.positional import LearnedPositionalEmbedding


def patchify(images: Tensor, patch_size: int) -> Tensor:
    """Cut images (B, C, H, W) into non-overlapping patches: (B, N, C * p * p), N = HW / p^2."""
    B, C, Hi, Wi = images.shape
    p = patch_size
    if Hi % p or Wi % p:
        raise ValueError(f"image size {(Hi, Wi)} is not divisible by patch_size={p}")
    x = images.reshape(B, C, Hi // p, p, Wi // p, p)  # (B, C, H/p, p, W/p, p)
    x = x.permute(0, 2, 4, 1, 3, 5)  # -> (B, H/p, W/p, C, p, p)
    return x.reshape(B, (Hi // p) * (Wi // p), C * p * p)  # -> (B, N, C p p)


class VisionTransformer(nn.Module):
    r"""ViT (Dosovitskiy et al. 2021): $z_0 = [x_{\text{cls}}; x_1 W; \dots; x_N W] + P$,
    pre-LN encoder layers, then a linear head on the final CLS state.

    Works on the 8x8 digits with ``patch_size`` 2 (16 patches) or 4 (4 patches).

    Args:
        image_size: side length of the square images.
        patch_size: side of a square patch (divides ``image_size``).
        in_channels: C (1 for grayscale).
        num_classes: number of classes.
        d_model, num_heads, num_layers, dim_feedforward: sizes (FFN default 4E).
    """

    def __init__(
        self,
        image_size: int = 8,
        patch_size: int = 4,
        in_channels: int = 1,
        num_classes: int = 10,
        d_model: int = 64,
        num_heads: int = 4,
        num_layers: int = 2,
        dim_feedforward: int | None = None,
        dropout: float = 0.0,
        fast: bool = True,
    ) -> None:
        super().__init__()
        if image_size % patch_size != 0:
            raise ValueError(f"image_size={image_size} not divisible by patch_size={patch_size}")
        self.image_size, self.patch_size, self.in_channels = image_size, patch_size, in_channels
        num_patches = (image_size // patch_size) ** 2
        self.patch_embed = nn.Linear(in_channels * patch_size**2, d_model)
        self.cls = nn.Parameter(torch.randn(1, 1, d_model) * 0.02)
        self.pos = LearnedPositionalEmbedding(num_patches + 1, d_model)
        ff = 4 * d_model if dim_feedforward is None else dim_feedforward
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(
                d_model, num_heads, ff, dropout, "gelu", norm_first=True, fast=fast
            )
            for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, num_classes)

    def forward(
        self, images: Tensor, return_attention: bool = False
    ) -> Tensor | tuple[Tensor, list[Tensor]]:
        """images (B, C, H, W) or (B, H, W) when C = 1 -> logits (B, num_classes).

        With ``return_attention`` also a list (per layer) of weights (B, H, 1 + N, 1 + N);
        index 0 is the CLS token.
        """
        if images.dim() == 3 and self.in_channels == 1:
            images = images.unsqueeze(1)  # (B, H, W) -> (B, 1, H, W)
        expected = (self.in_channels, self.image_size, self.image_size)
        if images.dim() != 4 or tuple(images.shape[1:]) != expected:
            raise ValueError(f"images must be (B, {expected}), got {tuple(images.shape)}")
        x = self.patch_embed(patchify(images, self.patch_size))  # (B, N, C p p) -> (B, N, E)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)  # -> (B, 1 + N, E)
        x = self.pos(x)
        attention = []
        for layer in self.layers:
            out = layer(x, need_weights=return_attention)
            x, w = out if return_attention else (out, None)
            attention.append(w)
        logits = self.head(self.norm(x)[:, 0])  # CLS state (B, E) -> (B, num_classes)
        return (logits, attention) if return_attention else logits
