r"""Attention inside a CNN: squeeze-and-excitation (channels) and CBAM's spatial branch (positions).

Both blocks compute weights in (0, 1) from a feature map $X$ of shape (B, C, H, W) and rescale
$X$ with them; neither is softmax attention over tokens, but both are "attention as weighting":
the network decides, per image, which channels or which positions to turn up.

- :class:`SqueezeExcitation` (Hu et al., 2018): one weight per channel, (B, C).
- :class:`SpatialAttention` (the spatial branch of CBAM, Woo et al., 2018): one weight per
  position, (B, 1, H, W).
- :class:`NonLocalBlock` (Wang et al., 2018): softmax self-attention between all H·W positions,
  (B, HW, HW).
- :class:`AttentionCNN`: a small CNN with either, both or neither, for the application chapter.

Shapes: B batch, C channels, H height, W width (of the feature map at that point).
"""

from __future__ import annotations

import torch
from torch import nn

from attnlib.nn.functional import scaled_dot_product_attention


def _check_feature_map(x: torch.Tensor, channels: int | None, who: str) -> None:
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(
            f"{who} expects a floating-point tensor, got {getattr(x, 'dtype', type(x))}"
        )
    if x.dim() != 4:
        raise ValueError(f"{who} expects a feature map (B, C, H, W), got shape {tuple(x.shape)}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{who} was built for C={channels} channels, got shape {tuple(x.shape)}")


class SqueezeExcitation(nn.Module):
    r"""Channel attention: rescale every channel by a weight computed from the whole image.

    Squeeze: $z_c = \frac{1}{HW}\sum_{h,w} X_{c,h,w}$. Excite:
    $s = \sigma(W_2\,\mathrm{ReLU}(W_1 z + b_1) + b_2)$ with $W_1 \in \mathbb{R}^{C/r \times C}$,
    $W_2 \in \mathbb{R}^{C \times C/r}$. Output: $Y_{c,h,w} = s_c\, X_{c,h,w}$, $s_c \in (0, 1)$.

    Args:
        channels: C.
        reduction: r, the bottleneck ratio (C/r hidden units, at least 1).
    """

    def __init__(self, channels: int, reduction: int = 4):
        super().__init__()
        if channels < 1 or reduction < 1:
            raise ValueError(f"channels and reduction must be >= 1, got {channels}, {reduction}")
        self.channels = channels
        hidden = max(1, channels // reduction)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)

    def forward(self, x: torch.Tensor, return_weights: bool = False):
        """Y (B, C, H, W); with ``return_weights`` also s (B, C)."""
        _check_feature_map(x, self.channels, "SqueezeExcitation")
        z = x.mean(dim=(2, 3))  # (B, C, H, W) -> (B, C): squeeze
        hidden = torch.relu(self.fc1(z))  # (B, C/r)
        s = torch.sigmoid(self.fc2(hidden))  # (B, C): excite, in (0, 1)
        y = x * s[:, :, None, None]  # (B, C, H, W) * (B, C, 1, 1)
        return (y, s) if return_weights else y


class SpatialAttention(nn.Module):
    r"""Spatial attention (CBAM): rescale every position by a weight computed from its neighbourhood.

    $M = \sigma(\mathrm{conv}_{k \times k}([\mathrm{mean}_c X;\ \max_c X]))$, shape (B, 1, H, W);
    output $Y_{c,h,w} = M_{h,w}\, X_{c,h,w}$, $M_{h,w} \in (0, 1)$.

    Args:
        kernel_size: k, odd (CBAM uses 7; a small feature map needs less).
    """

    def __init__(self, kernel_size: int = 5):
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd and positive, got {kernel_size}")
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor, return_weights: bool = False):
        """Y (B, C, H, W); with ``return_weights`` also M (B, 1, H, W)."""
        _check_feature_map(x, None, "SpatialAttention")
        pooled = torch.cat(
            [x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1
        )  # (B, 2, H, W): mean and max over channels
        m = torch.sigmoid(self.conv(pooled))  # (B, 1, H, W), in (0, 1)
        y = x * m  # (B, C, H, W) * (B, 1, H, W)
        return (y, m) if return_weights else y


class NonLocalBlock(nn.Module):
    r"""Self-attention over the positions of a feature map (a non-local block, Wang et al., 2018).

    The $N = HW$ positions are tokens of $C$ features. With 1x1 convolutions
    $Q = \theta(X)$, $K = \phi(X)$, $V = g(X)$ of $C' = C / 2$ channels, flattened to (B, N, C'):
    $A = \mathrm{softmax}(Q K^\top / \sqrt{C'})$, (B, N, N), each row summing to 1, and
    $Y = X + W_z (A V)$, reshaped back to (B, C, H, W). The scale $1/\sqrt{C'}$ is this book's
    scaled dot product (the paper's "embedded Gaussian" omits it).

    Args:
        channels: C.
    """

    def __init__(self, channels: int):
        super().__init__()
        if channels < 2:
            raise ValueError(f"channels must be >= 2, got {channels}")
        self.channels, inner = channels, channels // 2
        self.theta = nn.Conv2d(channels, inner, 1)
        self.phi = nn.Conv2d(channels, inner, 1)
        self.g = nn.Conv2d(channels, inner, 1)
        self.out = nn.Conv2d(inner, channels, 1)

    def forward(self, x: torch.Tensor, return_weights: bool = False):
        """Y (B, C, H, W); with ``return_weights`` also A (B, HW, HW)."""
        _check_feature_map(x, self.channels, "NonLocalBlock")
        B, C, H, W = x.shape
        q = self.theta(x).flatten(2).transpose(1, 2)  # (B, C', H, W) -> (B, N, C')
        k = self.phi(x).flatten(2).transpose(1, 2)  # (B, N, C')
        v = self.g(x).flatten(2).transpose(1, 2)  # (B, N, C')
        # the book's attention: (B, N, C') x3 -> output (B, N, C'), weights A (B, N, N)
        o, a = scaled_dot_product_attention(q, k, v, return_weights=True)
        z = o.transpose(1, 2).reshape(B, -1, H, W)  # (B, N, C') -> (B, C', H, W)
        y = x + self.out(z)  # (B, C, H, W)
        return (y, a) if return_weights else y


class AttentionCNN(nn.Module):
    r"""Two 3x3 convolutions, optional SE and spatial attention, global average pooling, a linear head.

    (B, 1, S, S) -> conv C1 -> ReLU -> pool 2 -> conv C2 -> ReLU -> [SE] -> [spatial]
    -> mean over (H, W) -> (B, C2) -> linear -> (B, classes), with H = W = S / 2.
    SE runs before the spatial branch, as in CBAM.

    Args:
        image_size: S, the side of the square one-channel input (even).
        num_classes: number of labels.
        channels: (C1, C2).
        se, spatial: add :class:`SqueezeExcitation` / :class:`SpatialAttention`.
        reduction, kernel_size: their settings.
    """

    def __init__(self, image_size: int = 8, num_classes: int = 10,
                 channels: tuple[int, int] = (16, 32), se: bool = False,
                 spatial: bool = False, reduction: int = 4, kernel_size: int = 5,
                 residual: bool = False):  # fmt: skip
        super().__init__()
        if image_size < 2 or image_size % 2:
            raise ValueError(f"image_size must be even and >= 2, got {image_size}")
        self.image_size = image_size
        self.residual = residual
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.se = SqueezeExcitation(c2, reduction) if se else None
        self.spatial = SpatialAttention(kernel_size) if spatial else None
        self.head = nn.Linear(c2, num_classes)

    def forward(self, images: torch.Tensor, return_attention: bool = False):
        """Logits (B, classes); with ``return_attention`` also ``{"se": (B, C2),
        "spatial": (B, 1, S/2, S/2)}`` for the blocks present."""
        S = self.image_size
        if images.dim() != 4 or tuple(images.shape[1:]) != (1, S, S):
            raise ValueError(f"AttentionCNN expects images (B, 1, {S}, {S}), "
                             f"got {tuple(images.shape)}")  # fmt: skip
        x = torch.relu(self.conv1(images))  # (B, C1, S, S)
        x = nn.functional.max_pool2d(x, 2)  # (B, C1, S/2, S/2)
        x = torch.relu(self.conv2(x))  # (B, C2, S/2, S/2)
        weights = {}
        if self.se is not None:
            y, weights["se"] = self.se(x, return_weights=True)  # s: (B, C2)
            x = x + y if self.residual else y
        if self.spatial is not None:
            y, weights["spatial"] = self.spatial(x, return_weights=True)  # M: (B, 1, S/2, S/2)
            x = x + y if self.residual else y
        logits = self.head(x.mean(dim=(2, 3)))  # (B, C2) -> (B, classes)
        return (logits, weights) if return_attention else logits
