"""Issue 7 experiments through ngspice at reduced size: the qualitative behaviour of Figs.
1b, 3a, 3b and 5b of Wang et al. (2017), and the committed netlists.

Each experiment here runs its quick variant (a few devices, short records) with a fixed
seed; the full-size numbers are in docs/presets.md.  The tolerances are written beside the
checks, with the spread of the asserted numbers over seeds 1-10
(``examples/test_seed_spread.py``; issue 14: a bound must hold for the distribution, not
for the one seed the test runs).
"""

import math

import numpy as np
import pytest

from spicemem.experiments import arrhenius, delay_relaxation, iv_loop, measured, measured_netlists, ppf_tzero
from spicemem.experiments import EXPERIMENTS

pytestmark = pytest.mark.ngspice

NAMES = ("iv-loop", "fast-switching", "delay-relaxation", "arrhenius", "ppf-tzero", "frequency-switching")


def test_experiments_are_registered():
    for name in NAMES:
        assert name in EXPERIMENTS


def test_committed_netlists_are_what_the_experiments_run(tmp_path):
    written = measured_netlists.write_netlists(tmp_path)
    assert len(written) == 8
    for path in written:
        committed = measured.NETLIST_DIR / path.name
        assert committed.exists(), f"netlists/{path.name} is missing; run measured_netlists.write_netlists()"
        assert committed.read_text() == path.read_text(), f"netlists/{path.name} is stale"


def test_netlist_pieces():
    pts, samples = measured.staircase(0.03, 0.01, 1e-3, 1e-6)
    assert [v for _, v in samples] == pytest.approx([0.01, 0.02, 0.03, 0.02, 0.01, 0.0])
    assert all(t1 > t0 for (t0, _), (t1, _) in zip(pts, pts[1:]))
    text = measured.netlist_text("t", [measured.model_line("SiOxNy_Ag", temp=320)], "dc 0",
                                 measured.branches(2, "in", 1e6), 1e-3, 1e-6)
    assert ".model dev diffusive (preset=SiOxNy_Ag temp=320)" in text
    assert "N2 m2 0 dev" in text and ".tran 1e-06 0.001\n" in text
    fit = measured.arrhenius_fit([300.0, 350.0, 400.0],
                                 [math.exp(0.27 / (8.617333262e-5 * t)) * 1e-6 for t in (300.0, 350.0, 400.0)])
    assert fit["activation_energy_ev"] == pytest.approx(0.27, rel=1e-9)


#: The measured-device protocols drive SiOxNy_Ag bursts past k_B T = w_i (3760 K): measured
#: peaks 4.7e3-5.7e3 K in one of 1-3 devices (issue 14).  The run records it in its JSON;
#: the warning is expected here, not an error of the code.
HOT_OK = pytest.mark.filterwarnings("ignore::spicemem.devices.validity.ValidityWarning")


@HOT_OK
def test_delay_and_relaxation():
    """Fig. 3a: the 0.75 V, 5 ms pulse switches each device after a delay, and the read
    pulses see it relax within tens of ms."""
    r = delay_relaxation.run(seed=1, quick=True)
    d = np.asarray(r["delay_per_device_s"])
    # Seed spread of this quick run (3 devices, 150 ms record), measured over seeds 1-10
    # with the 80 ms record (python examples/test_seed_spread.py delay-relaxation): all
    # 30 devices switched; delays 11-442 us (the shortest of 3: 33 +- 18 us, mean +- sd).
    assert np.all(np.isfinite(d)), f"a device did not switch: delays {d}"
    # A delay: longer than the 1 us edge of the pulse, shorter than the pulse.
    assert np.all((d > 2e-6) & (d < delay_relaxation.SWITCH.width)), d
    rel = np.asarray(r["relaxation_per_device_s"])
    assert np.isfinite(rel).any(), f"no device relaxed within the record: {rel}"
    # The median of 3 relaxation times, 24 +- 12 ms (mean +- sd over seeds 1-10), is finite
    # unless two devices outlive the 150 ms record: the full runs (32 devices) relax in
    # 9-100 ms, so that is p^2-rare with p < 1/32.  (At 80 ms, 3 of 30 devices did not
    # relax: the median was infinite with probability ~3 %.)
    assert 1e-3 < r["relaxation_s"] < delay_relaxation.QUICK["t_stop"], r["relaxation_s"]


@HOT_OK
def test_arrhenius_reduced():
    """Fig. 3b at 8 events x 2 temperatures (300 and 400 K): the relaxation speeds up with
    temperature and the activation energy lies near 0.27 eV.

    Measured over seeds 1-10 (python examples/test_seed_spread.py arrhenius --events 8
    --temperatures 300 400): E_a = 0.261 eV, seed-to-seed sd 0.027; ln(tau_300/tau_400) =
    2.2-3.0.  The band 0.15-0.37 eV lies 4.1 sd below and 4.0 sd above the mean, and a
    factor-2 error of the slope (0.13 or 0.52 eV) fails it.  The former 3 events at 340 and
    400 K gave 0.216 +- 0.165 (sd): two of ten seeds fell below its bound of 0.1 eV.
    """
    assert arrhenius.TEMPERATURES_QUICK == (300.0, 400.0) and arrhenius.EVENTS_QUICK == 8
    r = arrhenius.run(seed=1, quick=True)
    tau = np.asarray(r["relaxation_s"])
    assert np.all(np.isfinite(tau)) and tau[0] > tau[-1], tau
    assert 0.15 < r["activation_energy_ev"] < 0.37, r["activation_energy_ev"]


def test_paired_pulse_facilitation_reduced():
    """Fig. 5b at 32 devices x 6 pulses: facilitation at t_zero = 1 ms, less at 160 ms.

    Common random numbers: the devices keep their streams across the two t_zero runs, so
    the first pulse is the same and the comparison is paired.  Per device, the change is
    d = mean over pulses 4-6 of ln G_n - ln G_1 (its scatter is ~1.3); the asserts are two
    standard errors of the 32-device mean: d > 0 at 1 ms, and d(1 ms) - d(160 ms) > 0.
    Measured with this quick run, seeds 3 and 5: d(1 ms) = 1.25 +- 0.15 and 0.87 +- 0.19,
    d(1 ms) - d(160 ms) = 0.95 +- 0.16 and 1.07 +- 0.16 -- each 2.5-4.7 SE beyond its
    threshold (standalone simulate, 64 devices, 8 pulses: +0.83 +- 0.16 at 1 ms, -0.16 +-
    0.12 at 160 ms).  The full experiment (t_zero to 160 ms, where the change turns
    negative) is in docs/presets.md.
    """
    r = ppf_tzero.run(seed=3, quick=True)
    g = np.asarray(r["geometric_mean_conductance_s"])
    assert g[0, 0] == pytest.approx(g[1, 0], rel=1e-9)  # the same first pulse
    lw = np.log(np.asarray(r["conductance_per_device_s"]))  # (t_zero, device, pulse)
    d = lw[:, :, 3:].mean(axis=-1) - lw[:, :, 0]
    n = d.shape[1]
    se = d.std(axis=-1, ddof=1) / np.sqrt(n)
    assert d[0].mean() > 2 * se[0], f"no facilitation at t_zero = 1 ms: {d[0].mean():.2f} +- {se[0]:.2f}"
    diff = d[0] - d[1]
    se_diff = diff.std(ddof=1) / np.sqrt(n)
    assert diff.mean() > 2 * se_diff, f"no less facilitation at 160 ms: {diff.mean():.2f} +- {se_diff:.2f}"


@HOT_OK
def test_iv_loop_threshold_switching():
    """Fig. 1b, one positive loop of SiOxNy:Ag: an OFF branch, a threshold below the top of
    the sweep, compliance in the ON state, and a resistance ratio of several decades.

    Over seeds 1-10 (python examples/test_seed_spread.py iv-loop): threshold 0.55 +- 0.04 V
    (mean +- sd; range 0.49-0.61, the bounds 0.2 and 1 V are 9 sd away), log10 OFF/ON
    4.69 +- 0.06 (range 4.60-4.77; the bound 3 is 29 sd away), peak current at the
    compliance to 1e-8, turn-on slope 4.1-10.6 mV/decade (staircase-limited: the bound only
    says a jump was found)."""
    r = iv_loop.run_preset("SiOxNy_Ag", seed=1, loops=1, neg_loops=0, dwell=0.1e-3, pause=2e-3)
    assert 0.2 < r["threshold_voltage"] < iv_loop.V_MAX, r["threshold_voltage"]
    i = np.abs(np.asarray(r["i"]))
    assert i.max() == pytest.approx(measured.I_COMPLIANCE, rel=0.05)
    assert r["on_off_ratio"] > 1e3, r["on_off_ratio"]
    assert 0 < r["turn_on_slope_mv_per_decade"] < 100
    assert r["model_on_off_ratio"] >= 1e5
