"""The hybrid integrator against pure Langevin dynamics on a reduced validity map (issue 14),
the transit tables it uses to decide where hopping holds, and the multiple-comparison
procedures of the map."""

import numpy as np
import pytest
from scipy.integrate import cumulative_trapezoid

from spicemem import DiffusiveParams
from spicemem.experiments import hybrid_map as hm
from spicemem.kernels.diffusive import potential
from spicemem.kernels.hopping import (T_ITH, T_LT_R, T_LX_R, T_MIN, T_NB, T_SAD_R, T_V, basin_rates,
                                      landscape_index)


def _landscape(p, v):
    tab = p.core.hop_tables
    vg = tab[T_V]
    j, dv = landscape_index(v, vg[0], 1.0 / (vg[1] - vg[0]), vg.size)
    return tab, j, dv


def test_transit_table_is_the_first_passage_quadrature():
    # Independent quadrature (scipy, 20001 points) of the mean time from the right saddle of
    # a pinning well down to the next minimum, the saddle reflecting:
    # T = (eta/theta) int_s^m' e^{U/theta} int_s^y e^{-U/theta}.  The table uses 2001 points
    # and skips the first trapezoid panel (the inner integral vanishes there): O(h) = 1e-3.
    p = DiffusiveParams.from_preset("wang2017_fig4")
    tab, j, _ = _landscape(p, 0.0)
    c = p.core
    k, it = 5, 10
    theta = 1.0 / tab[T_ITH][it]
    s, m1 = tab[T_SAD_R][j, k], tab[T_MIN][j, k + 1]
    y = np.linspace(s, m1, 20001)
    u = potential(y, c.w_i, c.r_1, c.x_c, c.r_p)
    inner = cumulative_trapezoid(np.exp(-(u - u[0]) / theta), y, initial=0.0)
    t = p.friction_ratio / theta * np.trapezoid(np.exp((u - u[0]) / theta) * inner, y)
    assert np.exp(tab[T_LX_R][j, it, k]) == pytest.approx(t, rel=5e-3)
    # At zero bias a transit is a small part of a hop: the chain's instant jumps hold.
    assert tab[T_LX_R][j, it, k] < tab[T_LT_R][j, it, k] - 4.5


def test_no_hopping_across_the_gap_under_strong_bias():
    # The README example (wang2017_fig4, 2.5 V_th, k_B T/w_p = 0.35): the gap has no pinning
    # minimum left, so the left cluster's right neighbour is the right cluster.  Its barrier
    # is 5.1 k_B T, enough by itself; the transit across the gap (0.88/kappa at 0.35) is 11 %
    # of the particle's time: margin 2.5 < hop_enter = 4.5, so the device runs Langevin.
    p = DiffusiveParams.from_preset("wang2017_fig4", theta_ambient=0.35)
    tab, j, dv = _landscape(p, 2.5)
    nb = tab[T_NB][j]
    rr, rl, margin = np.zeros(40), np.zeros(40), np.zeros(40)
    basin_rates(tab, j, dv, 0.35, p.field_coupling, rr, rl, margin)
    left = int(np.argmin(np.abs(tab[T_MIN][j, :nb] + 0.8)))
    assert margin[left] < p.hop_exit, margin[:nb]
    # ...while at zero bias at 0.15 every pinning well is hopped from (the shoulder wells
    # beside the interfacial wells, barrier 0.52 w_p = 3.4 k_B T, are not: docs/fast_path.md).
    tab, j, dv = _landscape(p, 0.0)
    nb = tab[T_NB][j]
    basin_rates(tab, j, dv, 0.15, p.field_coupling, rr, rl, margin)
    assert np.all(margin[2:nb - 2] > p.hop_enter), margin[:nb]


def test_holm_and_benjamini_hochberg():
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5])
    # Holm at 0.05: 0.005 <= 0.05/5, 0.01 <= 0.05/4, 0.03 > 0.05/3 stops.
    assert hm.holm(p).tolist() == [True, False, False, True, False]
    # BH at 0.05: thresholds 0.01, 0.02, 0.03, 0.04, 0.05; largest k with p_(k) <= k q/m is 4.
    assert hm.benjamini_hochberg(p).tolist() == [True, True, True, True, False]


#: (cell, devices per integrator).  The first three are the failing cells of issue 14.
REDUCED = (
    (("wang2017_fig4", "held", 2.5, 0.35), 64),
    (("wang2017_fig4", "pulsed", 2.0, 0.30), 64),
    (("wang2017_paper", "pulsed", 2.0, 0.30), 32),
    (("wang2017_fig4", "held", 1.0, 0.15), 32),
    (("wang2017_fig4", "pulsed", 0.0, 0.10), 32),
)


@pytest.mark.slow
def test_reduced_map_is_clean_including_the_failing_cells():
    cells = [hm.compare_cell(*cell, n, seed=3, cell=i) for i, (cell, n) in enumerate(REDUCED)]
    summary = hm.assess(cells)
    table = [(c["preset"], c["protocol"], c["v"], c["theta"], round(c["g_z"], 2), c["p_delay"],
              c["p_relax"]) for c in cells]
    # Criterion of the map: no rejection by Holm at family-wise error 0.05 over the 20 tests
    # (4 per cell), i.e. a false alarm in at most 5 % of seeds if the hybrid is exact.  Power:
    # before the fix the wang2017_paper cell gave z = -7.0 and delay KS p = 5e-9 with 32
    # devices (threshold here 0.05/20 = 2.5e-3), the fig4 cells z = -1.6 and -1.8 (32 devices).
    assert summary["clean"], table
    # The pulse-averaged conductance itself, cell by cell: within 3 SE (a factor-2 error in
    # G is 5-9 SE at these sizes).
    assert all(abs(c["g_z"]) < 3.0 for c in cells), table


def test_map_log_resumes_with_the_same_numbers(tmp_path):
    # Two cheap cells (hot, 2 devices per integrator).  A run stopped after the first cell
    # and resumed from its log gives the numbers of one uninterrupted run: the cell index
    # fixes the streams, and the log round-trips censored times (inf -> null -> inf).
    spec = [("wang2017_fig4", "pulsed", 0.5, 0.45), ("wang2017_fig4", "held", 0.0, 0.45)]
    log = tmp_path / "cells.jsonl"
    part = hm.run_cells(spec, realizations=2, seed=7, log=log, limit=1)
    assert len(part) == 1
    resumed = hm.run_cells(spec, realizations=2, seed=7, log=log)
    fresh = hm.run_cells(spec, realizations=2, seed=7)
    for a, b in zip(resumed, fresh):
        for side in ("hybrid", "langevin"):
            for key in ("g_avg", "delay", "relax", "g_end"):
                np.testing.assert_array_equal(a[side][key], b[side][key])
        assert all(a[k] == b[k] for k in hm.TESTS)
    assert len(log.read_text().splitlines()) == 3  # header + two cells
    with pytest.raises(ValueError, match="log of another run"):
        hm.run_cells(spec, realizations=3, seed=7, log=log)


def test_two_steps_are_read_on_one_clock():
    # Each run records its outputs on its own Langevin step nearest to the output time, so
    # runs at two step rules label the same output up to half a step apart; at a pulse edge
    # that moves an output in or out of a delay's count (issue 17: every relaxation of a cell
    # shifted by one output step between dt_factor 0.05 and 0.2, KS p ~ 1e-18).
    # ``clock_dt_factor`` relabels with another step's recorded times: with the run's own
    # factor that is exactly the simulator's res.t (an independent code path), and between
    # the steps 0.05 and 0.2 the labels differ by less than one 0.2-step.
    p = DiffusiveParams.from_preset("wang2017_fig4", theta_ambient=0.45)
    t, _, _, _, _ = hm.protocol("pulsed", 1.0)
    t_out = np.arange(0.0, t[-1] + 0.5 * hm.STEP, hm.STEP)
    args = ("wang2017_fig4", "pulsed", 1.0, 0.45, "langevin", 2, 3, 0)
    own = hm.measure(*args)
    same = hm.measure(*args, clock_dt_factor=p.dt_factor)
    for key in ("g_avg", "delay", "relax", "g_end"):
        np.testing.assert_array_equal(own[key], same[key])
    fine = hm._recorded_times(p.replace(dt_factor=0.05), t, t_out)
    coarse = hm._recorded_times(p.replace(dt_factor=0.2), t, t_out)
    assert np.max(np.abs(fine - t_out)) <= 0.5 * p.replace(dt_factor=0.05).core.dt + 1e-12
    assert 0 < np.max(np.abs(coarse - fine)) < p.replace(dt_factor=0.2).core.dt
