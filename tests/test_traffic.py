"""The simulated road network (attnlib.data.traffic) and the spatio-temporal model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from attnlib.data.traffic import (
    ROADS,
    graph,
    propagate,
    simulate_traffic,
    traffic_windows,
)
from attnlib.nn.spatiotemporal import FlatMLPForecaster, SpatioTemporalForecaster


def test_simulation_shapes_and_determinism():
    a, b, c = (
        simulate_traffic(days=3, seed=1),
        simulate_traffic(days=3, seed=1),
        simulate_traffic(days=3, seed=2),
    )
    assert a.flows.shape == a.waves.shape == (3 * 96, 12) and a.flows.dtype == np.float32
    np.testing.assert_array_equal(a.flows, b.flows)
    assert not np.array_equal(a.flows, c.flows)
    assert a.upstream.sum() == len(ROADS) and (a.delay > 0).sum() == len(ROADS)
    assert np.isfinite(a.flows).all()


def test_a_shock_reaches_each_downstream_sensor_after_its_delay():
    shocks = np.zeros((40, 12))
    shocks[5, 0] = 1.0  # one pulse at the first sensor of the main line
    d = propagate(shocks, gain=0.8)
    arrival, t = {0: 5}, 5
    for _i, j, tau in ROADS[:7]:  # the main line 0 -> 1 -> ... -> 7
        t += tau
        arrival[j] = t
    for j, t in arrival.items():
        assert d[:t, j].sum() == 0, f"sensor {j} moved before step {t}"
        assert d[t, j] == pytest.approx(0.8 ** list(arrival).index(j))
    assert not d[:, 8:].any()  # the on-ramps are upstream of the shock, never reached


def test_waves_from_two_branches_add_at_a_merge():
    shocks = np.zeros((20, 12))
    shocks[0, 2] = 1.0  # reaches 3 after 2 steps
    shocks[0, 9] = 1.0  # reaches 3 after 2 steps too
    assert propagate(shocks, gain=0.5)[2, 3] == pytest.approx(1.0)


def test_incidents_lower_the_flow_downstream():
    data = simulate_traffic(days=30, seed=0)
    j, t = data.incidents[0]
    down = int(np.flatnonzero(data.upstream[:, j])[0])
    tau = data.delay[down, j]
    assert data.waves[t + tau + 2, down] > 0.9  # 0.8 * 1.2 plus any background wave


def test_bad_graph_and_inputs_are_named():
    with pytest.raises(ValueError, match="cycle"):
        propagate(np.zeros((5, 2)), roads=((0, 1, 1), (1, 0, 1)))
    with pytest.raises(ValueError, match="delay >= 1"):
        graph(((0, 1, 0),), 2)
    with pytest.raises(ValueError, match=r"\(5,\)"):
        propagate(np.zeros(5))
    with pytest.raises(ValueError, match="T >= context"):
        traffic_windows(np.zeros((5, 3)), 4, 2)


def test_windows_are_the_series_read_sensor_by_sensor():
    flows = np.arange(30, dtype=float).reshape(10, 3)  # (T, N)
    X, Y = traffic_windows(flows, 4, 2)
    assert X.shape == (5, 3, 4) and Y.shape == (5, 3, 2)
    np.testing.assert_array_equal(X[2, 1], flows[2:6, 1])
    np.testing.assert_array_equal(Y[2, 1], flows[6:8, 1])


def test_model_shapes_weights_and_bad_input():
    torch.manual_seed(0)
    model = SpatioTemporalForecaster(5, 6, 3, embed_dim=8)
    x = torch.randn(4, 5, 6)
    out, w_time, w_space = model(x, return_attention=True)
    assert out.shape == (4, 5, 3)
    assert w_time.shape == (4 * 5, 2, 6, 6) and w_space.shape == (4, 2, 5, 5)
    torch.testing.assert_close(w_space.sum(-1), torch.ones(4, 2, 5))
    torch.testing.assert_close(model(x), out)  # fast path = readable path
    with pytest.raises(ValueError, match=r"\(4, 6, 6\)"):
        model(torch.randn(4, 6, 6))
    with pytest.raises(ValueError, match="int64"):
        model(torch.zeros(4, 5, 6, dtype=torch.long))
    with pytest.raises(ValueError, match=r"\(4, 5, 7\)"):
        FlatMLPForecaster(5, 6, 3)(torch.randn(4, 5, 7))


def test_spatial_attention_is_the_only_path_between_sensors():
    torch.manual_seed(0)
    model = SpatioTemporalForecaster(4, 5, 2, embed_dim=8).eval()
    x = torch.randn(1, 4, 5)
    y = x.clone()
    y[0, 3] = torch.randn(5)  # change the shape of sensor 3's window only
    with torch.no_grad():
        base, changed = model(x), model(y)
        model.spatial.self_attn.out_proj.weight.zero_()  # cut the spatial mixing
        model.spatial.self_attn.out_proj.bias.zero_()
        cut_base, cut_changed = model(x), model(y)
    assert (base[0, :3] - changed[0, :3]).abs().max() > 1e-4  # others see sensor 3
    torch.testing.assert_close(cut_base[0, :3], cut_changed[0, :3])  # ...only through attention


def test_the_level_is_added_back():
    torch.manual_seed(0)
    model = SpatioTemporalForecaster(3, 4, 2, embed_dim=8).eval()
    x = torch.randn(2, 3, 4)
    with torch.no_grad():
        torch.testing.assert_close(model(x + 5.0), model(x) + 5.0, atol=1e-5, rtol=0)
