"""Seed-to-seed spread of the numbers the reproduction tests assert on (issue 14, item 4):
a stochastic test must hold for the distribution, not for one lucky seed.

    python examples/test_seed_spread.py arrhenius --seeds 1 2 3 4 5 6 7 8 9 10 --out out/spread
    python examples/test_seed_spread.py arrhenius --events 8 --temperatures 300 400 --seeds ...
    python examples/test_seed_spread.py fig4 --runs out/quick-seeds --seeds 1 2 3 4 5 6 7 8 9 10 --out out/spread

For each test quantity: its value at every seed, the mean and standard deviation over the
seeds, and how many standard deviations each bound of the test lies from the mean (a
bound less than ~3 sd from the mean fails for about 1 seed in 700 or more often).  Results
go to OUT/NAME-spread.json and one line per quantity on stdout.
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from spicemem.io import atomic_write_json


def arrhenius_quantities(seed, args):
    from spicemem.experiments import arrhenius

    if args.events or args.temperatures:
        saved = (arrhenius.EVENTS_QUICK, arrhenius.TEMPERATURES_QUICK)
        arrhenius.EVENTS_QUICK = args.events or saved[0]
        arrhenius.TEMPERATURES_QUICK = tuple(args.temperatures or saved[1])
        try:
            r = arrhenius.run(seed=seed, quick=True)
        finally:
            arrhenius.EVENTS_QUICK, arrhenius.TEMPERATURES_QUICK = saved
    else:
        r = arrhenius.run(seed=seed, quick=True)
    tau = np.asarray(r["relaxation_s"], dtype=float)
    return {"activation_energy_ev": r["activation_energy_ev"],
            "ln_tau_ratio": float(np.log(tau[0] / tau[-1])),
            "censored": float(sum(r["censored"]))}


def delay_relaxation_quantities(seed, args):
    from spicemem.experiments import delay_relaxation

    r = delay_relaxation.run(seed=seed, quick=True)
    d = np.asarray(r["delay_per_device_s"], dtype=float)
    rel = np.asarray(r["relaxation_per_device_s"], dtype=float)
    return {"delay_min_s": float(np.nanmin(d)) if np.isfinite(d).any() else float("nan"),
            "delay_max_s": float(np.nanmax(d)) if np.isfinite(d).any() else float("nan"),
            "switched": float(np.isfinite(d).sum()), "relaxed": float(np.isfinite(rel).sum()),
            "relaxation_s": float(r["relaxation_s"])}


def ppf_quantities(seed, args):
    from spicemem.experiments import ppf_tzero

    r = ppf_tzero.run(seed=seed, quick=True)
    lw = np.log(np.asarray(r["conductance_per_device_s"]))
    d = lw[:, :, 3:].mean(axis=-1) - lw[:, :, 0]
    n = d.shape[1]
    diff = d[0] - d[1]
    return {"d_1ms_z": float(d[0].mean() / (d[0].std(ddof=1) / math.sqrt(n))),
            "diff_z": float(diff.mean() / (diff.std(ddof=1) / math.sqrt(n))),
            "d_1ms": float(d[0].mean()), "diff": float(diff.mean())}


def iv_loop_quantities(seed, args):
    from spicemem.experiments import iv_loop, measured

    r = iv_loop.run_preset("SiOxNy_Ag", seed=seed, loops=1, neg_loops=0, dwell=0.1e-3, pause=2e-3)
    return {"threshold_voltage": r["threshold_voltage"],
            "log10_on_off_ratio": float(np.log10(r["on_off_ratio"])),
            "turn_on_slope_mv_per_decade": r["turn_on_slope_mv_per_decade"],
            "i_max_over_compliance": float(np.abs(np.asarray(r["i"])).max() / measured.I_COMPLIANCE)}


def fig4_quantities(seed, args):
    """The numbers tests/test_fig4.py asserts on (quick runs of the four Fig. 4 experiments,
    read from RUNS/seed-N/NAME.json when --runs holds them, as examples/over_seeds.py
    --quick writes them)."""
    from spicemem.experiments import run_experiment

    out = {}
    for name in ("fig4a", "fig4a-tau", "fig4b", "ppd-low-frequency"):
        d = Path(args.runs or Path(args.out) / "fig4-runs") / f"seed-{seed}"
        js = d / f"{name}.json"
        if not js.exists():
            js, _ = run_experiment(name, d, seed=seed, quick=True)
        out[name] = json.loads(Path(js).read_text())
    a, tau, b, ppd = (out[k] for k in ("fig4a", "fig4a-tau", "fig4b", "ppd-low-frequency"))
    t, g = np.asarray(a["t"]), np.asarray(a["g_mean"])
    gb = np.asarray(b["g_after_pulse"])
    left = np.asarray(b["left_cluster_fraction_after_pulse"])
    gp, se = np.asarray(ppd["g_after_pulse"]), np.asarray(ppd["g_after_pulse_stderr"])
    noise = 2.0 * np.sqrt(se[1:] ** 2 + se[:-1] ** 2)
    tau_v = np.asarray(tau["tau"], dtype=float)
    nan = float("nan")
    return {"fig4a_delay": a["delay"] if a["delay"] is not None else nan,
            "fig4a_early_max": float(g[(t >= a["t_on"]) & (t <= a["t_on"] + 0.1)].max()),
            "fig4a_g_peak": a["g_peak"],
            "fig4a_relaxation_median": a["relaxation_time_median"] if a["relaxation_time_median"] is not None else nan,
            "fig4a_g_tail": float(g[-50:].mean()),
            "tau_ln_ratio_first_last": float(np.log(tau_v[0] / tau_v[-1])),
            "tau_B": tau["B"], "tau_B_bootstrap_se": tau["B_bootstrap_se"],
            "fig4b_g1": float(gb[0]), "fig4b_g7_minus_g1": float(gb[6] - gb[0]),
            "fig4b_peak_pulse": float(b["peak_pulse"]), "fig4b_g_peak": b["g_peak"],
            "fig4b_final_over_peak": b["g_final"] / b["g_peak"],
            "fig4b_left_last_over_first": float(left[-1] / left[0]),
            "ppd_max_step_over_noise": float(np.max(np.diff(gp) / noise)),
            "ppd_first_minus_max_over_se": float((gp[0] - gp.max()) / se.max()),
            "ppd_last_over_first": float(gp[-1] / gp[0])}


QUANTITIES = {"fig4": fig4_quantities, "arrhenius": arrhenius_quantities, "delay-relaxation": delay_relaxation_quantities,
              "ppf-tzero": ppf_quantities, "iv-loop": iv_loop_quantities}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", choices=sorted(QUANTITIES))
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    ap.add_argument("--out", required=True)
    ap.add_argument("--events", type=int, default=None, help="arrhenius: events per temperature")
    ap.add_argument("--temperatures", type=float, nargs="+", default=None, help="arrhenius: K")
    ap.add_argument("--runs", default=None, help="fig4: directory of quick runs (seed-N/NAME.json)")
    args = ap.parse_args(argv)
    tag = args.name + (f"-e{args.events}" if args.events else "") + (
        "-T" + "-".join(f"{t:g}" for t in args.temperatures) if args.temperatures else "")
    path = Path(args.out) / f"{tag}-spread.json"
    rows = json.loads(path.read_text())["per_seed"] if path.exists() else {}
    for s in args.seeds:
        if str(s) in rows:
            continue
        t0 = time.perf_counter()
        q = QUANTITIES[args.name](s, args)
        q["wall_time_s"] = time.perf_counter() - t0
        rows[str(s)] = q
        print(f"seed {s}: " + ", ".join(f"{k} {v:.4g}" for k, v in q.items()), flush=True)
        atomic_write_json(path, {"command": "python examples/test_seed_spread.py " + " ".join(argv or sys.argv[1:]),
                                 "per_seed": rows})
    keys = next(iter(rows.values())).keys()
    summary = {}
    for k in keys:
        v = np.array([rows[s][k] for s in rows], dtype=float)
        ok = v[np.isfinite(v)]
        summary[k] = {"mean": float(ok.mean()), "sd": float(ok.std(ddof=1)) if ok.size > 1 else None,
                      "min": float(ok.min()), "max": float(ok.max()), "n": int(ok.size)}
        print(f"{tag} {k}: mean {ok.mean():.4g}, sd {summary[k]['sd'] or float('nan'):.3g}, "
              f"range {ok.min():.4g} .. {ok.max():.4g} over {ok.size} seeds")
    atomic_write_json(path, {"command": "python examples/test_seed_spread.py " + " ".join(argv or sys.argv[1:]),
                             "per_seed": rows, "summary": summary})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
