"""The diffusive + drift synapse (Wang et al. 2017, Fig. 6): netlists, SRDP and STDP.

Two circuits: the default (``hfox``: the Stanford/PKU HfOx RRAM as the weight; its tests
are at the end) and the former one (``taox``: the TaOx drift device).  TaOx circuit: the
quick experiments run 8 synapses per protocol point (one seed) through ngspice.  The
drift device starts in its HRS as a RESET leaves it (x0 = 0.13, 305 Ohm); a SET behind the
switched diffusive device lands on a state set by the diffusive resistance (R >= R_min =
1 kOhm), which bounds a synapse's potentiation (15 SRDP pulses: <= +49 %; one 4 V STDP
pulse: <= +128 %) and depression (>= -60 %).  The tolerances below are set from these
bounds and from the measured values, with the reason beside each.
"""

from pathlib import Path

import numpy as np
import pytest

from spicemem.bridge import run_netlist
from spicemem.bridge.netlist import read_netlist
from spicemem.devices.drift import DriftParams, conductance, simulate_drift
from spicemem.devices.rram import RRAMParams, simulate_rram
from spicemem.devices.waveforms import pulse_train
from spicemem.experiments import load
from spicemem.experiments import synapse as syn

NETLISTS = Path(__file__).resolve().parent.parent / "netlists"
TAOX = DriftParams.from_preset("TaOx")


@pytest.mark.parametrize("name", sorted(syn.NETLIST_FILES))
def test_committed_netlists_are_the_generated_ones(name):
    """netlists/*.cir are synapse.srdp_netlist()/stdp_netlist() at their defaults
    (regenerate with spicemem.experiments.synapse.write_netlists('netlists'))."""
    assert (NETLISTS / name).read_text() == syn.NETLIST_FILES[name]()


@pytest.mark.parametrize("name", sorted(syn.NETLIST_FILES))
def test_netlists_parse(name):
    n = read_netlist(NETLISTS / name)
    weight = "drift" if name.endswith("_taox.cir") else "rram"
    assert [(d.name, d.model.type) for d in n.devices] == [("X1.N1", "diffusive"), ("X1.N2", weight)]
    assert n.tran is not None and "tran" in n.analyses
    assert "external" in n.text and "sw (" in n.text


def test_generated_netlists_hold_independent_copies():
    n = read_netlist(syn.stdp_netlist(-2e-3, copies=3))
    assert [d.name for d in n.devices] == ["X1.N1", "X1.N2", "X2.N1", "X2.N2", "X3.N1", "X3.N2"]
    t = syn.stdp_timing(-2e-3)
    assert t["post"] < t["pre"]  # post first when Delta t < 0
    assert t["second_start"] - t["first_end"] == pytest.approx(2e-3)


def test_experiments_are_registered():
    assert load("srdp").run is syn.run_srdp and load("stdp").run is syn.run_stdp
    assert load("srdp-taox").plot is syn.plot_srdp and load("stdp-taox").plot is syn.plot_stdp
    with pytest.raises(ValueError, match="unknown synapse circuit 'x'"):
        syn.circuit("x")


@pytest.mark.ngspice
def test_srdp_netlist_runs_and_reads_the_drift_device():
    """The committed SRDP netlist (t_zero = 100 us, one synapse) runs; the first read is the
    drift device's RESET-made HRS at 0.1 V (x0 = 0.13, 305 Ohm; tolerance ngspice's reltol)."""
    r = run_netlist(NETLISTS / "synapse_srdp_taox.cir", seed=1)
    g = syn.drift_reads(r, syn.srdp_timing(100e-6, "taox")["second_read"])
    assert g[0, 0] == pytest.approx(conductance(TAOX, syn.SRDP_X0, 0.1), rel=2e-3)
    assert g[0, 1] >= g[0, 0] * (1 - 2e-3)  # SRDP pulses only SET


@pytest.mark.ngspice
def test_stdp_netlist_runs_and_reads_the_drift_device():
    """The committed STDP netlist (Delta t = +1 ms, one synapse) runs; the first read is the
    drift device's conductance at its initial state x0 = 0.13 at 0.1 V (3.28 mS; the read
    switch and the diffusive device in parallel do not enter, tolerance ngspice's reltol)."""
    r = run_netlist(NETLISTS / "synapse_stdp_taox.cir", seed=1)
    g = syn.drift_reads(r, syn.stdp_timing(1e-3, "taox")["second_read"])
    assert g.shape == (1, 2)
    assert g[0, 0] == pytest.approx(conductance(TAOX, syn.STDP["x0"], 0.1), rel=2e-3)
    assert np.isfinite(g[0, 1]) and g[0, 1] > 0


def test_start_state_is_what_a_reset_leaves():
    """X0_HRS is the state the stated RESET (-0.45 V, 1 ms, from x = 1) leaves on the isolated
    drift device (measured 0.1299; the integrator's error is ~1e-8, the rounding 1e-4)."""
    t, v = pulse_train(syn.HRS_RESET["amplitude"], syn.HRS_RESET["width"], 10e-6, 1, rise=1e-6)
    x = simulate_drift(TAOX, t, v, x0=1.0, n_out=2).x[0, -1]
    assert x == pytest.approx(syn.X0_HRS, abs=5e-4)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_long_pulse_alone_is_harmless_with_a_margin(sign):
    """The STDP long pulse through the ON diffusive device (R >= R_min = 1 kOhm) leaves the
    weight unchanged, and still does if the ON resistance were 10 % lower (< 1 %; measured
    +0.3 % / -0.1 % at 900 Ohm, +3.2 % / -1.3 % at 800 Ohm, so the edge is ~20 % below
    R_min, not at it as with the former 1.8 V pulse)."""
    s = syn.STDP
    t, v = pulse_train(sign * s["v_low"], s["w_low"], 10e-6, 1, rise=syn.EDGE)
    for r_on, bound in ((1000.0, 1e-3), (900.0, 1e-2)):
        x = simulate_drift(TAOX, t, v, x0=s["x0"], series_resistance=r_on, n_out=2).x[0, -1]
        dw = conductance(TAOX, x) / conductance(TAOX, s["x0"]) - 1.0
        assert abs(dw) < bound, (r_on, dw)


@pytest.mark.ngspice
def test_quick_srdp_weight_change_is_graded_and_falls_with_t_zero():
    """t_zero = 10 us: the diffusive device switches within a few pulses in every synapse
    and the drift SET lands behind it (measured with this seed: +23 ... +35 %, mean +30 %);
    100 us: +19 ... +33 %, mean +25 %; 3 ms: it relaxes between pulses and never switches
    (every synapse |change| < 1e-3).  Asserted: every synapse at 10 us between +10 % and
    +49 % (the landing behind R_min after 15 pulses bounds it; a x100 all-or-nothing write
    or a lost SET both fail), the mean non-increasing with t_zero, and nothing at 3 ms."""
    res = syn.run_srdp(seed=2017, quick=True, circ="taox")
    w = np.asarray(res["weight_change"])
    per = [np.asarray(x) for x in res["weight_change_realizations"]]
    assert res["t_zero"] == list(syn.SRDP_T_ZERO_QUICK)
    assert len(res["weight_change_stderr"]) == len(w) and res["realizations"] == 8
    assert res["seeds"] == [2017]
    assert np.all((per[0] > 0.10) & (per[0] < 0.49)), per[0]
    assert w[0] >= w[1] >= w[-1], w
    assert np.all(np.abs(per[-1]) < 1e-3), per[-1]
    # every synapse started from the RESET-made HRS (305 Ohm at 0.1 V)
    g0 = np.concatenate(res["g_read_before_s"])
    np.testing.assert_allclose(g0, conductance(TAOX, syn.SRDP_X0, 0.1), rtol=2e-3)


@pytest.mark.ngspice
def test_quick_stdp_potentiates_pre_post_depresses_post_pre_and_fades_with_delta_t():
    """Delta t = -0.1 ms: the pre-spike's short pulse meets a conducting diffusive device
    and RESETs the drift device (measured with this seed: 8 of 8, -54 ... -59 %, mean -58 %;
    bounded by -60 %, the RESET behind R_min); +0.1 ms: the post-spike's short pulse SETs it
    where the diffusive device still conducts (4 of 8, +55 ... +92 %, mean +37 %; bounded by
    +128 % behind R_min); +-50 ms: it has relaxed and a spike alone changes nothing (every
    synapse |change| < 1e-4, measured 6e-5).  The bounds fail on a x100 write, on a lost
    sign, and on a single spike that writes."""
    res = syn.run_stdp(seed=2017, quick=True, circ="taox")
    dt = np.asarray(res["delta_t"])
    w = dict(zip(dt.round(6), res["weight_change"]))
    per = dict(zip(dt.round(6), (np.asarray(x) for x in res["weight_change_realizations"])))
    assert list(dt) == [-50e-3, -0.1e-3, 0.1e-3, 50e-3]
    assert -0.60 < w[-0.0001] < -0.3, w
    assert 0.15 < w[0.0001] < 1.28, w
    assert np.all(per[0.0001] > -1e-3) and np.all(per[-0.0001] < 1e-3), per
    for far in (0.05, -0.05):
        assert np.all(np.abs(per[far]) < 1e-4), per[far]


@pytest.mark.ngspice
def test_statistics_over_seeds():
    """Two seeds x 2 synapses (the smallest run that has a spread over seeds): the quoted
    standard error is the spread of the seeds' means / sqrt(2), every synapse is kept, and
    the first seed's synapses are the one-seed run's (same streams)."""
    one = syn.run_stdp(seed=5, quick=True, realizations=2, seeds=1)
    two = syn.run_stdp(seed=5, quick=True, realizations=2, seeds=2)
    assert two["seeds"][0] == 5 and len(set(two["seeds"])) == 2
    for k in range(len(two["delta_t"])):
        per = np.asarray(two["weight_change_realizations"][k])
        means = np.asarray(two["weight_change_seed_means"][k])
        assert per.shape == (4,)
        np.testing.assert_allclose(per[:2], one["weight_change_realizations"][k], rtol=0, atol=0)
        np.testing.assert_allclose(means, [per[:2].mean(), per[2:].mean()], rtol=1e-12)
        assert two["weight_change"][k] == pytest.approx(per.mean(), rel=1e-12)
        assert two["weight_change_stderr"][k] == pytest.approx(np.std(means, ddof=1) / np.sqrt(2),
                                                               rel=1e-12, abs=1e-15)


# -- the default circuit: the HfOx RRAM weight ---------------------------------------------
HFOX = RRAMParams.from_preset("stanford_hfox")


def _rram_pulse(v, width, r_series, edge, gap0=syn.HFOX_GAP0):
    """Final gap (m) after one trapezoidal pulse through ``r_series`` (simulate_rram)."""
    t = [0.0, edge, edge + width, 2 * edge + width]
    return simulate_rram(HFOX, t, [0.0, v, v, 0.0], gap0=gap0, series_resistance=r_series,
                         n_out=2).gap[0, -1]


def _hfox_change(gap):
    """Weight change read at 0.1 V: the sinh factor cancels, G ~ exp(-g/g0)."""
    return np.exp((syn.HFOX_GAP0 - gap) / HFOX.g0) - 1.0


def test_hfox_start_gap_is_what_a_reset_leaves_and_sits_between_on_and_off():
    """HFOX_GAP0 is the gap a -1.1 V RESET from g_min leaves (the F_min surface,
    ((gamma0 - F_min t_ox/1.1 V)/beta)^(1/3) = 0.96874 nm; the integrator stops on it to
    ~1e-15 m, HFOX_GAP0 is rounded to 0.1 pm), and its 0.1 V resistance (11.7 kOhm) lies
    between the diffusive device's ON resistance R_min = 52.3 r_tunnel = 1 kOhm and its
    OFF resistance (>= 50 kOhm, measured in the ngspice tests below)."""
    g = _rram_pulse(syn.HFOX_RESET_V, 100e-6, 0.0, 1e-6, gap0=HFOX.g_min)
    assert g == pytest.approx(((16 - 16.8 / 1.1) / 0.8) ** (1 / 3) * 1e-9, abs=1e-14)
    assert g == pytest.approx(syn.HFOX_GAP0, abs=1e-13)
    r_w = float(HFOX.resistance(syn.HFOX_GAP0, 0.1))
    assert 11.5e3 < r_w < 12.0e3, r_w
    assert "r_tunnel=19.111" in syn.HFOX.diffusive_model  # R_min = 52.3 x 19.111 = 1.0 kOhm


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_hfox_long_pulse_alone_is_harmless_with_a_margin(sign):
    """The STDP long pulse (1.6 V, 0.8 ms) through the ON diffusive device leaves the
    weight exactly unchanged (below the F_min threshold the rate is 0) behind R_min =
    1 kOhm and still behind 0.6 kOhm; measured: it writes only below ~0.55 kOhm (+10 % /
    -95 %), so the margin is 40 % in R, not an edge.  Both polarities."""
    h = syn.HFOX
    for r_on in (1000.0, 600.0):
        g = _rram_pulse(sign * h.v_low, h.w_low, r_on, h.edge)
        assert g == syn.HFOX_GAP0, (r_on, g)
    assert abs(_hfox_change(_rram_pulse(sign * h.v_low, h.w_low, 500.0, h.edge))) > 0.05


def test_hfox_writes_are_graded_by_the_series_resistance():
    """One STDP short pulse (2.5 V, 100 ns) and one SRDP pulse (2.5 V, 40 us) through a
    resistor standing for the diffusive device: the change shrinks monotonically with R
    and is 0 from 1.75 kOhm (G_diff < 0.57 G_max) up to the OFF state (55 kOhm); measured
    SET +40 / +24 / +13 %, RESET -72 / -33 / -18 % at 1 / 1.25 / 1.5 kOhm (short pulse),
    SRDP pulse +82 / +41 / +13 %.  Asserted: strict monotonic order, tens of percent at
    R_min (|change| between 10 % and 100 %: a x16 runaway to g_min or a lost write both
    fail), exactly 0 from 1.75 kOhm."""
    h = syn.HFOX
    rs = (1000.0, 1250.0, 1500.0)
    for v, w, e in ((h.v_high, h.w_high, h.edge_high), (-h.v_high, h.w_high, h.edge_high),
                    (h.srdp_amplitude, h.srdp_width, h.edge)):
        d = np.array([_hfox_change(_rram_pulse(v, w, r, e)) for r in rs])
        assert np.all(np.sign(v) * np.diff(d) < 0) and np.all(np.sign(v) * d > 0), (v, w, d)
        assert 0.1 < abs(d[0]) < 1.0, (v, w, d)
        for r in (1750.0, 55e3):
            assert _rram_pulse(v, w, r, e) == syn.HFOX_GAP0, (v, w, r)


def _graded(w, g_diff, slack=0.02):
    """|w| sorted by the diffusive conductance is non-decreasing (within ``slack``)."""
    a = np.abs(np.asarray(w))[np.argsort(g_diff)]
    return bool(np.all(np.diff(a) > -slack))


@pytest.mark.ngspice
def test_hfox_quick_srdp_is_bounded_by_the_landing_behind_r_min_and_falls_with_t_zero():
    """Default (HfOx) circuit, 8 synapses, seed 2017.  Measured: t_zero = 10 us +66 ...
    +77 % (mean +73 %), 100 us +65 ... +73 %, 3 ms 0 ... +0.4 %.  The bound is the
    landing of the same 15-pulse train behind R_min = 1 kOhm (simulate_rram: +82.3 %; the
    diffusive device cannot conduct more than G_max), moved by 12 pm of gap, the bridge's
    allowance for its first-order overshoot of a resistor-limited SET in test_bridge_rram
    (8 pm measured there; the full run's largest synapse, +87.7 %, is 7 pm past the
    landing): +91 %.
    Asserted: every synapse at 10 us between +10 % and the bound (a x16 runaway to g_min,
    as before the truncation, or a lost write both fail), the mean non-increasing with
    t_zero, 3 ms below 5 %; the start read is the RRAM's 0.1 V conductance at HFOX_GAP0
    (ngspice's reltol)."""
    res = syn.run_srdp(seed=2017, quick=True)
    w = np.asarray(res["weight_change"])
    per = [np.asarray(x) for x in res["weight_change_realizations"]]
    h = syn.HFOX
    t, v = pulse_train(h.srdp_amplitude, h.srdp_width, 10e-6, 15, rise=h.edge)
    g_bound = simulate_rram(HFOX, t, v, gap0=syn.HFOX_GAP0, series_resistance=1000.0,
                            n_out=2).gap[0, -1]
    bound = _hfox_change(g_bound - 12e-12)
    assert res["protocol"]["circuit"] == "hfox"
    assert np.all((per[0] > 0.10) & (per[0] < bound)), (per[0], bound)
    assert w[0] >= w[1] >= w[-1] and w[-1] < 0.05, w
    g0 = np.concatenate(res["g_read_before_s"])
    np.testing.assert_allclose(g0, 1.0 / HFOX.resistance(syn.HFOX_GAP0, 0.1), rtol=2e-3)


@pytest.mark.ngspice
def test_hfox_quick_stdp_signs_grading_and_lone_spikes():
    """Default (HfOx) circuit, 8 synapses, seed 2017, Delta t = -50, -0.1, +0.1, +50 ms.
    Measured: -0.1 ms: 7 of 8 depress, -17 ... -50 % (mean -30 %); +0.1 ms: 4 of 8
    potentiate, +13 ... +27 % (mean +10 %); +-50 ms: every |change| < 5e-5 (the 0.1 V read
    through the read switch, not the state: a lone spike cannot write).  Per synapse the
    change grows with the diffusive conductance at the second spike (measured: strictly,
    on both sides) and is 0 below 0.55 mS (device level: nothing from 1.75 kOhm).
    Bounds from test_hfox_writes_are_graded_by_the_series_resistance: one short pulse behind
    R_min writes at most +40 % / -72 %."""
    res = syn.run_stdp(seed=2017, quick=True)
    dt = np.asarray(res["delta_t"]).round(6)
    per = dict(zip(dt, (np.asarray(x) for x in res["weight_change_realizations"])))
    gd = dict(zip(dt, (np.asarray(x) for x in res["diffusive_g_at_second_spike_s"])))
    assert list(dt) == [-0.05, -0.0001, 0.0001, 0.05]
    assert -0.72 < per[-0.0001].mean() < -0.15 and np.all(per[-0.0001] > -0.72), per[-0.0001]
    assert 0.03 < per[0.0001].mean() < 0.40 and np.all(per[0.0001] < 0.42), per[0.0001]
    assert np.all(per[0.0001] > -1e-4) and np.all(per[-0.0001] < 1e-4), per
    for k in (-0.0001, 0.0001):
        assert _graded(per[k], gd[k]), (per[k], gd[k])
        assert np.all(np.abs(per[k][gd[k] < 0.55e-3]) < 1e-4), (per[k], gd[k])
    for far in (0.05, -0.05):
        assert np.all(np.abs(per[far]) < 1e-4), per[far]
