"""A tiny Transformer that forecasts the next reading of a multichannel stream.

Trained on normal data only, its forecast error is an anomaly score: readings it cannot predict
from the recent past of all channels are suspicious (``attnlib.anomaly.forecast_scores``).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from attnlib.nn.layers import TransformerEncoderLayer
from attnlib.nn.positional import LearnedPositionalEmbedding


class AttentionForecaster(nn.Module):
    r"""(B, W, C) past readings -> (B, C) next reading, by self-attention over W step tokens.

    Each time step's C readings are one token: $h = x W_{in} + p$ (B, W, E); ``num_layers``
    pre-LN encoder layers mix the steps; the last token's state, normalised, is mapped to the
    C next readings and added to the last reading: $\hat x_{t} = x_{t-1} + \mathrm{head}(h_W)$.

    Args:
        channels: C. window: W, the number of past steps (tokens).
        embed_dim: E. num_heads: H (D = E / H). num_layers, ff_dim: depth and FFN width.
    """

    def __init__(
        self,
        channels: int,
        window: int,
        embed_dim: int = 32,
        num_heads: int = 4,
        num_layers: int = 1,
        ff_dim: int = 64,
    ) -> None:
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.channels, self.window = channels, window
        self.embed = nn.Linear(channels, embed_dim)
        self.pos = LearnedPositionalEmbedding(window, embed_dim)
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(
                embed_dim, num_heads, ff_dim, activation="gelu", norm_first=True
            )
            for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, channels)

    def forward(self, x: Tensor, return_attention: bool = False):
        """x (B, W, C) -> (B, C); with ``return_attention`` also each layer's (B, H, W, W)."""
        if x.ndim != 3 or x.shape[1:] != (self.window, self.channels):
            raise ValueError(f"x must be (B, {self.window}, {self.channels}), got {tuple(x.shape)}")
        h = self.pos(self.embed(x))  # (B, W, C) -> (B, W, E)
        attention = []
        for layer in self.layers:
            if return_attention:
                h, w = layer(h, need_weights=True)  # w (B, H, W, W)
                attention.append(w)
            else:
                h = layer(h)
        out = x[:, -1] + self.head(self.norm(h[:, -1]))  # (B, E) -> (B, C)
        return (out, attention) if return_attention else out


@torch.no_grad()
def predict(model: nn.Module, past: Tensor, batch_size: int = 512) -> Tensor:
    """The model's forecasts for every window of ``past`` (N, W, C) -> (N, C), in batches."""
    model.eval()
    return torch.cat([model(past[i : i + batch_size]) for i in range(0, len(past), batch_size)])


class MLPForecaster(nn.Module):
    r"""The same forecast without attention: $\hat x_t = x_{t-1} + \mathrm{MLP}(\mathrm{flatten}(x))$.

    (B, W, C) -> (B, C) through one hidden layer of ``hidden`` GELU units; a baseline of the
    attention model's size.
    """

    def __init__(self, channels: int, window: int, hidden: int = 74) -> None:
        super().__init__()
        self.channels, self.window = channels, window
        self.net = nn.Sequential(
            nn.Linear(window * channels, hidden), nn.GELU(), nn.Linear(hidden, channels)
        )

    def forward(self, x: Tensor) -> Tensor:
        """x (B, W, C) -> (B, C)."""
        if x.ndim != 3 or x.shape[1:] != (self.window, self.channels):
            raise ValueError(f"x must be (B, {self.window}, {self.channels}), got {tuple(x.shape)}")
        return x[:, -1] + self.net(x.flatten(1))  # (B, W C) -> (B, C)
