"""Device-to-device variability on `.model` cards (issue 16, item 1): ngspice's agauss /
gauss / aunif / unif, each device drawing from its own stream."""

import json

import numpy as np
import pytest
from scipy import stats

from spicemem.bridge import run_netlist
from spicemem.bridge.netlist import read_netlist
from spicemem.bridge.run import _device_specs
from spicemem.cli import main
from spicemem.errors import NetlistError

CARD = (".model ag diffusive (preset=wang2017_paper friction_ratio=10 heating_ratio=20 "
        "theta_ambient=0.35 {spread})")


def netlist(spread, n, names=None):
    names = names or [f"N{k}" for k in range(n)]
    return "\n".join(["* t", CARD.format(spread=spread), "V1 a 0 dc 1",
                      *(f"{nm} a 0 ag" for nm in names), ".tran 1u 2u", ".end"]) + "\n"


def drawn(text, seed=3, key="r_tunnel"):
    _, info, _ = _device_specs(read_netlist(text), seed)
    return np.array([x["drawn"][key] for x in info])


def test_same_seed_same_draws_and_a_device_keeps_its_draw_when_others_are_added():
    a = drawn(netlist("r_tunnel=agauss(1k, 100, 1)", 4))
    assert np.array_equal(a, drawn(netlist("r_tunnel=agauss(1k, 100, 1)", 4)))
    assert not np.array_equal(a, drawn(netlist("r_tunnel=agauss(1k, 100, 1)", 4), seed=4))
    more = drawn(netlist("r_tunnel=agauss(1k, 100, 1)", 6, names=["N9", "N0", "N1", "N7", "N2", "N3"]))
    assert np.array_equal(more[[1, 2, 4, 5]], a)  # N0..N3 keep theirs among new devices


@pytest.mark.parametrize("spread, dist", [
    ("r_tunnel=agauss(1k, 100, 2)", stats.norm(1000, 50)),         # sigma = abs / n_sigma
    ("r_tunnel=gauss(1k, 0.2, 1)", stats.norm(1000, 200)),         # sigma = rel |nom| / n_sigma
    ("r_tunnel=aunif(1k, 300)", stats.uniform(700, 600)),
    ("r_tunnel=unif(1k, 0.5)", stats.uniform(500, 1000)),
])
def test_draws_follow_ngspice_definitions(spread, dist):
    """400 devices: a KS test against the distribution ngspice's manual defines (p > 1e-3:
    a correct sampler fails 1 time in 1000; a wrong sigma (factor 2) gives p ~ 1e-20)."""
    x = drawn(netlist(spread, 400), seed=11)
    assert stats.kstest(x, dist.cdf).pvalue > 1e-3


def test_integer_parameters_are_rounded_and_recorded_as_applied():
    specs, info, _ = _device_specs(read_netlist(netlist("n_particles=agauss(40, 4, 1)", 20)), 5)
    got = [s.params.n_particles for s in specs["diffusive"]]
    assert [x["drawn"]["n_particles"] for x in info] == got
    assert len(set(got)) > 3 and all(isinstance(n, int) for n in got)


@pytest.mark.ngspice
def test_a_run_with_variability_records_the_draws_and_is_reproducible(tmp_path, capsys):
    text = netlist("r_tunnel=gauss(1k, 0.1, 1) n_particles=agauss(40, 3, 1)", 3)
    p = tmp_path / "var.cir"
    p.write_text(text.replace("dc 1", "pulse(0 2.5 0.2u 0.1u 0.1u 1u 5u)"))
    assert main(["run", str(p), "--out", str(tmp_path / "o"), "--seed", "2"]) == 0
    devs = json.loads((tmp_path / "o" / "var.json").read_text())["devices"]
    assert all(set(d["drawn"]) == {"r_tunnel", "n_particles"} for d in devs)
    a = run_netlist(p, seed=2)
    b = run_netlist(p, seed=2)
    np.testing.assert_array_equal(a.device_conductance, b.device_conductance)
    # the devices differ: their drawn tunnelling amplitudes set different OFF conductances
    assert len({round(float(g), 15) for g in a.device_conductance[:, 0]}) == 3
    capsys.readouterr()


@pytest.mark.parametrize("spread, message", [
    ("r_tunnel=agauss(1k, 100)", r"agauss\(\) takes 3 arguments"),
    ("r_tunnel=aunif(1k, x)", r"aunif\(\) needs numbers"),
    ("r_tunnel=agauss(1k, -5, 1)", r"variation >= 0"),
    ("n_particles=agauss(40, 4000, 1)", r"memristor N\d: drawn n_particles=-?\d+.*outside its valid range|"
                                        r"memristor N\d: drawn n_particles"),
])
def test_bad_spreads_are_one_line_errors(spread, message):
    with pytest.raises(NetlistError, match=message) as exc:
        _device_specs(read_netlist(netlist(spread, 8)), 1)
    assert "\n" not in str(exc.value)


def test_variability_is_refused_where_the_netlist_holds_the_current_law():
    text = "* t\n.model m drift (preset=TaOx rate_max=agauss(1e10, 1e9, 1))\nN1 a 0 m\n.tran 1u 2u\n"
    with pytest.raises(NetlistError, match=r"random parameters \(rate_max\) are supported for diffusive"):
        _device_specs(read_netlist(text), 1)
