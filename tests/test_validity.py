"""Stated validity ranges of the diffusive presets and the warning when a run leaves one
(issue 14): standalone and through the bridge, once per run, with a record per device."""

import json

import numpy as np
import pytest

from spicemem import DiffusiveParams, pulse_train, simulate
from spicemem.devices.units import K_B_EV
from spicemem.devices.validity import ValidityWarning, diffusive_range

#: The issue's example: a SiOxNy_Ag device behind 10 kOhm at 1.5 V reaches ~4e5 K (measured
#: here: 4.0e5 K, two realizations), far above k_B T = w_i (3760 K).
HOT = dict(amplitude=1.5, width=2e-4, interval=0.0, count=1, delay=1e-5, tail=1e-5)


def test_range_is_the_interfacial_well_depth():
    p = DiffusiveParams.from_preset("SiOxNy_Ag")
    r = diffusive_range(p)
    assert r["t_max_k"] == pytest.approx(1.2 * 0.27 / K_B_EV)  # 3760 K
    assert r["t_min_k"] == pytest.approx(0.03 * 0.27 / K_B_EV)  # the hop tables' coldest point
    assert r["hop_tables_v_max_v"] == pytest.approx(2.5 * 0.5)
    assert "t_min_k" not in diffusive_range(p.replace(integrator="langevin"))


def test_standalone_run_that_overheats_warns_once_and_records_each_realization():
    p = DiffusiveParams.from_preset("SiOxNy_Ag")
    t, v = pulse_train(**HOT)
    with pytest.warns(ValidityWarning, match=r"2 of 2 realizations left .* > 3.76e\+03 K") as rec:
        res = simulate(p, t, v, realizations=2, seed=1, series_resistance=1e4, n_out=201)
    assert len([w for w in rec if w.category is ValidityWarning]) == 1
    assert [r["device"] for r in res.validity] == ["0", "1"]
    assert all(r["t_max_reached_k"] > 1e5 for r in res.validity), res.validity


def test_run_inside_the_range_is_silent():
    # A 0.5 ms pulse of the Fig. 3a amplitude (0.75 V behind 1 MOhm), 2 realizations: the
    # device has not run away by then and stays far below 3760 K (the full 5 ms pulse does
    # leave the range in about a third of the devices: docs/presets.md).  No warning
    # (warnings are errors in the tests).
    p = DiffusiveParams.from_preset("SiOxNy_Ag")
    t, v = pulse_train(0.75, 5e-4, 0.0, 1, delay=1e-4, tail=1e-4)
    res = simulate(p, t, v, realizations=2, seed=1, series_resistance=1e6, n_out=201)
    assert res.validity == []
    assert np.max(res.temperature) < diffusive_range(p)["t_max_k"]


@pytest.mark.ngspice
def test_bridge_run_that_overheats_warns_and_writes_the_record(tmp_path):
    from spicemem.cli import main

    net = tmp_path / "hot.cir"
    net.write_text("* hot\n.model ag diffusive (preset=SiOxNy_Ag)\n"
                   "V1 in 0 pwl(0 0 1u 1.5 100u 1.5)\nR1 in a 10k\nN1 a 0 ag seed=3\n"
                   ".tran 1u 100u\n.end\n")
    with pytest.warns(ValidityWarning, match=r"1 of 1 devices left .* N1"):
        assert main(["run", str(net), "--out", str(tmp_path), "--seed", "1"]) == 0
    meta = json.loads((tmp_path / "hot.json").read_text())
    assert [r["device"] for r in meta["validity"]] == ["N1"]
    assert meta["validity"][0]["t_max_reached_k"] > diffusive_range(
        DiffusiveParams.from_preset("SiOxNy_Ag"))["t_max_k"]
