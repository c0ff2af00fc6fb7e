"""The Fig. 4 experiments (issue 3) at quick size, run through the CLI.

Each experiment runs once per session (``--quick --seed 1``) and every test reads its JSON.
Quick sizes: fig4a, fig4b and ppd-low-frequency 8 realizations, fig4a-tau 10 per
temperature at 4 temperatures.  The tolerances are written beside each check with the
reason they hold at that count; the expected values come from the full-size runs recorded
in docs/calibration.md.  A kernel change that keeps the distributions (but not the random
numbers) must still pass, so no check relies on the particular seed.
"""

import json

import numpy as np
import pytest

from spicemem.cli import main

KEYS = {
    "fig4a": ["t", "g_mean", "temperature_mean", "delay", "relaxation_time", "g_peak",
              "relaxation_time_median"],
    "fig4a-tau": ["temperatures", "tau", "tau_stderr", "A", "B", "tau_mean_curve", "A_bootstrap_se",
                  "B_bootstrap_se"],
    "fig4b": ["g_after_pulse", "peak_pulse", "g_peak", "g_final", "left_cluster_fraction_after_pulse"],
    "ppd-low-frequency": ["g_after_pulse"],
}
COMMON = ["experiment", "seed", "quick", "realizations", "params", "wall_time_s"]


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """``quick(name)`` -> (JSON dict, output dir); each experiment runs at most once."""
    out = tmp_path_factory.mktemp("fig4")
    done = {}

    def get(name):
        if name not in done:
            rc = main(["experiment", name, "--out", str(out), "--quick", "--seed", "1"])
            assert rc == 0, f"{name}: exit code {rc}"
            done[name] = json.loads((out / f"{name}.json").read_text())
        return done[name], out

    return get


@pytest.mark.parametrize("name", sorted(KEYS))
def test_cli_writes_json_and_png_with_every_key(quick, name):
    data, out = quick(name)
    missing = [k for k in KEYS[name] + COMMON if k not in data]
    assert not missing, f"{name}: missing JSON keys {missing}"
    assert data["seed"] == 1 and data["quick"] is True and data["experiment"] == name
    assert data["params"]["preset"] == "wang2017_fig4"
    assert (out / f"{name}.png").stat().st_size > 10_000


def test_fig4a_delay_then_switch_then_relaxation(quick):
    d, _ = quick("fig4a")
    t, g = np.asarray(d["t"]), np.asarray(d["g_mean"])
    early = g[(t >= d["t_on"]) & (t <= d["t_on"] + 0.1)]
    # Delay: 0.27/kappa at full size.  A bridge needs a particle to leave the left cluster
    # and the device to heat up: the mean of 30 stays below 0.02 for the first 0.1/kappa,
    # and quick runs with seeds 1-4 peak at <= 0.022 there (OFF: 0.016).  0.05 allows one
    # early bridge (0.8 G_max / 8 = 0.1 would fail: that has not been seen).  Seeds 1-10
    # (examples/test_seed_spread.py fig4): delay 0.29 +- 0.05 (mean +- sd; the bound 0.1
    # is 3.5 sd below), early maximum 0.020 +- 0.003 (9 sd below 0.05).
    assert d["delay"] is not None and d["delay"] > 0.1, d["delay"]
    assert early.max() < 0.05, early.max()
    # Switch: 29 of 30 realizations are ON at the pulse end in the full run (peak of the
    # mean 0.79; quick seeds 1-4: 0.80-0.89); the mean of 8 falls below 0.3 only if about
    # 5 of them fail to switch.  Seeds 1-10: 0.82 +- 0.05.
    assert d["g_peak"] > 0.3, d["g_peak"]
    # Relaxation: the median realization is back below 0.02 G_max after 29/kappa at full
    # size (quick seeds 1-4: 29-43); the quick run lasts 60/kappa after the pulse, and its
    # mean curve ends low (quick seeds 1-4: <= 0.05).  Seeds 1-10: median 27.6 +- 7.2
    # (4.5 sd below 60), mean of the last 50 points 0.033 +- 0.021 (3.2 sd below 0.1).  On
    # 18k's streams at 0.2 (docs/fig4/test-spread-quick-0.2.json): delay 0.29 +- 0.05 (3.8 sd
    # above 0.1), early maximum 0.021 +- 0.004, peak 0.81 +- 0.05, median 28 +- 8 (4.2 sd),
    # tail 0.030 +- 0.019 (3.7 sd).
    assert d["relaxation_time_median"] is not None and d["relaxation_time_median"] < 60.0, d
    assert g[-50:].mean() < 0.1, g[-50:].mean()


def test_fig4a_tau_arrhenius(quick):
    d, _ = quick("fig4a-tau")
    tau = np.asarray(d["tau"], dtype=float)
    assert np.all(np.isfinite(tau)), tau
    # The quick run (10 realizations at 4 temperatures) cannot pin B.  Over seeds 1-10
    # (python examples/test_seed_spread.py fig4 ...): B = 0.78 +- 0.33 (mean +- sd, range
    # 0.33-1.39), its bootstrap error 0.21-0.42 (mean 0.30, the same as the seed spread),
    # ln(tau(0.30)/tau(0.45)) = 0.84 +- 0.35.  The former checks, 0.2 < B and tau(0.30) >
    # tau(0.45), sat 1.7 and 2.4 sd from the mean: about 1 seed in 25 fails the first.
    # What the run supports is agreement with the full-size value within 4 of its own
    # bootstrap errors.  The full-size value on issue 18k's keyed hybrid streams: B = 0.80 +-
    # 0.024 over seeds 1-15 at the default step 0.2 (0.81 +- 0.03 over seeds 1-5, the README's
    # table; python examples/reproduce_tables.py, docs/calibration.md).  It was 0.87 +- 0.04 on
    # the streams before 18k (-1.4 SE: a new draw, not new physics).  Quick seeds 1-10 on the
    # new streams: B 0.93 +- 0.22 (mean +- sd), bootstrap error 0.27 +- 0.08, z against 0.80
    # from -0.74 to +1.27, mean +0.37, sd 0.79 (the quick run's B sits ~0.13 high: 4
    # temperatures), so the bound 4 is 4.6 sd of z away (docs/fig4/test-spread-quick-0.2.json;
    # against the old 0.87 up to 1.10).  B itself is reproduced at full size, not here.
    z = (d["B"] - 0.80) / d["B_bootstrap_se"]
    assert abs(z) < 4.0, (d["A"], d["B"], d["B_bootstrap_se"], z)


def test_fig4a_tau_keeps_every_realization_on_independent_streams(quick):
    d, _ = quick("fig4a-tau")
    rows = d["per_temperature"]
    # Per-realization relaxation times are stored (issue 14), one per realization.
    assert all(len(r["tau_per_realization"]) == d["realizations"] for r in rows)
    # Each temperature has its own stream block: no two temperatures give the same times
    # (with one shared stream, neighbouring temperatures had near-identical realizations).
    taus = [tuple(r["tau_per_realization"]) for r in rows]
    assert len(set(taus)) == len(taus)
    # The bootstrap error of B exists and is of the size the quick run allows: 0.30 +- 0.09
    # (mean +- sd over seeds 1-10, range 0.21-0.42; the bounds are 2.9 and 14 sd away); on
    # 18k's streams 0.27 +- 0.08, range 0.20-0.44 (bounds 2.9 and 16 sd away).
    assert 0.05 < d["B_bootstrap_se"] < 1.5, d["B_bootstrap_se"]


def test_fig4b_rise_peak_decline(quick):
    d, _ = quick("fig4b")
    g = np.asarray(d["g_after_pulse"])
    left = np.asarray(d["left_cluster_fraction_after_pulse"])
    # Rise: the first pulse leaves the device near OFF (0.03 at full size), and G grows
    # pulse by pulse to 0.70 after 7 pulses (quick seeds 1-4: 0.65-0.84; the standard
    # error of a mean of 8 is < 0.1).  Seeds 1-10: G1 0.026 +- 0.008, G7 - G1 0.63 +- 0.11
    # (3.9 sd above 0.2), peak 0.79 +- 0.05 at pulse 7-10; at the step 0.2 (the default):
    # G1 0.026 +- 0.008, G7 - G1 0.60 +- 0.13 (3.0 sd above 0.2, lowest 0.37), peak at 8-14;
    # on 18k's streams G7 - G1 0.63 +- 0.10 (4.2 sd, lowest 0.46), peak 0.78 +- 0.07 at 7-11.
    assert g[0] < 0.1 and g[6] > g[0] + 0.2, g[:7]
    # Peak in the interior of the train (pulse 9 at full size, 8-9 in quick runs).
    assert 4 <= d["peak_pulse"] <= 26 and d["g_peak"] > 0.4, (d["peak_pulse"], d["g_peak"])
    # Decline by at least 30 % of the peak while the same pulses continue (97 % at full size).
    assert d["g_final"] < 0.7 * d["g_peak"], (d["g_final"], d["g_peak"])
    # The left cluster is depleted: from 1/2 of the particles to 0.2 % at full size.
    assert left[-1] < 0.5 * left[0], left


def test_ppd_low_frequency_declines_from_the_first_pulse(quick):
    d, _ = quick("ppd-low-frequency")
    g = np.asarray(d["g_after_pulse"])
    se = np.asarray(d["g_after_pulse_stderr"])
    # No facilitation: the first pulse gives the highest conductance, and no later step
    # rises by more than two standard errors of the difference (8 realizations: se <= 0.1;
    # in quick seeds 1-4 every step falls).
    steps = np.diff(g)
    noise = 2.0 * np.sqrt(se[1:] ** 2 + se[:-1] ** 2)
    assert np.all(steps < noise), (g, se)
    assert g[0] > g.max() - 2 * se.max(), g
    # Depression: the last pulse is far below the first (0.86 -> 0.06 over 8 pulses at full
    # size, 0.9 -> 0.03-0.16 over 5 in quick runs).  Seeds 1-10: last/first 0.17 +- 0.11
    # (3.1 sd below 0.5); the largest step over its noise bound 2 SE: -0.24 +- 0.35 (the
    # bound 1 is 3.5 sd away).  On 18k's streams at 0.2: last/first 0.17 +- 0.13, skewed (seed 3
    # 0.47; the bound is 2.5 sd away), largest step -0.20 +- 0.38 (3.2 sd).  The bound is left
    # at 0.5 (the paper's depression is 0.86 -> 0.06); seed 1, which this test runs, gives 0.15.
    assert g[-1] < 0.5 * g[0], g


def test_bad_name_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["experiment", "fig4c", "--out", str(tmp_path), "--quick", "--seed", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[1].startswith("spicemem: error:") and "fig4c" in err[1], err
    assert not list(tmp_path.iterdir())


def test_unwritable_out_is_one_line_and_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["experiment", "fig4b", "--out", str(blocker / "sub"), "--quick", "--seed", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[1].startswith("spicemem: error:") and str(blocker) in err[1], err


def test_list_names_the_fig4_experiments(capsys):
    assert main(["experiment", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name in KEYS:
        assert any(line.split()[0] == name for line in lines), (name, lines)


# -- analysis helpers on synthetic data (exact answers) --------------------------------------

def test_first_crossing_interpolates_and_reports_nan():
    from spicemem.experiments.analysis import first_crossing

    t = np.arange(6.0)
    y = np.array([0.0, 0.0, 0.2, 0.6, 0.4, 0.0])
    assert first_crossing(t, y, 0.1, start=0.0, rising=True) == pytest.approx(1.5)
    assert first_crossing(t, y, 0.5, start=3.0, rising=False) == pytest.approx(3.5)
    assert np.isnan(first_crossing(t, y, 0.9, start=0.0, rising=True))
    assert first_crossing(t, y, 0.1, start=3.0, rising=True) == 3.0  # already above


def test_relaxation_times_switched_censored_and_unswitched():
    from spicemem.experiments.analysis import censored_median, relaxation_times

    t = np.linspace(0.0, 10.0, 101)
    g = np.vstack([np.where(t < 3.0, 0.5, 0.01),  # relaxes 2 after t_off = 1
                   np.full_like(t, 0.5),  # never relaxes in the record: +inf
                   np.full_like(t, 0.015)])  # OFF at the end of the pulse: not counted
    tau = relaxation_times(t, g, 1.0)
    assert tau[0] == pytest.approx(2.0, abs=0.1) and np.isinf(tau[1]) and np.isnan(tau[2])
    assert np.isinf(censored_median(tau))  # half of the switched ones are censored
    assert censored_median([1.0, 2.0, np.inf]) == 2.0


def test_fit_arrhenius_recovers_a_and_b_exactly():
    from spicemem.experiments.analysis import fit_arrhenius

    theta = np.linspace(0.3, 0.45, 5)
    tau = np.exp(0.1 + 1.0 / theta)
    a, b, sa, sb = fit_arrhenius(theta, tau, 0.1 * tau)
    assert a == pytest.approx(0.1, abs=1e-9) and b == pytest.approx(1.0, abs=1e-9)
    # Weighted: the standard errors follow from the 10 % errors on tau alone.
    assert 0 < sb < 1.0 and 0 < sa < 3.0


def test_two_cluster_start_puts_half_in_each_cluster(paper_params):
    from spicemem.experiments.analysis import cluster_counts, two_cluster_start

    x = two_cluster_start(paper_params, 50, 7) / paper_params.half_length
    left, gap, right = cluster_counts(x)
    n = paper_params.n_particles
    assert np.all(np.sum(x < 0, axis=1) == n // 2)
    # At k_B T0/w_p = 0.3 a particle is out of its well (|x| < 0.6 L) with Boltzmann
    # probability ~1e-4; 2000 draws give essentially none.
    assert gap.sum() <= 2 and np.all(left + right + gap == n)
    # Reproducible per (seed, realization): a sub-ensemble gives the same rows.
    np.testing.assert_array_equal(two_cluster_start(paper_params, 3, 7), x[:3] * paper_params.half_length)


def _reproduce_tables():
    """examples/reproduce_tables.py as a module (examples/ is not a package)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / "reproduce_tables.py"
    spec = importlib.util.spec_from_file_location("reproduce_tables", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_reproduce_tables_summarises_seeds_and_compares_in_standard_errors(tmp_path, monkeypatch, capsys):
    # The driver behind the README's tables, on stored per-seed results (no simulation):
    # mean +- SE over the seeds, z against the stored summary, the stored values kept beside
    # the new ones, each seed's commit and CPU, and the flag at |z| > 3.  The reference
    # numbers are computed here by hand from the same inputs.
    rt = _reproduce_tables()
    runs, docs = tmp_path / "runs", tmp_path / "docs"
    peaks = {1: 0.74, 2: 0.80, 3: 0.77}
    for s, g in peaks.items():
        (runs / f"seed-{s}").mkdir(parents=True)
        (runs / f"seed-{s}" / "fig4b.json").write_text(json.dumps(
            {"experiment": "fig4b", "seed": s, "g_peak": g, "g_after_pulse": [0.03, g - 0.1]}))
        (runs / f"seed-{s}" / "fig4b.run.json").write_text(json.dumps(
            {"commit": "abc", "spicemem_tree": "t1", "cpu_s": float(s)}))
    docs.mkdir()
    stored = {"command": "old", "keys": {"g_peak": {"mean": 0.70, "stderr": 0.005, "per_seed": []},
                                         "g_after_pulse[1]": {"mean": 0.66, "stderr": 0.02}}}
    (docs / "fig4b-over-seeds.json").write_text(json.dumps(stored))
    monkeypatch.setattr(rt, "ROWS", [("fig4b", ["g_peak", "g_after_pulse[1]"], {}, docs)])
    assert rt.main(["--only", "fig4b", "--seeds", "1", "2", "3", "--reuse", "--runs", str(runs)]) == 0
    out = json.loads((docs / "fig4b-over-seeds.json").read_text())
    mean = (0.74 + 0.80 + 0.77) / 3
    se = np.sqrt(((0.74 - mean) ** 2 + (0.80 - mean) ** 2 + (0.77 - mean) ** 2) / 2 / 3)
    assert out["keys"]["g_peak"]["mean"] == pytest.approx(mean, abs=1e-12)
    assert out["keys"]["g_peak"]["stderr"] == pytest.approx(se, abs=1e-12)
    z_peak = (mean - 0.70) / np.sqrt(se ** 2 + 0.005 ** 2)  # 3.8: flagged
    z_g7 = (mean - 0.1 - 0.66) / np.sqrt(se ** 2 + 0.02 ** 2)  # 0.4: not flagged
    assert out["replaced"]["z"]["g_peak"] == pytest.approx(z_peak, abs=1e-9)
    assert out["replaced"]["z"]["g_after_pulse[1]"] == pytest.approx(z_g7, abs=1e-9)
    assert out["replaced"]["keys"]["g_peak"]["mean"] == 0.70
    assert out["commit"] == ["abc"] and out["spicemem_tree"] == ["t1"]
    assert out["cpu_s_per_seed"] == [1.0, 2.0, 3.0]
    table = capsys.readouterr().out
    assert f"**{z_peak:+.2f}**" in table and f"| {z_g7:+.2f} |" in table
    assert "2 numbers: 1 with |z| > 2, 1 with |z| > 3" in table


def test_reproduce_tables_missing_key_of_a_full_run_is_one_line(tmp_path, monkeypatch):
    rt = _reproduce_tables()
    (tmp_path / "seed-1").mkdir()
    (tmp_path / "seed-1" / "fig4b.json").write_text(json.dumps({"experiment": "fig4b", "seed": 1,
                                                                "g_after_pulse": [0.1]}))
    monkeypatch.setattr(rt, "ROWS", [("fig4b", ["g_after_pulse[6]"], {}, tmp_path)])
    with pytest.raises(SystemExit) as e:
        rt.main(["--only", "fig4b", "--seeds", "1", "--reuse", "--no-write", "--runs", str(tmp_path)])
    assert "fig4b seed 1 has no 'g_after_pulse[6]'" in str(e.value) and "\n" not in str(e.value)
