"""Issue 15, parity: the standalone API and the sweep ``device`` target work from the
device-type registry for every model.

Each model run through the generic entry points (``spicemem.simulate(model=...)``,
``preset_names(model=...)``, the sweep ``device`` target) must give exactly the numbers of its
own model-specific simulator (``ensemble.simulate``, ``simulate_drift``, ``simulate_rram``):
the generic path only dispatches, so any difference, even in the last bit, is a bug.  All
runs are a few hundred steps (well under a second each once compiled).
"""

import csv

import numpy as np
import pytest

import spicemem
from spicemem.devices import diffusive, drift, rram
from spicemem.devices.diffusive import DiffusiveParams
from spicemem.devices.drift import DriftParams, simulate_drift
from spicemem.devices.ensemble import simulate as simulate_diffusive
from spicemem.devices.result import DeviceResult
from spicemem.devices.rram import RRAMParams, simulate_rram
from spicemem.devices.waveforms import pulse_train
from spicemem.sweep import SpecError, SweepSpec, run_sweep

COMMON = ("t", "source_voltage", "voltage", "current", "conductance")


def assert_same(a: DeviceResult, b: DeviceResult):
    assert type(a) is type(b) and a.model == b.model
    for name in COMMON:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    if b.temperature is None:
        assert a.temperature is None
    else:
        np.testing.assert_array_equal(a.temperature, b.temperature)
    assert a.state.keys() == b.state.keys()
    for k in b.state:
        np.testing.assert_array_equal(a.state[k], b.state[k], err_msg=k)


def check_common_face(res: DeviceResult, r: int):
    k = res.t.size
    assert res.source_voltage.shape == (k,)
    for name in ("voltage", "current", "conductance"):
        assert getattr(res, name).shape == (r, k), name
    assert res.realizations == r
    for arr in res.state.values():
        assert arr.shape == (r, k)
    # the conductance is the chord i/v wherever the device voltage is not ~0
    v, i, g = res.voltage, res.current, res.conductance
    big = np.abs(v) > 1e-3
    assert big.sum() > 10, "the waveform must bias the device"
    np.testing.assert_allclose(i[big] / v[big], g[big], rtol=1e-9)


def test_diffusive_through_the_generic_api_is_the_ensemble_simulator():
    params = DiffusiveParams.from_preset("wang2017_paper", integrator="langevin", n_particles=8)
    t, v = pulse_train(2.5, 0.5e-6, 0.0, 1, tail=0.5e-6)
    kw = dict(realizations=2, seed=3, n_out=41, snapshot_times=[0.4e-6])
    generic = spicemem.simulate(params, t, v, **kw)
    by_name = spicemem.simulate(params, t=t, v=v, model="diffusive", **kw)
    own = simulate_diffusive(params, t, v, **kw)
    assert_same(generic, own)
    assert_same(by_name, own)
    np.testing.assert_array_equal(generic.extras["snapshots"], own.snapshots)
    assert generic.state == {} and generic.extras["g_max"] == params.g_max
    check_common_face(generic, 2)
    # the default model and preset: the diffusive memristor's wang2017_paper
    d = spicemem.simulate(t=t, v=v, n_out=11, seed=1)
    assert d.params == DiffusiveParams.from_preset("wang2017_paper") and d.model == "diffusive"


def test_drift_through_the_generic_api_is_simulate_drift():
    t, v = pulse_train(1.5, 2e-6, 0.0, 1, tail=1e-6)
    generic = spicemem.simulate(t=t, v=v, model="drift", preset="TaOx", x0=[0.0, 0.05], n_out=61,
                                series_resistance=100.0)
    own = simulate_drift(DriftParams.from_preset("TaOx"), t, v, x0=[0.0, 0.05], n_out=61,
                         series_resistance=100.0)
    assert_same(generic, own)
    assert generic.temperature is None and generic.seed is None
    assert np.ptp(generic.state["x"][0]) > 0.1, "the pulse must switch the device"
    check_common_face(generic, 2)
    # realizations copies of one initial state (default x0 = 0, the HRS)
    three = spicemem.simulate(t=t, v=v, model="drift", realizations=3, n_out=61,
                              series_resistance=100.0)
    for row in three.state["x"]:
        np.testing.assert_array_equal(row, own.x[0])


def test_rram_through_the_generic_api_is_simulate_rram():
    params = RRAMParams.from_preset("stanford_hfox", variation=True)
    t, v = pulse_train(1.6, 200e-9, 0.0, 1, tail=100e-9, rise=10e-9)
    kw = dict(realizations=3, seed=7, first_stream=2, n_out=51, gap0=params.g_max)
    generic = spicemem.simulate(params, t, v, **kw)
    own = simulate_rram(params, t, v, **kw)
    assert_same(generic, own)
    assert generic.seed == 7 and generic.extras == {"series_resistance": 0.0}
    assert np.ptp(generic.state["gap"]) > 0.5e-9, "the pulse must SET the device"
    # the variation draws from the seed: the three devices differ
    assert len({row.tobytes() for row in generic.state["gap"]}) == 3
    check_common_face(generic, 3)
    # the chord conductance at V = 0 is the small-signal I0 exp(-g/g0) / V0
    zero = generic.voltage == 0.0
    assert zero.any()
    np.testing.assert_allclose(generic.conductance[zero], 1.0 / params.resistance(generic.gap[zero]),
                               rtol=1e-12)
    by_name = spicemem.simulate(t=t, v=v, model="rram", n_out=51)
    assert_same(by_name, simulate_rram(RRAMParams.from_preset("stanford_hfox"), t, v, n_out=51))


def test_preset_names_of_every_model():
    assert spicemem.preset_names() == diffusive.preset_names()
    assert spicemem.preset_names(model="diffusive") == diffusive.preset_names()
    assert spicemem.preset_names(model="drift") == drift.preset_names()
    assert spicemem.preset_names(model="rram") == rram.preset_names()
    assert spicemem.model_names() == ["diffusive", "drift", "rram"]


@pytest.mark.parametrize("call, message", [
    (dict(model="nope"), "unknown memristor model 'nope'"),
    (dict(model="rram", preset="TaOx"), "unknown preset 'TaOx'"),
    (dict(params=DriftParams(), model="rram"), "model 'rram' takes RRAMParams"),
    (dict(params=DriftParams(), preset="TaOx"), "either params or preset"),
    (dict(params=object()), "expected the parameter object of a registered model"),
])
def test_bad_model_preset_or_params(call, message):
    with pytest.raises(ValueError, match=message):
        spicemem.simulate(t=[0.0, 1e-6], v=[0.0, 0.0], **call)


def _rows(out):
    with open(out / "results.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_sweep_device_target_runs_drift_and_rram(tmp_path):
    """Each row's metrics equal the model's own simulator at the row's seed (rel 1e-12: the
    CSV stores floats with repr, i.e. exactly)."""
    wave = {"amplitude": 1.6, "width": 200e-9, "tail": 100e-9, "rise": 10e-9}
    spec = {"sweep": {"target": "device", "seed": 4, "realizations": 2,
                      "metrics": ["g_final", "g_peak", "temperature_peak", "switch_time"]},
            "device": {"model": "rram", "variation": True},
            "waveform": wave,
            "parameters": {"device.t_ambient": [300.0, 350.0]}}
    run_sweep(spec, tmp_path / "r", workers=0, progress=False)
    rows = _rows(tmp_path / "r")
    assert len(rows) == 4 and all(r["status"] == "ok" for r in rows), rows
    t, v = pulse_train(wave["amplitude"], wave["width"], 0.0, 1, tail=wave["tail"], rise=wave["rise"])
    t_out = np.arange(t[0], t[-1] + 0.5 * (t[-1] - t[0]) / 2000, (t[-1] - t[0]) / 2000)
    finals = set()
    for r in rows:
        p = RRAMParams.from_preset("stanford_hfox", variation=True, t_ambient=float(r["device.t_ambient"]))
        own = simulate_rram(p, t, v, seed=int(r["seed"]), t_out=t_out)
        g = own.conductance[0] * own.params.v0 / (p.i0 * np.exp(-p.g_min / p.g0))  # G / G_scale
        assert float(r["g_final"]) == pytest.approx(g[-1], rel=1e-12)
        assert float(r["g_peak"]) == pytest.approx(g.max(), rel=1e-12)
        assert float(r["temperature_peak"]) == pytest.approx(own.temperature[0].max(), rel=1e-12)
        finals.add(r["g_final"])
    assert len(finals) == 4  # two temperatures x two seeds: four different devices

    spec = {"sweep": {"target": "device", "seed": 4, "metrics": ["g_final", "temperature_peak"]},
            "device": {"model": "drift", "preset": "TaOx"},
            "waveform": {"amplitude": 1.0, "width": 2e-6, "tail": 1e-6},
            "parameters": {"device.x0": [0.0, 0.5], "device.sigma_on": [0.04, 0.05]}}
    run_sweep(spec, tmp_path / "d", workers=0, progress=False)
    rows = _rows(tmp_path / "d")
    assert len(rows) == 4 and all(r["status"] == "ok" for r in rows), rows
    t, v = pulse_train(1.0, 2e-6, 0.0, 1, tail=1e-6)
    t_out = np.arange(t[0], t[-1] + 0.5 * (t[-1] - t[0]) / 2000, (t[-1] - t[0]) / 2000)
    for r in rows:
        p = DriftParams.from_preset("TaOx", sigma_on=float(r["device.sigma_on"]))
        own = simulate_drift(p, t, v, x0=float(r["device.x0"]), t_out=t_out)
        assert float(r["g_final"]) == pytest.approx(own.conductance[0, -1] / p.g_m, rel=1e-12)
        assert r["temperature_peak"] in ("nan", "NaN", "")  # isothermal


@pytest.mark.parametrize("device, parameters, message", [
    ({"model": "nope"}, {}, "device.model = 'nope'"),
    ({"model": "drift"}, {"device.t_ambient": [300.0]}, "unknown parameter of a drift memristor"),
    ({}, {"device.g_m": [1e-3]}, "unknown parameter of a diffusive memristor"),
    ({"model": "rram"}, {"device.model": ["drift"]}, "cannot be varied"),
    ({"model": "rram", "preset": "TaOx"}, {}, "unknown preset"),
])
def test_the_sweep_device_target_checks_the_model_keys(device, parameters, message):
    spec = {"sweep": {"target": "device", "seed": 1}, "device": device,
            "waveform": {"amplitude": 1.0, "width": 1e-6}, "parameters": parameters}
    with pytest.raises(SpecError, match=message):
        SweepSpec.from_dict(spec)
