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


@pytest.mark.parametrize("card, key", [("drift (preset=TaOx b_fp=agauss(4.7, 0.1, 1))", "b_fp"),
                                       ("drift (preset=TaOx g_m=agauss(2.5m, 0.2m, 1))", "g_m"),
                                       ("rram (preset=stanford_hfox v0=gauss(0.25, 0.1, 1))", "v0")])
def test_a_law_number_cannot_vary_inside_a_subcircuit(card, key):
    """The B-source law of a drift/RRAM device carries these as numbers; inside a subcircuit
    its one line is shared by every instance (at the top level each device gets its own)."""
    text = f"* t\n.model m {card}\n.subckt cell a\nN1 a 0 m\n.ends\nX1 in cell\nV1 in 0 dc 0\n.tran 1u 2u\n"
    with pytest.raises(NetlistError, match=rf"X1.N1: {key} cannot vary per device inside a subcircuit") as exc:
        _device_specs(read_netlist(text), 1)
    assert "\n" not in str(exc.value)


LAW_CARDS = {
    "drift": ("drift (preset=TaOx g_m=agauss(2.5m, 0.5m, 1) a_fp=gauss(125u, 0.2, 1) b_fp=aunif(4.7, 0.5))",
              "x0=0.{k}"),
    "rram": ("rram (preset=stanford_hfox v0=agauss(0.25, 0.05, 1) i0=gauss(1m, 0.2, 1) g0=aunif(0.25n, 0.05n))",
             "gap0=1.{k}n"),
}


def law_netlist(typ, n, amp):
    """n top-level devices of a card whose law numbers vary, each behind its own 0 V source."""
    card, inst = LAW_CARDS[typ]
    return "\n".join(["* t", f".model m {card}", f"V1 in 0 pwl(0 0 1u {amp} 3u {amp})",
                      *(f"Vs{k} in a{k} dc 0\nN{k} a{k} 0 m {inst.format(k=k % 6 + 1)}" for k in range(n)),
                      ".tran 0.1u 3u", ".end"]) + "\n"


@pytest.mark.parametrize("typ, key, dist", [
    ("drift", "g_m", stats.norm(2.5e-3, 0.5e-3)),
    ("rram", "v0", stats.norm(0.25, 0.05)),
    ("rram", "g0", stats.uniform(0.2e-9, 0.1e-9)),
])
def test_law_numbers_vary_per_top_level_device_by_ngspice_definitions(typ, key, dist):
    """300 top-level devices: each draws its law numbers from its own stream (KS against
    ngspice's definition, p > 1e-3 as above), and its own B-source line and G_scale carry
    them (drift: G_scale = its g_m)."""
    _, info, _ = _device_specs(read_netlist(law_netlist(typ, 300, 0.3)), 7)
    x = np.array([d["drawn"][key] for d in info])
    assert stats.kstest(x, dist.cdf).pvalue > 1e-3
    if typ == "drift":
        assert [d["g_scale"] for d in info] == [d["drawn"]["g_m"] for d in info]
    assert len({d["law"] for d in info}) == 300
    assert all(d["law"].startswith(f"bsm_n{k} a{k} 0 I=") for k, d in enumerate(info))


@pytest.mark.ngspice
@pytest.mark.parametrize("typ, amp", [("drift", 0.3), ("rram", 0.4)])
def test_law_numbers_per_device_through_ngspice(typ, amp):
    """6 top-level devices with drawn law numbers: on the plateau the current ngspice
    computes through each device's B-source equals the type's current law evaluated with that
    device's drawn values (relative 1e-9: the same formula in double precision), while the
    card's nominal law misses by more than 0.5 % for some device (the draws' spread is
    10-20 %); the same seed gives the same draws."""
    from spicemem.bridge import devices_drift, devices_rram
    from spicemem.devices.drift import DriftParams
    from spicemem.devices.rram import RRAMParams

    text = law_netlist(typ, 6, amp)
    r = run_netlist(text, seed=3)
    base = DriftParams.from_preset("TaOx") if typ == "drift" else RRAMParams.from_preset("stanford_hfox")
    law = devices_drift.current if typ == "drift" else devices_rram.current
    plateau = r.time > 1.05e-6
    worst_nominal = 0.0
    for k, d in enumerate(r.devices):
        ing = r.vectors[f"i(vs{k})"][plateau]
        v, g = r.voltage[k][plateau], r.conductance[k][plateau]
        np.testing.assert_allclose(law(base.replace(**d["drawn"]), v, g), ing, rtol=1e-9)
        worst_nominal = max(worst_nominal, float(np.max(np.abs(law(base, v, g) / ing - 1))))
    assert worst_nominal > 5e-3
    assert [d["drawn"] for d in run_netlist(text, seed=3).devices] == [d["drawn"] for d in r.devices]


def memristor_netlist(card, n, inst=""):
    """n instances of a card inside a subcircuit (the crossbar's layout: one shared body)."""
    return "\n".join(["* t", f".model m {card}", ".subckt cell a", f"N1 a 0 m {inst}", ".ends",
                      "V1 in 0 pwl(0 0 0.1u 0.85 20u 0.85 20.1u 0)",
                      *(f"X{k} in cell" for k in range(n)), ".tran 1u 21u", ".end"]) + "\n"


@pytest.mark.parametrize("card, key, dist", [
    ("drift (preset=TaOx rate_on=agauss(1e-4, 2e-5, 1))", "rate_on", stats.norm(1e-4, 2e-5)),
    ("drift (preset=TaOx sigma_on=unif(0.45, 0.1))", "sigma_on", stats.uniform(0.405, 0.09)),
    ("rram (preset=stanford_hfox ea=aunif(1.5, 0.1))", "ea", stats.uniform(1.4, 0.2)),
    ("rram (preset=stanford_hfox gamma0=gauss(16, 0.05, 1))", "gamma0", stats.norm(16, 0.8)),
    # i0 enters the current only through G0, which each device's kernel computes: it may vary
    # inside a subcircuit
    ("rram (preset=stanford_hfox i0=gauss(1m, 0.1, 1))", "i0", stats.norm(1e-3, 1e-4)),
])
def test_drift_and_rram_draws_follow_ngspice_definitions_per_device(card, key, dist):
    """300 instances of one subcircuit: each device's state-equation parameter is its own
    draw, in its compiled parameters; KS against ngspice's definition (p > 1e-3, as above)."""
    specs, info, _ = _device_specs(read_netlist(memristor_netlist(card, 300)), 7)
    x = np.array([d["drawn"][key] for d in info])
    assert stats.kstest(x, dist.cdf).pvalue > 1e-3
    typ = card.split()[0]
    field = {"ea": "ea"}.get(key, key)
    assert [getattr(s.params, field) for s in specs[typ]] == pytest.approx(list(x), rel=1e-12)


def test_stuck_at_fractions_are_binomial_and_reproducible():
    """1000 devices with stuck_on=0.1, stuck_off=0.2: the counts are within 4 binomial
    standard deviations of 100 and 200 (sd 9.5 and 12.6; a wrong rule, e.g. OFF with
    probability P_off - P_on or a shared draw, is off by > 8 sd); the same seed gives the
    same cells, and adding a spread to the card changes no device's stuck state (its own
    stream)."""
    card = "drift (preset=TaOx stuck_on=0.1 stuck_off=0.2)"
    _, info, _ = _device_specs(read_netlist(memristor_netlist(card, 1000)), 5)
    got = [d["stuck"] for d in info]
    assert abs(got.count("on") - 100) < 4 * np.sqrt(1000 * 0.1 * 0.9)
    assert abs(got.count("off") - 200) < 4 * np.sqrt(1000 * 0.2 * 0.8)
    again = [d["stuck"] for d in _device_specs(read_netlist(memristor_netlist(card, 1000)), 5)[1]]
    assert again == got
    spread = card.replace(")", " rate_on=agauss(1e-4, 2e-5, 1))")
    assert [d["stuck"] for d in _device_specs(read_netlist(memristor_netlist(spread, 1000)), 5)[1]] == got
    other = [d["stuck"] for d in _device_specs(read_netlist(memristor_netlist(card, 1000)), 6)[1]]
    assert other != got
    for bad, message in (("stuck_on=1.5", "probability in"), ("stuck_on=0.6 stuck_off=0.6", "must not exceed 1"),
                         ("stuck_off=x", "expected a probability")):
        with pytest.raises(NetlistError, match=message):
            _device_specs(read_netlist(memristor_netlist(f"drift (preset=TaOx {bad})", 2)), 1)


@pytest.mark.ngspice
def test_stuck_and_varied_drift_cells_through_ngspice():
    """24 drift cells of one subcircuit at 0.85 V for 20 us: stuck-ON cells hold x = 1 and
    stuck-OFF cells x = 0 exactly (frozen), the others SET from x = 0 by an amount that
    rises with their drawn rate_on (dx/dt is proportional to it while x << x_on: rank
    correlation 1 up to the integrator's tolerance); the JSON fields record both; a rerun
    is identical."""
    from spicemem.devices.drift import DriftParams

    P = DriftParams.from_preset("TaOx")
    text = memristor_netlist("drift (preset=TaOx stuck_on=0.2 stuck_off=0.2 rate_on=agauss(1e-4, 2e-5, 1))",
                             24, inst="x0=0")
    r = run_netlist(text, seed=4)
    x = (r.device_conductance - P.a_fp) / (P.g_m - P.a_fp)
    stuck = [d["stuck"] for d in r.devices]
    assert 0 < stuck.count("on") and 0 < stuck.count("off") and stuck.count(None) > 5, stuck
    for k, s in enumerate(stuck):
        if s == "on":
            assert np.all(x[k] == pytest.approx(1.0, abs=1e-12))
        elif s == "off":
            assert np.all(np.abs(x[k]) < 1e-12)
    live = [k for k, s in enumerate(stuck) if s is None]
    rate = np.array([r.devices[k]["drawn"]["rate_on"] for k in live])
    assert np.all(x[live, -1] > 1e-5)
    assert stats.spearmanr(rate, x[live, -1]).statistic > 0.99
    again = run_netlist(text, seed=4)
    np.testing.assert_array_equal(again.device_conductance, r.device_conductance)
