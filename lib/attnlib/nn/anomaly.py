"""A tiny Transformer that forecasts the next reading of a multichannel stream.

Trained on normal data only, its forecast error is an anomaly score: readings it cannot predict
from the recent past of all channels are suspicious (``attnlib.anomaly.forecast_scores``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from attnlib.anomaly import forecast_scores
from attnlib.data.machines import past_and_next
from attnlib.nn.layers import TransformerEncoderLayer
from attnlib.nn.positional import LearnedPositionalEmbedding
from attnlib.train import fit


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


def fit_forecaster(
    model: nn.Module, train: np.ndarray, steps: int = 400, lr: float = 3e-3, seed: int = 0
) -> nn.Module:
    """Train a (B, W, C) -> (B, C) forecaster on every window of a normal (T, C) stream.

    Mean squared error of the next step, batches of 64 windows, ``attnlib.train.fit`` (AdamW,
    warm-up and cosine decay); ``model.window`` sets W. Returns the model, in eval mode.
    """
    if np.ndim(train) != 2 or np.shape(train)[1] != model.channels:
        raise ValueError(f"train must be (T, {model.channels}), got shape {np.shape(train)}")
    past, nxt = (torch.from_numpy(a) for a in past_and_next(np.asarray(train), model.window))

    def get_batch(generator: torch.Generator):
        i = torch.randint(0, len(past), (64,), generator=generator)
        return past[i], nxt[i]  # (64, W, C), (64, C)

    def loss_fn(model: nn.Module, batch) -> Tensor:
        return torch.nn.functional.mse_loss(model(batch[0]), batch[1])

    fit(model, loss_fn, get_batch, steps=steps, lr=lr, seed=seed, progress=False)
    return model


def forecaster_scores(model: nn.Module, train: np.ndarray, stream: np.ndarray) -> np.ndarray:
    r"""Anomaly scores of a trained forecaster: $s_t = \sum_c (x_{tc} - \hat x_{tc})^2 / v_c$.

    $v_c$ is the forecast error's variance on the normal ``train`` stream (T', C); the scores of
    ``stream`` (T, C) have shape (T,), the first W steps scoring 0.
    """
    W = model.window
    past, nxt = (torch.from_numpy(a) for a in past_and_next(np.asarray(train), W))
    variance = ((predict(model, past) - nxt) ** 2).mean(0).numpy()  # (C,)
    past, nxt = past_and_next(np.asarray(stream), W)
    predicted = predict(model, torch.from_numpy(past)).numpy()  # (N, C)
    return np.concatenate([np.zeros(W), forecast_scores(predicted, nxt, variance)])
