"""The simulated machine: shapes, exact labels, determinism, and the coupling it promises."""

from __future__ import annotations

import numpy as np
import pytest
from attnlib.data.machines import (
    CHANNELS,
    DURATIONS,
    KINDS,
    machine_stream,
    normal_machine,
    past_and_next,
)


def test_shapes_and_dtypes():
    s = machine_stream(1500, seed=3, per_kind=3)
    assert s.x.shape == s.clean.shape == (1500, len(CHANNELS))
    assert s.x.dtype == np.float32 and s.labels.shape == (1500,) and s.labels.dtype == np.int64
    assert len(s.events) == 3 * (len(KINDS) - 1)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_labels_mark_exactly_the_changed_steps(seed):
    s = machine_stream(2000, seed=seed)
    changed = (s.x != s.clean).any(axis=1)
    np.testing.assert_array_equal(changed, s.labels != 0)
    for start, stop, kind, channel in s.events:
        assert stop - start == DURATIONS[kind]
        assert (s.labels[start:stop] == KINDS.index(kind)).all()
        others = np.delete(np.arange(len(CHANNELS)), channel)
        np.testing.assert_array_equal(s.x[start:stop, others], s.clean[start:stop, others])
    counts = np.bincount(s.labels, minlength=len(KINDS))
    assert counts[1:].tolist() == [4 * DURATIONS[k] for k in KINDS[1:]]


def test_events_are_apart_and_in_order():
    s = machine_stream(2000, seed=2, period=40)
    starts = [e[0] for e in s.events]
    assert starts[0] >= 40
    for (_, stop, _, _), (start, _, _, _) in zip(s.events, s.events[1:]):
        assert start - stop >= 40


def test_correlation_anomalies_stay_in_range_and_copy_half_a_cycle_back():
    s = machine_stream(2000, seed=4, period=40)
    for start, stop, kind, c in s.events:
        if kind == "correlation":
            assert c != CHANNELS.index("speed")
            np.testing.assert_array_equal(s.x[start:stop, c], s.clean[start - 20 : stop - 20, c])
            assert s.clean[:, c].min() <= s.x[start:stop, c].min()
            assert s.x[start:stop, c].max() <= s.clean[:, c].max()
        if kind == "spike":
            assert abs(s.x[start, c] - s.clean[start, c]) > 3 * s.clean[:, c].std()


def test_a_seed_repeats_and_another_differs():
    a, b, c = (
        machine_stream(800, 5, per_kind=1),
        machine_stream(800, 5, per_kind=1),
        machine_stream(800, 6, per_kind=1),
    )
    np.testing.assert_array_equal(a.x, b.x)
    assert a.events == b.events
    assert not np.array_equal(a.x, c.x)


def test_channels_are_coupled():
    x = normal_machine(4000, seed=0)
    r = np.corrcoef(x.T)  # (C, C)
    assert r[0, 1] > 0.9 and r[0, 3] > 0.9  # current and vibration follow the speed
    assert r[1, 2] > 0.3  # temperature lags the current


def test_past_and_next_pairs():
    x = np.arange(20.0).reshape(10, 2)
    past, now = past_and_next(x, 3)
    assert past.shape == (7, 3, 2) and now.shape == (7, 2)
    np.testing.assert_array_equal(past[4], x[4:7])
    np.testing.assert_array_equal(now[4], x[7])


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"\(T, C\)"):
        past_and_next(np.zeros(5), 2)
    with pytest.raises(ValueError, match="window"):
        past_and_next(np.zeros((5, 2)), 5)
    with pytest.raises(ValueError, match="n_steps"):
        machine_stream(300, per_kind=4)
