"""A simulated road network: sensors on directed roads, daily cycles, congestion waves.

Each sensor counts vehicles per 15-minute step. Flow follows a daily cycle with a morning and an
evening peak; congestion waves start at the network's entry sensors (and at two incidents) and
travel downstream, reaching sensor ``j`` from its upstream neighbour ``i`` exactly ``delay[i, j]``
steps later, weakened by a gain per road. A wave lowers the flow multiplicatively, so the same
wave costs more vehicles at the peak than at night. Everything comes from a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attnlib.data.series import sliding_windows

#: The roads: (upstream sensor, downstream sensor, travel time in steps). A main line 0 -> 7,
#: two on-ramp branches (8 -> 9 -> 3 and 10 -> 11 -> 6) merging into it.
ROADS = ((0, 1, 2), (1, 2, 1), (2, 3, 2), (3, 4, 1), (4, 5, 2), (5, 6, 1), (6, 7, 2),
         (8, 9, 1), (9, 3, 2), (10, 11, 2), (11, 6, 1))  # fmt: skip
NUM_SENSORS = 12
STEPS_PER_DAY = 96  #: 15-minute steps


@dataclass(frozen=True)
class TrafficData:
    """A simulation: flows (T, N) and the ground truth that made them."""

    flows: np.ndarray  #: (T, N) float32, vehicles per step in hundreds, with noise
    waves: np.ndarray  #: (T, N) float64 wave strength d (0 = free flow)
    upstream: np.ndarray  #: (N, N) bool, upstream[j, i]: a road goes from i into j
    delay: np.ndarray  #: (N, N) int, delay[j, i]: steps from i to j (0 where no road)
    incidents: tuple[tuple[int, int], ...]  #: (sensor, start step) of each incident


def graph(roads=ROADS, num_sensors: int = NUM_SENSORS) -> tuple[np.ndarray, np.ndarray]:
    """``upstream`` (N, N) bool and ``delay`` (N, N) int, indexed [downstream, upstream]."""
    upstream = np.zeros((num_sensors, num_sensors), dtype=bool)
    delay = np.zeros((num_sensors, num_sensors), dtype=int)
    for i, j, d in roads:
        if not (0 <= i < num_sensors and 0 <= j < num_sensors) or i == j or d < 1:
            raise ValueError(
                f"road {(i, j, d)}: sensors must differ, be < {num_sensors}, delay >= 1"
            )
        upstream[j, i], delay[j, i] = True, d
    return upstream, delay


def propagate(shocks: np.ndarray, roads=ROADS, gain: float = 0.8) -> np.ndarray:
    r"""Waves from local shocks: $d_j(t) = s_j(t) + g \sum_{i \to j} d_i(t - \tau_{ij})$.

    Args:
        shocks: (T, N) local shocks $s$.
        roads: (i, j, delay) triples; the graph must be acyclic.
        gain: $g$, the fraction of a wave that survives one road.

    Returns:
        (T, N) wave strengths $d$.
    """
    shocks = np.asarray(shocks, dtype=float)
    if shocks.ndim != 2:
        raise ValueError(f"shocks must be (T, N), got shape {shocks.shape}")
    upstream, delay = graph(roads, shocks.shape[1])
    order = _topological_order(upstream)
    d = shocks.copy()
    for j in order:  # upstream sensors are complete before their downstream ones
        for i in np.flatnonzero(upstream[j]):
            tau = delay[j, i]
            d[tau:, j] += gain * d[:-tau, i]
    return d


def _topological_order(upstream: np.ndarray) -> list[int]:
    order, done = [], set()
    while len(order) < len(upstream):
        ready = [
            j
            for j in range(len(upstream))
            if j not in done and set(np.flatnonzero(upstream[j])) <= done
        ]
        if not ready:
            raise ValueError("the road graph has a cycle")
        order += ready
        done |= set(ready)
    return order


def simulate_traffic(days: int = 30, seed: int = 0, noise: float = 0.05,
                     wave_rate: float = 0.01, incidents: int = 2) -> TrafficData:  # fmt: skip
    r"""Flows $x_j(t) = c_j(t)\,e^{-d_j(t)} + \epsilon$ on the road network :data:`ROADS`.

    $c_j(t)$ is the sensor's daily cycle (a base level plus morning and evening peaks, sizes
    drawn per sensor), $d_j$ comes from :func:`propagate` of random waves at the entry sensors
    (0, 8, 10: a triangular pulse of 4 steps, at ``wave_rate`` per step) and ``incidents`` large
    shocks of 8 steps at random mid-network sensors; $\epsilon$ is Gaussian sensor noise.

    Returns:
        :class:`TrafficData` with T = ``days`` * 96 steps and N = 12 sensors.
    """
    if days < 1 or noise < 0:
        raise ValueError(f"days must be >= 1 and noise >= 0, got days={days}, noise={noise}")
    rng = np.random.default_rng(seed)
    T, N = days * STEPS_PER_DAY, NUM_SENSORS
    hour = (np.arange(T) % STEPS_PER_DAY) / 4.0  # (T,)
    base = rng.uniform(0.6, 1.2, N)  # (N,)
    morning, evening = rng.uniform(0.5, 1.0, N), rng.uniform(0.5, 1.0, N)
    peak = lambda centre, width: np.exp(-0.5 * ((hour - centre) / width) ** 2)  # noqa: E731
    night = 0.35 + 0.65 / (1 + np.exp(-(hour - 6.0)))  # (T,) low before dawn
    cycle = night[:, None] * (base + morning * peak(8.0, 1.2)[:, None]
                              + evening * peak(17.5, 1.5)[:, None])  # (T, N)  # fmt: skip
    shocks = np.zeros((T, N))
    pulse = np.array([0.5, 1.0, 1.0, 0.5])
    for entry in (0, 8, 10):
        for t in np.flatnonzero(rng.random(T - 4) < wave_rate):
            shocks[t : t + 4, entry] += rng.uniform(0.3, 0.8) * pulse
    sites = []
    for _ in range(incidents):
        j, t = int(rng.choice([2, 4, 9])), int(rng.integers(T // 4, T - 20))
        shocks[t : t + 8, j] += 1.2
        sites.append((j, t))
    waves = propagate(shocks)
    flows = cycle * np.exp(-waves) + rng.normal(0, noise, (T, N))
    upstream, delay = graph()
    return TrafficData(flows.astype(np.float32), waves, upstream, delay, tuple(sites))


def traffic_windows(flows: np.ndarray, context: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Every window of ``context`` past steps and the ``horizon`` after it, for all sensors.

    Args:
        flows: (T, N).

    Returns:
        X (W, N, context) and Y (W, N, horizon), W = T - context - horizon + 1.
    """
    flows = np.asarray(flows)
    if flows.ndim != 2 or context < 1 or horizon < 1 or len(flows) < context + horizon:
        raise ValueError(
            f"flows must be (T, N) with T >= context + horizon, got {flows.shape}, "
            f"context={context}, horizon={horizon}"
        )
    X, Y = sliding_windows(flows, context, horizon)  # (W, context, N), (W, horizon, N)
    return X.transpose(0, 2, 1), Y.transpose(0, 2, 1)  # (W, N, context), (W, N, horizon)
