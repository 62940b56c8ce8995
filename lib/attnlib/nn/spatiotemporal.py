r"""Spatio-temporal attention for sensor networks: attention over time, then across sensors.

The input is a window of N sensors' last S values, ``x`` (B, N, S). Every (sensor, time) value
is a token. Two attentions read the token grid, one axis at a time (factorised, as in GMAN and
STTN, so the cost is $N S^2 + S N^2$ instead of $(NS)^2$):

1. **temporal**: each sensor's S tokens attend to each other (B·N sequences of length S);
   the S states are then summarised into one state per sensor;
2. **spatial**: the N sensor states, plus a learned sensor embedding, attend to each other
   (B sequences of length N). Row $j$ of its weights says which sensors $j$ reads: the model is
   never told the road graph, so these weights are where it could learn it.

A linear head maps each sensor's state to its next ``horizon`` values. Each sensor's window is
centred on its own mean, which is added back at the end.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from attnlib.nn.layers import TransformerEncoderLayer


class SpatioTemporalForecaster(nn.Module):
    """(B, N, S) past values of N sensors -> (B, N, horizon) forecasts."""

    def __init__(self, num_sensors: int, context: int, horizon: int, embed_dim: int = 16,
                 num_heads: int = 2) -> None:  # fmt: skip
        super().__init__()
        self.N, self.S, E = num_sensors, context, embed_dim
        self.value = nn.Linear(1, E)  # one value -> one token
        self.time = nn.Parameter(torch.randn(context, E) * 0.1)  # (S, E) time embedding
        self.sensor = nn.Parameter(torch.randn(num_sensors, E) * 0.1)  # (N, E)
        self.temporal = TransformerEncoderLayer(E, num_heads, 2 * E, norm_first=True)
        self.summary = nn.Linear(context * E, E)
        self.spatial = TransformerEncoderLayer(E, num_heads, 2 * E, norm_first=True)
        self.norm = nn.LayerNorm(E)
        self.head = nn.Linear(E, horizon)

    def forward(self, x: Tensor, return_attention: bool = False):
        """Forecasts (B, N, horizon); with ``return_attention`` also the temporal weights
        (B·N, H, S, S) and the spatial weights (B, H, N, N), row = query sensor.

        Shapes: temporal ``h`` (B·N, S, E) -> (B·N, S, E); spatial ``z`` (B, N, E) -> (B, N, E).
        """
        if x.ndim != 3 or tuple(x.shape[1:]) != (self.N, self.S) or not x.is_floating_point():
            raise ValueError(
                f"x must be floating (B, N={self.N}, S={self.S}), got {tuple(x.shape)} {x.dtype}"
            )
        B = x.shape[0]
        level = x.mean(dim=-1, keepdim=True)  # (B, N, 1)
        h = self.value((x - level).unsqueeze(-1)) + self.time  # (B, N, S, 1) -> (B, N, S, E)
        h = h.reshape(B * self.N, self.S, -1)  # (B·N, S, E): one sequence per sensor
        w = return_attention  # the weights need the readable path; training takes the fast one
        h, w_time = self.temporal(h, need_weights=True) if w else (self.temporal(h), None)
        z = self.summary(h.flatten(1)).reshape(B, self.N, -1)  # (B·N, S·E) -> (B, N, E)
        z = z + self.sensor  # (B, N, E) + (N, E)
        z, w_space = self.spatial(z, need_weights=True) if w else (self.spatial(z), None)
        out = self.head(self.norm(z)) + level  # (B, N, E) -> (B, N, horizon)
        return (out, w_time, w_space) if return_attention else out


class FlatMLPForecaster(nn.Module):
    """(B, N, S) -> (B, N, horizon): all sensors' centred values into one hidden layer."""

    def __init__(self, num_sensors: int, context: int, horizon: int, hidden: int = 32) -> None:
        super().__init__()
        self.N, self.S, self.horizon = num_sensors, context, horizon
        self.net = nn.Sequential(nn.Linear(num_sensors * context, hidden), nn.GELU(),
                                 nn.Linear(hidden, num_sensors * horizon))  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or tuple(x.shape[1:]) != (self.N, self.S) or not x.is_floating_point():
            raise ValueError(
                f"x must be floating (B, N={self.N}, S={self.S}), got {tuple(x.shape)} {x.dtype}"
            )
        level = x.mean(dim=-1, keepdim=True)  # (B, N, 1)
        out = self.net((x - level).flatten(1))  # (B, N·S) -> (B, N·horizon)
        return out.reshape(-1, self.N, self.horizon) + level
