"""The crossbar-sneak study at small sizes: selectors keep the read margin, half-selected
selectors stay OFF, the selected one switches within the read pulse."""

import json

import numpy as np
import pytest

from spicemem.experiments import run_experiment

pytestmark = pytest.mark.ngspice


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("crossbar_sneak")
    js, png = run_experiment("crossbar-sneak", out, seed=11, quick=True, progress=False)
    return json.loads(js.read_text()), js, png


def _rows(result, **match):
    return [r for r in result["results"] if all(r[k] == v for k, v in match.items())]


def test_contract_files_and_keys(study):
    result, js, png = study
    assert png.stat().st_size > 5000
    assert png.with_name("crossbar-sneak_read.png").stat().st_size > 5000
    assert result["seed"] == 11 and result["quick"] is True
    assert {r["size"] for r in result["results"]} == {2, 4, 8}
    for r in result["results"]:
        for key in ("size", "cell", "scheme", "read_margin", "sneak_current_a", "half_selected_on",
                    "half_selected_max_v"):
            assert key in r, (key, r)
    assert "Largest usable crossbar" in result["statement"]


def test_selectors_improve_the_margin(study):
    result = study[0]
    for n in (2, 4, 8):
        for scheme in ("floating", "v/2", "v/3"):
            (one_r,) = _rows(result, size=n, cell="1R", scheme=scheme)
            (sel,) = _rows(result, size=n, cell="1S1R", scheme=scheme)
            assert sel["read_margin"] > one_r["read_margin"] + 0.1, (n, scheme, sel["read_margin"],
                                                                     one_r["read_margin"])
            assert sel["sneak_current_a"] < 0.01 * one_r["sneak_current_a"], (n, scheme)
    # without selectors the margin falls with the array size; with them it stays usable
    for scheme in ("floating", "v/2", "v/3"):
        m = [r["read_margin"] for r in sorted(_rows(result, cell="1R", scheme=scheme),
                                               key=lambda r: r["size"])]
        assert m[0] > m[1] > m[2], (scheme, m)
        assert all(r["read_margin"] > 0.5 for r in _rows(result, cell="1S1R", scheme=scheme))


def test_direct_solution_agrees_with_ngspice_for_1r(study):
    for r in _rows(study[0], cell="1R"):
        assert r["nodal_rel_err"] < 1e-9, r


def test_half_selected_selectors_stay_off_and_selected_switches_in_time(study):
    result = study[0]
    width = result["params"]["pulse"]["width"]
    v_read = result["params"]["pulse"]["amplitude"]
    for r in _rows(result, cell="1S1R"):
        assert r["half_selected_on"] is False, r
        assert r["selectors_on_other"] == 0, r
        # the selected selector of an LRS cell is ON before the sense window (the second
        # half of the plateau); in an HRS cell the memory limits it to ~0.1-0.2 G_max, at
        # the ON threshold, so its crossing time is not asserted
        t_lrs = r["t_selected_on_s"][0]
        assert t_lrs is not None and 0 < t_lrs < 0.5 * width, r
        if r["scheme"] == "v/2":
            assert r["half_selected_max_v"] == pytest.approx(v_read / 2, rel=0.02)
        if r["scheme"] == "v/3":
            assert r["half_selected_max_v"] == pytest.approx(v_read / 3, rel=0.02)


def test_time_resolved_read(study):
    """The traced read: the half-selected selectors' largest conductance stays below the ON
    threshold all along; the selected one is ON over the whole sense window."""
    result = study[0]
    tr = result["trace"]
    pulse = result["params"]["pulse"]
    on = result["params"]["selector_on_fraction"]
    t_off = pulse["delay"] + pulse["rise"] + pulse["width"]
    for key in ("lrs", "hrs"):
        t = np.asarray(tr[key]["time_s"])
        half = np.asarray(tr[key]["half_selected_g_norm_max"])
        sel = np.asarray(tr[key]["selected_g_norm"])
        assert half.max() < on, (key, half.max())
        window = (t >= t_off - 0.5 * pulse["width"]) & (t <= t_off)
        assert window.sum() >= 3
        # LRS: fully ON; HRS: switched (>= 30x its OFF conductance), current-limited by 100 kOhm
        floor = on if key == "lrs" else 30 * sel[0]
        assert sel[window].min() > floor, (key, sel[window].min(), floor)
    i_lrs = np.asarray(tr["lrs"]["sense_current_a"])
    i_hrs = np.asarray(tr["hrs"]["sense_current_a"])
    assert i_lrs.max() > 3 * i_hrs.max()


def test_1r_margins_follow_the_literature_definitions(study):
    """The study's 1R margins (through ngspice) equal the definitions evaluated on the direct
    nodal solution of the worst-case patterns, to 1e-9: the fixed-threshold margin is the
    lowest LRS reading (others HRS) against the highest HRS reading (others LRS), and is
    already negative at 4x4 (issue 16: -22 % floating, -37 % V/2, -0.9 % V/3)."""
    from spicemem.crossbar import solve_dc
    from spicemem.experiments.crossbar_sneak import R_PU, _patterns, spec_for

    expected_4x4 = {"floating": -0.222, "v/2": -0.368, "v/3": -0.009}
    for r in _rows(study[0], cell="1R"):
        n, sch = r["size"], r["scheme"]
        pats = _patterns(n)
        i_l = solve_dc(spec_for(n, "1R", sch, pats["lrs_worst"])).sense_current
        i_h = solve_dc(spec_for(n, "1R", sch, pats["hrs_worst"])).sense_current
        assert r["margin_fixed_threshold"] == pytest.approx((i_l - i_h) / i_l, rel=1e-9, abs=1e-12)
        v_l = R_PU * solve_dc(spec_for(n, "1R", sch, pats["lrs_worst"]).replace(r_sense=R_PU)).sense_current
        v_h = R_PU * solve_dc(spec_for(n, "1R", sch, pats["hrs_worst"]).replace(r_sense=R_PU)).sense_current
        assert r["margin_voltage"] == pytest.approx((v_l - v_h) / 4.0, rel=1e-9, abs=1e-12)
        if n == 4:
            assert r["margin_fixed_threshold"] == pytest.approx(expected_4x4[sch], abs=1e-3)
            assert r["usable"] is False


def test_1s1r_rows_carry_realizations_and_an_interval(study):
    """Quick run: 2 realizations per 1S1R row; each margin has its per-realization values and
    a finite 95 % interval, and 'usable' is decided on the interval's lower end."""
    for r in _rows(study[0], cell="1S1R"):
        assert r["realizations"] == 2
        for name in ("margin_fixed_threshold", "margin_voltage", "read_margin"):
            vals = r[name + "_per_realization"]
            assert len(vals) == 2 and r[name] == pytest.approx(np.mean(vals), rel=1e-12)
            assert r[name + "_ci95"] is not None and r[name + "_ci95"] >= 0
        lower = r["margin_fixed_threshold"] - r["margin_fixed_threshold_ci95"]
        assert r["usable"] == (lower > 0.10)
        assert set(r["reads_selector_on_throughout"]) == {"lrs_same", "lrs_worst", "hrs_worst",
                                                          "lrs_worst_pu", "hrs_worst_pu"}


def test_a_read_whose_selector_never_switches_is_flagged():
    """A 1 V read of a 2x2 1S1R array: the selected selector (threshold about 2 V here) never
    turns ON, so the read is flagged (not ON throughout the window, no ON time)."""
    from spicemem.crossbar import Crossbar, Pulse
    from spicemem.crossbar.read import read

    r = read(Crossbar(2, 2, cell="1S1R", pulse=Pulse(amplitude=1.0)), seed=3)
    assert r.selected_on_throughout is False and r.t_selected_on is None
    assert r.half_selected_on is False and r.window == pytest.approx((1.15e-6, 2.15e-6))


def test_the_study_through_spicemem_sweep(tmp_path):
    """The study as a sweep (target python, crossbar_sneak.sweep_realization) and its table
    summarized: the 1R margins equal the study's own rows (deterministic: 1e-12, interval 0
    over the two identical realizations), a 1S1R row's mean and interval are the Student-t
    interval of the table's own values (exact bookkeeping), each row re-runs alone from its
    seed (the same numbers), and usability is decided on the interval's lower end."""
    from scipy.stats import t as student

    from spicemem.experiments import crossbar_sneak as cs
    from spicemem.sweep import run_sweep

    spec = {"sweep": {"target": "python", "seed": 3, "realizations": 2, "metrics": list(cs.SWEEP_METRICS)},
            "python": {"function": "spicemem.experiments.crossbar_sneak:sweep_realization", "size": 2},
            "parameters": {"python.cell": ["1R", "1S1R"], "python.scheme": ["v/2", "v/3"]}}
    run_sweep(spec, tmp_path, workers=0, progress=False, log=lambda *_: None)
    summary = cs.summarize_table(tmp_path / "results.csv")
    rows = {(r["cell"], r["scheme"]): r for r in summary["results"]}
    assert set(rows) == {(c, s) for c in ("1R", "1S1R") for s in ("v/2", "v/3")}
    for scheme in ("v/2", "v/3"):
        ref = cs.measure(2, "1R", scheme, seed=0)
        got = rows[("1R", scheme)]
        for name in ("margin_fixed_threshold", "margin_voltage", "read_margin"):
            assert got[name] == pytest.approx(ref[name], rel=1e-12, abs=1e-15), (name, got, ref)
            assert got[name + "_ci95"] == 0.0
    import csv
    with open(tmp_path / "results.csv", newline="") as fh:
        table = [r for r in csv.DictReader(fh) if r["python.cell"] == "1S1R" and r["python.scheme"] == "v/2"]
    vals = np.array([float(r["margin_fixed_threshold"]) for r in table])
    got = rows[("1S1R", "v/2")]
    assert got["realizations"] == 2 == vals.size
    assert got["margin_fixed_threshold"] == pytest.approx(vals.mean(), rel=1e-12)
    half = student.ppf(0.975, 1) * vals.std(ddof=1) / np.sqrt(2)
    assert got["margin_fixed_threshold_ci95"] == pytest.approx(half, rel=1e-9)
    assert got["usable"] == bool(vals.mean() - half > cs.USABLE_MARGIN)
    again = cs.sweep_realization(seed=int(table[0]["seed"]), size=2, cell="1S1R", scheme="v/2")
    assert again["margin_fixed_threshold"] == pytest.approx(float(table[0]["margin_fixed_threshold"]),
                                                            rel=1e-12)
    assert "floating" not in summary["largest_usable"]["1R"]  # not run: not reported as unusable


def test_worst_only_keeps_every_read_of_a_1r_row():
    """worst_only (the 64 x 64 sweep) skips reads only where they are live transients: a 1R
    row is five operating points either way, with the same numbers (deterministic)."""
    from spicemem.experiments.crossbar_sneak import sweep_realization

    full = sweep_realization(seed=1, size=3, cell="1R", scheme="v/3")
    worst = sweep_realization(seed=1, size=3, cell="1R", scheme="v/3", worst_only=True)
    np.testing.assert_equal(worst, full)  # NaN (no selector) equals NaN here
    assert np.isfinite(worst["margin_voltage"]) and np.isfinite(worst["read_margin"])


def test_two_sweep_tables_join_into_one_study(tmp_path):
    """The 2..32 and 64 x 64 sweeps are separate tables: summarize_tables joins their rows
    (each as summarize_table gives it) and decides the usable size over both; the README's
    markdown table shows each 1R margin as the study computes it (1R only: operating points,
    cheap)."""
    from spicemem.experiments import crossbar_sneak as cs
    from spicemem.sweep import run_sweep

    for n in (2, 3):
        spec = {"sweep": {"target": "python", "seed": 3, "realizations": 1, "metrics": list(cs.SWEEP_METRICS)},
                "python": {"function": "spicemem.experiments.crossbar_sneak:sweep_realization", "size": n,
                           "cell": "1R"},
                "parameters": {"python.scheme": ["v/2", "v/3"]}}
        run_sweep(spec, tmp_path / str(n), workers=0, progress=False, log=lambda *_: None)
    paths = [tmp_path / "2" / "results.csv", tmp_path / "3" / "results.csv"]
    joined = cs.summarize_tables(paths)
    alone = [r for p in paths for r in cs.summarize_table(p)["results"]]
    key = lambda r: (r["size"], r["scheme"])  # noqa: E731
    assert sorted(map(key, joined["results"])) == sorted(map(key, alone))
    ref = cs.measure(3, "1R", "v/3", seed=0)
    row = next(r for r in joined["results"] if key(r) == (3, "v/3"))
    assert row["margin_fixed_threshold"] == pytest.approx(ref["margin_fixed_threshold"], rel=1e-12)
    assert f"| 3 | -- | {100 * cs.measure(3, '1R', 'v/2', seed=0)['margin_fixed_threshold']:.1f} | " \
           f"{100 * ref['margin_fixed_threshold']:.1f} |" in cs.markdown_tables(joined)
    assert joined["largest_usable"]["1R"] == cs.largest_usable(alone)["1R"]


def test_worst_only_and_voltage_only_tables_join_into_the_full_rows(tmp_path):
    """The 64 x 64 1S1R rows are two tables of the same sweep seed: ``worst_only`` (the
    fixed-threshold margin's two reads) and ``voltage_only`` (the voltage margin's two
    pull-up reads).  Here at 2 x 2: joined, they give the same margins, per realization, as
    the sweep that makes all five reads (each read depends only on its seed: 1e-12), and the
    interval is over both realizations, not four half-empty rows."""
    from spicemem.experiments import crossbar_sneak as cs
    from spicemem.sweep import run_sweep

    def sweep(name, **only):
        spec = {"sweep": {"target": "python", "seed": 5, "realizations": 2, "metrics": list(cs.SWEEP_METRICS)},
                "python": {"function": "spicemem.experiments.crossbar_sneak:sweep_realization", "size": 2,
                           "cell": "1S1R", **only},
                "parameters": {"python.scheme": ["v/2"]}}
        run_sweep(spec, tmp_path / name, workers=0, progress=False, log=lambda *_: None)
        return tmp_path / name / "results.csv"

    full = cs.summarize_table(sweep("full"))["results"][0]
    joined = cs.summarize_tables([sweep("worst", worst_only=True), sweep("volt", voltage_only=True)])
    (row,) = joined["results"]
    assert row["realizations"] == 2 == full["realizations"]
    for name in ("margin_fixed_threshold", "margin_voltage"):
        np.testing.assert_allclose(sorted(row[name + "_per_realization"]),
                                   sorted(full[name + "_per_realization"]), rtol=1e-12)
        assert row[name + "_ci95"] == pytest.approx(full[name + "_ci95"], rel=1e-9)
    assert row["read_margin_per_realization"] == []  # its LRS read (same background) was not made
    with pytest.raises(ValueError, match="exclude each other"):
        cs.sweep_realization(seed=1, size=2, cell="1S1R", scheme="v/2", worst_only=True, voltage_only=True)
