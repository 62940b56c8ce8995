"""A synthetic time series with trend, two seasonalities, noise and regime changes.

It stands in for the sources' weather and stock-price motivation: hourly readings with a daily
and a weekly cycle whose amplitudes drift, plus autocorrelated noise. Everything comes from a seed.
"""

from __future__ import annotations

import numpy as np


def seasonal_series(
    n_steps: int = 4000,
    seed: int = 0,
    daily: int = 24,
    weekly: int = 168,
    noise: float = 0.3,
) -> np.ndarray:
    r"""One series $x_t = \text{trend}_t + a_t \sin(2\pi t/24) + b_t \sin(2\pi t/168) + \epsilon_t$.

    $a_t, b_t$ drift slowly (random walks) and $\epsilon_t$ is AR(1) noise, so no fixed linear
    filter is exactly right everywhere.

    Args:
        n_steps: length T of the series.
        seed: generator seed.
        daily, weekly: the two periods (in steps).
        noise: standard deviation of the AR(1) innovations.

    Returns:
        float32 array of shape (T,).
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)
    amp_daily = 1.0 + 0.5 * np.tanh(np.cumsum(rng.normal(0, 0.02, n_steps)))
    amp_weekly = 0.7 + 0.3 * np.tanh(np.cumsum(rng.normal(0, 0.02, n_steps)))
    phase = 2 * np.pi * t
    trend = 0.5 * np.sin(2 * np.pi * t / (n_steps * 0.7))
    eps = np.zeros(n_steps)
    innov = rng.normal(0, noise, n_steps)
    for i in range(1, n_steps):
        eps[i] = 0.7 * eps[i - 1] + innov[i]
    x = trend + amp_daily * np.sin(phase / daily) + amp_weekly * np.sin(phase / weekly) + eps
    return x.astype(np.float32)


def sliding_windows(series: np.ndarray, context: int, horizon: int = 1):
    """All (past ``context`` steps, next ``horizon`` steps) pairs along the first (time) axis.

    Works for a 1-D series (T,) and for several channels (T, C, ...); ``horizon=0`` gives the
    windows alone.

    Returns:
        X of shape (N, context, ...) and Y of shape (N, horizon, ...), N = T - context - horizon + 1.
    """
    series = np.asarray(series)
    if series.ndim < 1:
        raise ValueError(f"series needs a time axis, got shape {series.shape}")
    if context < 1 or horizon < 0:
        raise ValueError(f"need context >= 1 and horizon >= 0, got {context} and {horizon}")
    n = len(series) - context - horizon + 1
    if n <= 0:
        raise ValueError(f"series of length {len(series)} is shorter than {context}+{horizon}")
    idx = np.arange(n)[:, None]
    X = series[idx + np.arange(context)]  # (N, context, ...)
    Y = series[idx + context + np.arange(horizon)]  # (N, horizon, ...)
    return X, Y
