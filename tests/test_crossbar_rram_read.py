"""Reading Stanford RRAM cells in a crossbar (the crossbar-sneak study with ``memory="rram"``):
the read currents against an independent nonlinear solution of the same network, the
per-read disturb check (and that it is not vacuous), the refusal of reads that move the
selected cell's gap (checked against the RRAM model itself), and the sweep table's rows.

Every check here is deterministic or a bookkeeping identity: with the selector a fixed
resistor (or absent) the array has no random element (the RRAM's gap does not move below its
field threshold, where dg/dt is exactly 0), so the tolerances are numerical, not statistical.
"""

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spicemem.crossbar.nodal import solve_dc
from spicemem.crossbar.read import read
from spicemem.devices.rram import RRAMParams
from spicemem.experiments import crossbar_sneak as cs

pytestmark = pytest.mark.ngspice

ROOT = Path(__file__).resolve().parents[1]
P = RRAMParams.from_preset("stanford_hfox")  # the generator's default RRAM card
R_MIN = cs._card_params("diffusive", cs.SELECTOR_MODEL).r_min  # the selector fully ON


def _nonlinear_reference(spec, r_sel: float):
    """The DC solution of ``spec`` with every RRAM memory on the Stanford law of
    ``spicemem.devices.rram`` (I = I0 exp(-gap/g0) sinh(V/V0), the gaps of the stored pattern)
    in series with ``r_sel``: each cell a chord resistance V_cell / I_cell, found by solving
    the scalar series equation of every cell (Brent) and the linear network
    (``solve_dc(cell_resistances=...)``) in turn until the chords change by < 1e-10.  It
    never looks at the netlist or ngspice."""
    from scipy.optimize import brentq

    n, m = spec.rows, spec.cols
    pre = np.array([[P.i0 * np.exp(-(P.g_min if spec.pattern[i][j] else P.g_max) / P.g0)
                     for j in range(m)] for i in range(n)])
    chord = P.v0 / pre + r_sel
    for _ in range(500):
        dc = solve_dc(spec, cell_resistances=chord)
        cur = np.zeros((n, m))
        for i in range(n):
            for j in range(m):
                vc = dc.cell_v[i, j]
                if r_sel == 0.0:
                    cur[i, j] = pre[i, j] * np.sinh(vc / P.v0)
                elif vc != 0.0:
                    cur[i, j] = brentq(lambda x: x - pre[i, j] * np.sinh((vc - x * r_sel) / P.v0),
                                       0.0, vc / r_sel, xtol=1e-30, rtol=1e-15)
        new = np.where(cur != 0.0, dc.cell_v / np.where(cur != 0.0, cur, 1.0), chord)
        if np.max(np.abs(new / chord - 1.0)) < 1e-10:
            return dc
        chord = chord * np.sqrt(new / chord)  # damped: a floating array oscillates undamped
    raise AssertionError("the reference did not converge")


@pytest.mark.parametrize("size,cell,scheme,polarity,v_read", [
    (2, "1S1R", "v/2", "reverse", 4.0),
    (3, "1S1R", "floating", "reverse", 4.0),
    (3, "1S1R", "v/3", "forward", 3.5),
    (3, "1R", "floating", "forward", 2.0),
])
def test_rram_read_currents_equal_the_nonlinear_nodal_solution(size, cell, scheme, polarity, v_read):
    """The study's read of an RRAM array (selector fixed at R_min, i.e. fully ON, so that the
    memories carry read currents and sit in their nonlinear range: the HRS cell of a reverse
    4 V read takes ~1.4 V) gives the sensed current and the selected cell's current of the
    independent nonlinear solution to 1e-9 relative (measured: <= 5e-11; ngspice converges
    the B-source law to far below its reltol here, and the reference stops at 1e-10 chord
    change), in both worst-case patterns, and moves no gap."""
    setup = cs.read_setup("rram", polarity, v_read, cell=cell, scheme=scheme)
    r_sel = R_MIN if cell == "1S1R" else 0.0
    for name in ("lrs_worst", "hrs_worst"):
        spec = cs.spec_for(size, cell, scheme, cs._patterns(size)[name], setup)
        if cell == "1S1R":
            spec = spec.replace(selector_resistance=r_sel)
        got = read(spec, seed=1)
        ref = _nonlinear_reference(spec, r_sel)
        assert got.sensed == pytest.approx(ref.sense_current, rel=1e-9), name
        assert got.cell == pytest.approx(ref.cell_i[spec.selected], rel=1e-9), name
        assert got.memory_log_g_change == 0.0, name


def test_live_rram_reads_move_no_gap_and_give_both_margins():
    """The study's reverse 4 V read on the 10 kOhm load with every selector live, 2 x 2, V/2,
    two seeds: in every one of the three reads no RRAM gap moved (exactly 0: below the field
    threshold the model's dg/dt is 0), the selected selector switched, and the voltage
    margin is R_load (I_LRS,min - I_HRS,max) / V_read of the same two reads (the load is the
    pull-up: an identity, 1e-12)."""
    from spicemem.experiments.crossbar_sneak import _reads

    setup = cs.read_setup("rram")
    for seed in (1, 2):
        got = _reads(2, "1S1R", "v/2", seed, setup=setup)
        assert set(got) == {"lrs_same", "lrs_worst", "hrs_worst"}
        for name, r in got.items():
            assert r.memory_log_g_change == 0.0, (seed, name)
            assert r.t_selected_on is not None, (seed, name)
        row = cs.sweep_realization(seed=seed, size=2, cell="1S1R", scheme="v/2", memory="rram")
        assert row["gap_moved_max_m"] == 0.0
        i_l, i_h = row["sense_current_lrs_worst_a"], row["sense_current_hrs_a"]
        assert row["margin_voltage"] == pytest.approx(10e3 * (i_l - i_h) / 4.0, rel=1e-12)
        assert row["margin_fixed_threshold"] == pytest.approx((i_l - i_h) / i_l, rel=1e-12)
        assert row["selector_switched"] == 1.0


def test_the_disturb_check_sees_a_read_that_moves_gaps():
    """Not a check of zeros: a 1R reverse 4 V V/2 read on the 10 kOhm load (allowed: its
    selected cell is safe) lifts the selected column to ~3.5 V through the load, and the HRS
    cells on that column, at 2 V rows, take ~1.46 V in their SET direction, above the
    1.392 V threshold: the read reports the gap change (g0 ln of the G0 change: > 0.5 nm),
    and a study row with such a read is not usable, whatever its margin."""
    setup = cs.read_setup("rram", "reverse", 4.0, cell="1R", scheme="v/2")
    spec = cs.spec_for(3, "1R", "v/2", cs._patterns(3)["lrs_worst"], setup)
    got = read(spec, seed=1)
    assert P.g0 * got.memory_log_g_change > 0.5e-9
    row = cs.sweep_realization(seed=1, size=3, cell="1R", scheme="v/2", memory="rram")
    assert row["gap_moved_max_m"] > 0.5e-9
    fake = {"cell": "1R", "memory": "rram", "margin_fixed_threshold": 0.9,
            "margin_fixed_threshold_ci95": 0.01, "gap_moved_max_m": row["gap_moved_max_m"]}
    assert not cs._usable(fake)
    assert cs._usable({**fake, "gap_moved_max_m": 0.0})
    # behind a selector, also every read's selector must have switched
    sel = {**fake, "cell": "1S1R", "gap_moved_max_m": 0.0, "selector_switched": 1.0}
    assert cs._usable(sel) and not cs._usable({**sel, "selector_switched": 2 / 3})


@pytest.mark.parametrize("polarity,state", [("forward", "hrs_worst")])
def test_the_forward_limit_is_where_the_model_starts_to_set(polarity, state):
    """The refusal's number is the RRAM model's own threshold: a 1 x 1 1S1R forward read of an
    HRS cell with the selector fixed at R_min (its least resistance) and the 10 kOhm load,
    run through the bridge (the Stanford kernel, not the formula), leaves the gap exactly in
    place 0.02 V below ``forward_set_v`` and moves it 0.02 V above (the 2 Ohm wires, left
    out of the bound, shift the real threshold by < 1 mV)."""
    lim = cs.rram_read_limits("1S1R", "v/2", 10e3)["forward_set_v"]
    assert 3.6 < lim < 3.8  # 1.392 V + (1.392 V / 9.54 kOhm) x 15.78 kOhm
    moved = {}
    for dv in (-0.02, 0.02):
        setup = {"memory": "rram", "read_polarity": polarity, "v_read": lim + dv, "r_load": 10e3}
        spec = cs.spec_for(1, "1S1R", "v/2", ((0,),), setup).replace(selector_resistance=R_MIN)
        moved[dv] = read(spec, seed=1).memory_log_g_change
    assert moved[-0.02] == 0.0
    assert P.g0 * moved[0.02] > 1e-12
    with pytest.raises(ValueError, match=f"above {lim:.2f} V"):
        cs.read_setup("rram", "forward", lim + 0.02)
    assert cs.read_setup("rram", "forward", lim - 0.02)["v_read"] == pytest.approx(lim - 0.02)


@pytest.mark.parametrize("kwargs,match", [
    ({"memory": "rram", "read_polarity": "forward", "v_read": 4.0}, r"SETs an HRS RRAM cell.*3\.69 V"),
    ({"memory": "rram", "read_polarity": "forward", "v_read": 2.5, "r_load": 100.0}, r"above 2\.25 V"),
    ({"read_polarity": "reverse"}, "fixed memory resistors have no polarity"),
    ({"memory": "rram", "v_read": 0.0}, r"'v_read' must be in \[0\.1, 20\] V"),
    ({"memory": "rram", "r_load": -5.0}, r"'r_load' must be in"),
    ({"memory": "rram", "read_polarity": "sideways"}, "read_polarity"),
    ({"memory": "taox"}, "memory"),
    ({"memory": "rram", "scheme": "v/4"}, "scheme"),
])
def test_impossible_reads_are_refused_in_one_line(kwargs, match):
    with pytest.raises(ValueError, match=match) as exc:
        cs.read_setup(**kwargs)
    assert "\n" not in str(exc.value)


def test_refusals_reach_the_sweep_function_and_the_example():
    with pytest.raises(ValueError, match="SETs an HRS RRAM cell"):
        cs.sweep_realization(seed=1, size=2, cell="1S1R", scheme="v/2", memory="rram",
                             read_polarity="forward", v_read=4.0)
    with pytest.raises(ValueError, match="voltage_only applies to fixed memory resistors"):
        cs.sweep_realization(seed=1, size=2, cell="1S1R", scheme="v/2", memory="rram", voltage_only=True)
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "crossbar_margins.py"), "--memory", "rram",
                           "--read-polarity", "forward", "--v-read", "4", "--out", "/nonexistent/x"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "SETs an HRS RRAM cell" in lines[0] and "3.69 V" in lines[0]


def test_rram_sweep_table_rows(tmp_path):
    """The RRAM study as a sweep table (2 x 2, V/2, two seeds, the reverse read): its row is
    labelled by the read, carries both margins with the Student-t interval of the table's own
    values, the largest gap change over every read (0) and the usable decision; the window
    table and the markdown name the read.  A resistor table next to it keeps its own rows."""
    from scipy.stats import t as student

    from spicemem.sweep import run_sweep

    spec = {"sweep": {"target": "python", "seed": 2, "realizations": 2, "metrics": list(cs.SWEEP_METRICS)},
            "python": {"function": "spicemem.experiments.crossbar_sneak:sweep_realization", "size": 2,
                       "cell": "1S1R", "memory": "rram", "worst_only": True},
            "parameters": {"python.scheme": ["v/2"]}}
    run_sweep(spec, tmp_path, workers=0, progress=False, log=lambda *_: None)
    summary = cs.summarize_table(tmp_path / "results.csv")
    (row,) = summary["results"]
    assert row["config"] == "1S1R rram reverse 4 V 10000 Ohm"
    assert (row["memory"], row["read_polarity"], row["v_read"], row["r_load"]) == ("rram", "reverse", 4.0, 10e3)
    with open(tmp_path / "results.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    vals = np.array([float(r["margin_fixed_threshold"]) for r in table])
    assert row["margin_fixed_threshold"] == pytest.approx(vals.mean(), rel=1e-12)
    half = student.ppf(0.975, 1) * vals.std(ddof=1) / np.sqrt(2)
    assert row["margin_fixed_threshold_ci95"] == pytest.approx(half, rel=1e-9)
    assert row["gap_moved_max_m"] == 0.0 and row["reads_disturbed"] == 0
    switched = all(float(r["selector_switched"]) == 1.0 for r in table)
    assert row["usable"] == bool(switched and vals.mean() - half > cs.USABLE_MARGIN)
    assert np.isnan(row["read_margin"])  # worst_only: its LRS same-background read was not made
    assert set(summary["largest_usable"]) == {"1S1R rram reverse 4 V 10000 Ohm"}
    assert "RRAM memories" in summary["statement"] and "A gap moved in 0 of 1" in summary["statement"]
    md = cs.markdown_tables(summary)
    assert "**1S1R rram reverse 4 V 10000 Ohm: fixed-threshold margin (%)" in md
    assert "| 2 | v/2 |" in md
    win = cs.window_table(summary["results"])
    assert "reverse read, v/2, 10000 Ohm load" in win and "| 2 | " in win


def test_the_rram_study_through_run_and_the_registered_experiment():
    """``crossbar_sneak.run(memory="rram")`` (what ``spicemem experiment crossbar-sneak-rram``
    runs) at 2 x 2, V/2, two realizations: the row carries its read, the read limits, every
    realization's gap change (0), both margins with their interval, and the traced read."""
    from spicemem.experiments import EXPERIMENTS, load

    assert EXPERIMENTS["crossbar-sneak-rram"] == ".crossbar_sneak_rram"
    result = load("crossbar-sneak-rram").run(seed=1, realizations=2, sizes=[2], schemes=["v/2"])
    (row,) = result["results"]
    assert (row["memory"], row["read_polarity"], row["v_read"], row["r_load"]) == ("rram", "reverse", 4.0, 10e3)
    assert row["gap_moved_per_realization_m"] == [0.0, 0.0] and row["reads_disturbed"] == 0
    assert row["read_limits_v"]["forward_set_v"] == pytest.approx(cs.rram_read_limits()["forward_set_v"])
    assert len(row["margin_fixed_threshold_per_realization"]) == 2
    assert np.isfinite(row["margin_fixed_threshold_ci95"]) and np.isfinite(row["margin_voltage_ci95"])
    assert result["params"]["memory"] == "rram" and result["params"]["pulse"]["amplitude"] == 4.0
    assert result["trace"]["size"] == 2 and "RRAM memories" in result["statement"]
