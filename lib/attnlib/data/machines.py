"""A simulated machine with four coupled sensors, and anomalies injected with exact labels.

The machine runs in cycles (a motor spins up and down about every ``period`` steps under a slowly
varying load). Its sensors are coupled the way a motor's are: the current grows with speed and
load, the vibration with the square of the speed, and the temperature follows the current with a
lag. Three kinds of anomaly are injected, each on one channel:

- ``spike``: one reading far out of range (a glitch, a knock);
- ``drift``: a channel creeps away from its normal value (a sensor drifting, a bearing warming);
- ``correlation``: a channel shows the values it had half a cycle earlier. Every reading stays
  in its normal range; only its relation to the other channels (and its phase) is broken.

Everything comes from a seed; ``labels`` marks exactly the steps that were changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attnlib.data.series import sliding_windows

CHANNELS = ("speed", "current", "temperature", "vibration")
KINDS = ("normal", "spike", "drift", "correlation")
#: Length in steps of each kind of anomaly.
DURATIONS = {"spike": 1, "drift": 30, "correlation": 20}


@dataclass
class MachineStream:
    """One stream of readings: ``x`` (T, C), ``labels`` (T,) (index into :data:`KINDS`).

    ``clean`` (T, C) is the stream before injection; ``events`` lists (start, stop, kind,
    channel) for each injected anomaly, ``stop`` exclusive.
    """

    x: np.ndarray
    labels: np.ndarray
    clean: np.ndarray
    events: list[tuple[int, int, str, int]]


def normal_machine(
    n_steps: int, seed: int = 0, period: int = 40, noise: float = 0.03
) -> np.ndarray:
    r"""Readings of a healthy machine, float32 of shape (T, C) with C = 4 (:data:`CHANNELS`).

    With phase $\phi_t = 2\pi t / P$ (plus a small random walk) and load $\ell_t \in [0.8, 1.2]$:
    speed $s_t = \ell_t \cdot \tfrac12(1 + \sin\phi_t)$, current $i_t = 0.2 + 0.8\,\ell_t s_t^{1.5}$,
    vibration $v_t = 0.1 + 0.6\, s_t^2$, temperature $\theta_t = \theta_{t-1} + 0.1\,(0.3 + i_{t-1}
    - \theta_{t-1})$; each channel then gets Gaussian noise of standard deviation ``noise``.
    """
    if n_steps < 2 or period < 4:
        raise ValueError(f"need n_steps >= 2 and period >= 4, got {n_steps} and {period}")
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)
    phase = 2 * np.pi * t / period + np.cumsum(rng.normal(0, 0.02, n_steps))
    load = 1.0 + 0.2 * np.tanh(np.cumsum(rng.normal(0, 0.05, n_steps)))
    speed = load * 0.5 * (1 + np.sin(phase))
    current = 0.2 + 0.8 * load * speed**1.5
    vibration = 0.1 + 0.6 * speed**2
    temperature = np.empty(n_steps)
    temperature[0] = 0.3 + current[0]
    for k in range(1, n_steps):
        temperature[k] = temperature[k - 1] + 0.1 * (0.3 + current[k - 1] - temperature[k - 1])
    x = np.stack([speed, current, temperature, vibration], axis=1)  # (T, C)
    return (x + rng.normal(0, noise, x.shape)).astype(np.float32)


def machine_stream(
    n_steps: int = 2000,
    seed: int = 0,
    per_kind: int = 4,
    period: int = 40,
    noise: float = 0.03,
) -> MachineStream:
    """A healthy stream with ``per_kind`` anomalies of each kind injected at random places.

    Events never overlap, and are at least ``period`` steps apart and from the start. A spike
    adds ±4 standard deviations of its channel; a drift adds a ramp up to 1.5 standard
    deviations; a correlation anomaly copies the channel from ``period // 2`` steps earlier
    (speed is never chosen for it, so the other channels keep following the true speed).

    Returns:
        :class:`MachineStream` with x (T, C) float32 and labels (T,) int64.
    """
    if per_kind < 0:
        raise ValueError(f"per_kind must be >= 0, got {per_kind}")
    clean = normal_machine(n_steps, seed, period, noise)
    rng = np.random.default_rng([seed, 1])
    kinds = [k for k in KINDS[1:] for _ in range(per_kind)]
    rng.shuffle(kinds)
    need = sum(DURATIONS[k] + period for k in kinds) + period
    if need > n_steps:
        raise ValueError(f"{len(kinds)} events need about {need} steps, got n_steps={n_steps}")
    # spread the events: random gaps (each >= period) that add up to the free steps
    free = n_steps - sum(DURATIONS[k] for k in kinds) - period * (len(kinds) + 1)
    extra = np.diff(np.sort(rng.integers(0, free + 1, len(kinds))), prepend=0)
    x, labels = clean.copy(), np.zeros(n_steps, dtype=np.int64)
    scale = clean.std(axis=0)  # (C,)
    events, start = [], period
    for kind, gap in zip(kinds, extra):
        start += int(gap)
        stop = start + DURATIONS[kind]
        if kind == "correlation":
            channel = int(rng.integers(1, len(CHANNELS)))
            x[start:stop, channel] = clean[start - period // 2 : stop - period // 2, channel]
        else:
            channel = int(rng.integers(0, len(CHANNELS)))
            n = stop - start
            size = 4.0 * rng.choice([-1.0, 1.0]) if kind == "spike" else 1.5
            x[start:stop, channel] += size * scale[channel] * np.linspace(1 / n, 1, n)
        labels[start:stop] = KINDS.index(kind)
        events.append((start, stop, kind, channel))
        start = stop + period
    return MachineStream(x=x, labels=labels, clean=clean, events=events)


def past_and_next(x: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (past ``window`` steps, next step) pair of a (T, C) stream.

    Returns:
        past (N, window, C) and next (N, C), N = T - window; pair n predicts step n + window.
    """
    if x.ndim != 2:
        raise ValueError(f"x must be (T, C), got shape {x.shape}")
    if not 0 < window < len(x):
        raise ValueError(f"window must be in [1, T), got {window} for T = {len(x)}")
    past, following = sliding_windows(x, window, 1)  # (N, W, C), (N, 1, C)
    return past, following[:, 0]
