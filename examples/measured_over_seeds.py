"""Per-realization values and pooled bootstrap errors of the measured-device reproductions
(Figs. 1b, 1c, 5b, 5c of Wang et al. 2017) from runs at several seeds (issue 14, item 4).

    python examples/over_seeds.py ppf-tzero ... --seeds 1 2 3 4 5 --out out/seeds   # the runs
    python examples/measured_over_seeds.py --seeds 1 2 3 4 5 --runs out/seeds --out docs/presets_over_seeds

Reads RUNS/seed-N/NAME.json for every seed that exists and writes OUT/NAME-realizations.json
with, for each reported number: its value at every seed, mean +- standard error over the
seeds, the value of the pooled realizations (all devices of all seeds) with a bootstrap
standard error (the devices are resampled; a device keeps all its pulses and, in Fig. 5b,
all its t_zero runs, which share its random stream), and the per-realization values the
numbers are computed from.  One line per number on stdout.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from spicemem.io import atomic_write_json

N_BOOT = 1000


def sig(a, digits: int = 5):
    """A nested list of ``a`` rounded to ``digits`` significant digits (NaN as null)."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return None if not np.isfinite(a) else float(f"{a:.{digits}g}")
    return [sig(x, digits) for x in a]


def over_seeds(values):
    v = np.asarray(values, dtype=float)
    ok = v[np.isfinite(v)]
    se = float(ok.std(ddof=1) / np.sqrt(ok.size)) if ok.size > 1 else float("nan")
    return {"mean": float(ok.mean()) if ok.size else float("nan"), "stderr": se,
            "seed_sd": float(ok.std(ddof=1)) if ok.size > 1 else float("nan"),
            "per_seed": [float(x) for x in v]}


def bootstrap(stat, data, seed=0):
    """stat(data) and its bootstrap SE, resampling the first axis of every array in data."""
    rng = np.random.default_rng([seed, 0xB007])
    n = data[0].shape[0]
    full = np.asarray(stat(*data), dtype=float)
    boots = []
    for _ in range(N_BOOT):
        idx = rng.integers(0, n, n)
        boots.append(stat(*[d[idx] for d in data]))
    boots = np.asarray(boots, dtype=float)
    return full, np.nanstd(boots, axis=0, ddof=1)


# -- Fig. 5b ---------------------------------------------------------------------------------
def ppf_late_change(w):
    """w (devices, t_zero, pulses): late weight change in % per t_zero, as ppf_tzero.run
    computes it (geometric mean over devices, change against pulse 1, mean over the second
    half of the train)."""
    g = np.exp(np.nanmean(np.log(w), axis=0))  # (t_zero, pulses)
    change = 100.0 * (g / g[:, :1] - 1.0)
    half = max(w.shape[-1] // 2, 1)
    return change[:, -half:].mean(axis=1)


def ppf(results):
    w_all = [np.transpose(np.asarray(r["conductance_per_device_s"], dtype=float), (1, 0, 2)) for r in results]
    tz = np.asarray(results[0]["t_zero_s"], dtype=float)
    per_seed = np.array([ppf_late_change(w) for w in w_all])  # (seeds, t_zero)
    pooled, se = bootstrap(ppf_late_change, [np.concatenate(w_all)])
    lw = np.log(np.concatenate(w_all))
    half = max(lw.shape[-1] // 2, 1)
    d = lw[:, :, -half:].mean(axis=-1) - lw[:, :, :1].mean(axis=-1)  # per device ln change
    out = {"t_zero_s": tz.tolist(), "statistic": "late_weight_change_percent: geometric mean over devices, "
           "change against pulse 1 averaged over the second half of the train (ppf_tzero.run)",
           "numbers": {}}
    for k, t in enumerate(tz):
        out["numbers"][f"late_weight_change_percent[t_zero={t * 1e3:g} ms]"] = {
            "over_seeds": over_seeds(per_seed[:, k]),
            "pooled": float(pooled[k]), "pooled_bootstrap_se": float(se[k])}
    out["per_device_ln_change"] = {"shape": "(devices of all seeds, t_zero)", "values": sig(d)}
    out["devices_per_seed"] = [w.shape[0] for w in w_all]
    return out


# -- Fig. 5c ---------------------------------------------------------------------------------
def freq_conductance(r):
    """Per-device conductance after each pulse (devices, pulses), S."""
    if "conductance_per_device_s" in r:
        return np.asarray(r["conductance_per_device_s"], dtype=float)
    # Older runs store only the current: the device voltage is the source amplitude (the
    # sample lies on the pulse's flat top) minus the drop across the series resistor.
    i = np.asarray(r["current_per_device_a"], dtype=float)
    v = r["pulse"]["amplitude_v"] - i * r["compliance_ohm"]
    return i / v


def freq_stats(g, labels):
    from spicemem.experiments.frequency_switching import summarize

    s = summarize(np.nanmean(g, axis=0), labels)
    return np.array([s["phase1_change_percent"], s["phase2_peak_change_percent"],
                     s["phase3_from_phase1_percent"],
                     100.0 * (s["phase2_end_mean"] / s["phase2_peak_mean"] - 1.0)])


def freq(results):
    labels = results[0]["phase"]
    gs = [freq_conductance(r) for r in results]
    names = ["phase1_change_percent (196 Hz: second half vs first pulse)",
             "phase2_peak_change_percent (5 kHz: smoothed peak vs phase-1 level)",
             "phase3_from_phase1_percent (196 Hz again: second half vs phase-1 level)",
             "phase2_end_vs_peak_percent (5 kHz: smoothed end vs smoothed peak; <= 0 by construction)"]
    per_seed = np.array([freq_stats(g, labels) for g in gs])
    pooled, se = bootstrap(lambda g: freq_stats(g, labels), [np.concatenate(gs)])
    out = {"statistic": "frequency_switching.summarize of the arithmetic mean conductance over devices",
           "numbers": {n: {"over_seeds": over_seeds(per_seed[:, k]), "pooled": float(pooled[k]),
                           "pooled_bootstrap_se": float(se[k])} for k, n in enumerate(names)},
           "phase": labels,
           "per_device_conductance_s": {"shape": "(devices of all seeds, pulses)",
                                        "values": sig(np.concatenate(gs))},
           "devices_per_seed": [g.shape[0] for g in gs]}
    return out


# -- Fig. 1c ---------------------------------------------------------------------------------
def fast(results):
    # An event still ON at the next switching pulse is +inf (censored); the JSON stores it as
    # null, read back as NaN.
    ev = [np.nan_to_num(np.asarray([np.nan if x is None else x for x in r["relaxed_within_per_event_s"]],
                                   dtype=float), nan=np.inf) for r in results]
    n_pulses = [r["devices"] * r["cycles"] for r in results]
    allev = np.concatenate(ev)

    def stats(e):
        return np.array([np.median(e) if e.size else np.nan,
                         np.mean(e <= results[0]["first_read_after_s"] * 1.5) if e.size else np.nan])

    pooled, se = bootstrap(stats, [allev])
    per_seed = np.array([stats(e) for e in ev])
    return {"numbers": {
        "switched_fraction (of the 1.5 V / 500 ns pulses)": {
            "over_seeds": over_seeds([r["switched_fraction"] for r in results]),
            "pooled": float(allev.size / sum(n_pulses)),
            "pooled_binomial_se": float(np.sqrt(allev.size / sum(n_pulses) * (1 - allev.size / sum(n_pulses))
                                                / sum(n_pulses)))},
        "relaxed_within_s (median over switching events)": {
            "over_seeds": over_seeds(per_seed[:, 0]), "pooled": float(pooled[0]),
            "pooled_bootstrap_se": float(se[0])},
        "relaxed_at_first_read (fraction of switching events insulating at the first read)": {
            "over_seeds": over_seeds(per_seed[:, 1]), "pooled": float(pooled[1]),
            "pooled_bootstrap_se": float(se[1])}},
        "events_per_seed": [int(e.size) for e in ev], "pulses_per_seed": n_pulses,
        "relaxed_within_per_event_s": [[None if np.isinf(x) else x for x in e.tolist()] for e in ev],
        "censored_events_per_seed": [int(np.isinf(e).sum()) for e in ev]}


# -- Fig. 1b ---------------------------------------------------------------------------------
def iv(results):
    keys = ("threshold_voltage", "turn_on_slope_mv_per_decade", "on_off_ratio")
    out = {"numbers": {}, "per_loop": {}}
    for k_p, preset in enumerate(results[0]["preset"]):
        loops = [r["loops"][k_p] for r in results]  # per seed: list of per-loop dicts
        out["per_loop"][preset] = loops
        for key in keys:
            for side, pick in (("positive", lambda r: r[key][k_p]),
                               ("negative", lambda r: r["negative_" + key][k_p])):
                vals = [pick(r) for r in results]
                name = f"{preset} {side} {key}" + (" (log10)" if key == "on_off_ratio" else "")
                if key == "on_off_ratio":
                    vals = [np.log10(v) if v and v > 0 else np.nan for v in vals]
                out["numbers"][name] = {"over_seeds": over_seeds(vals)}
    return out


HANDLERS = {"ppf-tzero": ppf, "frequency-switching": freq, "fast-switching": fast, "iv-loop": iv}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--runs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", nargs="+", default=sorted(HANDLERS), choices=sorted(HANDLERS))
    args = ap.parse_args(argv)
    for name in args.only:
        seeds = [s for s in args.seeds if (Path(args.runs) / f"seed-{s}" / f"{name}.json").exists()]
        if not seeds:
            print(f"{name}: no runs in {args.runs}")
            continue
        results = [json.loads((Path(args.runs) / f"seed-{s}" / f"{name}.json").read_text()) for s in seeds]
        out = {"experiment": name, "seeds": seeds,
               "command": "python examples/measured_over_seeds.py " + " ".join(argv or sys.argv[1:]),
               "bootstrap_resamples": N_BOOT, **HANDLERS[name](results)}
        atomic_write_json(Path(args.out) / f"{name}-realizations.json", out)
        for key, v in out["numbers"].items():
            o = v["over_seeds"]
            pooled = (f"; pooled {v['pooled']:.4g} +- {v.get('pooled_bootstrap_se', v.get('pooled_binomial_se')):.2g}"
                      if "pooled" in v else "")
            print(f"{name} {key}: {o['mean']:.4g} +- {o['stderr']:.2g} over seeds {seeds} "
                  f"(sd {o['seed_sd']:.2g}; per seed {', '.join(f'{x:.4g}' for x in o['per_seed'])}){pooled}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
