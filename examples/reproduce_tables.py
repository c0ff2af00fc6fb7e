"""Rerun every over-seeds number of the README's "Paper reproductions" and "Measured-device
presets" tables (and of docs/calibration.md) in one command, and compare them with the stored
values in standard-error units.

    python examples/reproduce_tables.py --workers 2                      # every row but ppf-tzero
    python examples/reproduce_tables.py --workers 2 --with-ppf-tzero     # and Fig. 5b (30-40 min/seed)
    python examples/reproduce_tables.py --only fig4a-tau fig4b --no-write  # compare only

The rows, seeds (1-5), sizes (each experiment's full size, its defaults: dt_factor 0.2) and keys
are those the tables were made with (ROWS below, copied from the stored summaries' commands).
Each seed runs in its own process (``--workers N``); its full result goes to
RUNS/seed-N/NAME.json with a sidecar NAME.run.json (git commit and the tree hash of spicemem/,
CPU and wall seconds, load).
Then, for each row:

* the summary (mean +- SE over seeds, per-seed values, the commit, CPU per seed, and the
  stored values it replaced with their z) is written atomically where the docs keep it:
  docs/fig4/over-seeds-0.2/NAME-over-seeds.json (and fig4a-tau's per-seed results
  fig4a-tau-seedN.json) or docs/presets_over_seeds/NAME-over-seeds.json (and, through
  examples/measured_over_seeds.py, NAME-realizations.json with the pooled devices);
* a markdown table on stdout compares new and stored values:
  z = (new - old) / sqrt(se_new^2 + se_old^2), flagged ``**`` where |z| > 3 and ``*`` where
  |z| > 2.  A change of random streams is a new independent draw: about 1 number in 20 should
  show |z| > 2 and hardly any |z| > 3; more is a change of the physics (or of the protocol).

``--no-write`` leaves the docs alone (the runs still go to RUNS); ``--reuse`` summarises
RUNS/seed-N/NAME.json where it exists instead of running that seed (the sidecar's commit is
reported, so a reuse across commits shows).  The README's prose and docs/calibration.md are
edited by hand from the printed table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from over_seeds import pick, summarize  # noqa: E402  (examples/ is not a package)

from spicemem.io import atomic_write_json  # noqa: E402

FIG4_DIR = REPO / "docs" / "fig4" / "over-seeds-0.2"
MEASURED_DIR = REPO / "docs" / "presets_over_seeds"

#: (experiment, keys, run() options, docs directory), cheapest first (CPU of one --quick seed:
#: 1-5 s each for Fig. 4, then 1, 4, 7, 12, 29 and 64 s).  The keys are those of
#: the stored summaries (a superset of the README's).
ROWS = [
    ("fig4a-tau", ["B", "A", "B_bootstrap_se"], {}, FIG4_DIR),
    ("fig4a", ["delay", "g_peak", "relaxation_time_median"], {}, FIG4_DIR),
    ("fig4b", ["g_after_pulse[3]", "g_after_pulse[6]", "g_peak", "peak_pulse"], {}, FIG4_DIR),
    ("ppd-low-frequency", [f"g_after_pulse[{i}]" for i in range(8)], {}, FIG4_DIR),
    ("fast-switching", ["switched_fraction", "relaxed_at_first_read", "relaxed_within_s"], {},
     MEASURED_DIR),
    ("frequency-switching", ["summary.phase1_change_percent", "summary.phase2_peak_change_percent",
                             "summary.phase3_from_phase1_percent", "summary.phase2_end_mean",
                             "summary.phase2_peak_mean"], {}, MEASURED_DIR),
    ("delay-relaxation", ["delay_s", "relaxation_s"], {}, MEASURED_DIR),
    ("iv-loop", [f"{k}[{i}]" for i in (0, 1) for k in
                 ("threshold_voltage", "negative_threshold_voltage", "on_off_ratio",
                  "turn_on_slope_mv_per_decade")],
     {"presets": ("SiOxNy_Ag", "HfOx_Ag")}, MEASURED_DIR),
    ("arrhenius", ["activation_energy_ev"], {}, MEASURED_DIR),
    ("ppf-tzero", [f"late_weight_change_percent[{i}]" for i in range(5)], {}, MEASURED_DIR),
]
SLOW = {"ppf-tzero"}  # 30-40 min of CPU per seed: only with --with-ppf-tzero
KEEP_PER_SEED = {"fig4a-tau"}  # rows whose per-seed results the docs keep as NAME-seedN.json


def git_commit() -> str:
    """HEAD's hash, with ``+dirty`` if spicemem/ or examples/ differ from it."""
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--",
                                "spicemem", "examples"], capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def spicemem_tree(commit: str = "HEAD") -> str:
    """The git tree hash of spicemem/ at ``commit`` (at HEAD: +dirty if the work tree differs):
    the code that made the numbers, whatever later commits of docs or examples moved HEAD."""
    rev = commit.split("+")[0]
    try:
        tree = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short=12", f"{rev}:spicemem"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = "+dirty" in commit or (commit == "HEAD" and subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "spicemem"],
            capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return tree + ("+dirty" if dirty else "")


def loadavg() -> float | None:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return None


def run_one(name: str, seed: int, options: dict, runs: str, quick: bool) -> dict:
    """One seed of one row, in this process: the result JSON and a sidecar with provenance."""
    from spicemem.experiments import run_experiment

    out = Path(runs) / f"seed-{seed}"
    commit, tree = git_commit(), spicemem_tree()
    load0, wall0, cpu0 = loadavg(), time.perf_counter(), time.process_time()
    run_experiment(name, out, seed=seed, quick=quick, progress=False, **options)
    side = {"experiment": name, "seed": seed, "quick": quick, "options": options,
            "commit": commit, "spicemem_tree": tree, "cpu_s": time.process_time() - cpu0,
            "wall_s": time.perf_counter() - wall0, "load_start": load0, "load_end": loadavg()}
    atomic_write_json(out / f"{name}.run.json", side)
    return side


def pick_or_nan(result: dict, key: str, quick: bool) -> float:
    """``pick``; a --quick run may lack a key's element (fewer pulses or t_zero): NaN."""
    try:
        return pick(result, key)
    except (IndexError, KeyError):
        if not quick:
            raise SystemExit(f"reproduce_tables.py: {result.get('experiment')} seed "
                             f"{result.get('seed')} has no {key!r}")
        return float("nan")


def z_rows(name: str, new: dict, old: dict | None) -> list[dict]:
    """Per key: new and old mean +- SE and z = (new - old) / sqrt(se_new^2 + se_old^2)."""
    rows = []
    for key, n in new.items():
        o = (old or {}).get(key)
        row = {"row": name, "key": key, "new": n["mean"], "se_new": n["stderr"],
               "old": None, "se_old": None, "z": None}
        if o and o.get("mean") is not None:
            row["old"], row["se_old"] = o["mean"], o.get("stderr")
            if None not in (n["mean"], n["stderr"], o.get("stderr")):
                den = float(np.hypot(n["stderr"], o["stderr"]))
                row["z"] = (n["mean"] - o["mean"]) / den if den > 0 else (
                    0.0 if n["mean"] == o["mean"] else float("inf"))
        rows.append(row)
    return rows


def fmt(x, se=None) -> str:
    if x is None:
        return "-"
    return f"{x:.4g}" if se is None else f"{x:.4g} +- {se:.2g}"


def markdown(rows: list[dict]) -> str:
    lines = ["| row | key | stored | new | z |", "|---|---|---|---|---|"]
    for r in rows:
        z = r["z"]
        flag = "" if z is None else ("**" if abs(z) > 3 else ("*" if abs(z) > 2 else ""))
        zs = "-" if z is None else f"{flag}{z:+.2f}{flag}"
        lines.append(f"| {r['row']} | {r['key']} | {fmt(r['old'], r['se_old'])} | "
                     f"{fmt(r['new'], r['se_new'])} | {zs} |")
    zs = [abs(r["z"]) for r in rows if r["z"] is not None and np.isfinite(r["z"])]
    if zs:
        lines.append(f"\n{len(zs)} numbers: {sum(z > 2 for z in zs)} with |z| > 2, "
                     f"{sum(z > 3 for z in zs)} with |z| > 3 (max {max(zs):.2f}); "
                     f"independent draws give |z| > 2 in ~5 %")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [r[0] for r in ROWS]
    ap.add_argument("--only", nargs="+", choices=names, help="these rows (default: all but ppf-tzero)")
    ap.add_argument("--with-ppf-tzero", action="store_true", help="also Fig. 5b (30-40 min of CPU per seed)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--workers", type=int, default=1, help="seeds run in this many processes")
    ap.add_argument("--runs", default="out/reproduce", help="per-seed full results (RUNS/seed-N/NAME.json)")
    ap.add_argument("--reuse", action="store_true", help="summarise RUNS/seed-N/NAME.json where it exists")
    ap.add_argument("--no-write", action="store_true", help="compare only; leave docs/ as it is")
    ap.add_argument("--quick", action="store_true",
                    help="the experiments' --quick sizes (a smoke test: implies --no-write)")
    args = ap.parse_args(argv)
    if args.workers < 1:
        ap.error("--workers must be >= 1")
    write = not (args.no_write or args.quick)
    chosen = [r for r in ROWS if (r[0] in args.only if args.only else
                                  (r[0] not in SLOW or args.with_ppf_tzero))]
    runs = Path(args.runs)
    todo = [(name, s, opts) for name, _, opts, _ in chosen for s in args.seeds
            if not (args.reuse and (runs / f"seed-{s}" / f"{name}.json").exists())]
    print(f"reproduce_tables: {len(todo)} runs on commit {git_commit()} with {args.workers} "
          f"worker(s), load {loadavg()}", file=sys.stderr)
    if args.workers == 1:
        for name, s, opts in todo:
            side = run_one(name, s, opts, str(runs), args.quick)
            print(f"  {name} seed {s}: {side['cpu_s']:.0f} s CPU", file=sys.stderr)
    else:
        with ProcessPoolExecutor(args.workers) as pool:
            futs = {pool.submit(run_one, name, s, opts, str(runs), args.quick): (name, s)
                    for name, s, opts in todo}
            for f in as_completed(futs):
                side = f.result()
                print(f"  {side['experiment']} seed {side['seed']}: {side['cpu_s']:.0f} s CPU",
                      file=sys.stderr)

    all_rows = []
    command = "python examples/reproduce_tables.py " + " ".join(argv if argv is not None else sys.argv[1:])
    for name, keys, opts, docs in chosen:
        results, sides = [], []
        for s in args.seeds:
            results.append(json.loads((runs / f"seed-{s}" / f"{name}.json").read_text()))
            sp = runs / f"seed-{s}" / f"{name}.run.json"
            side = json.loads(sp.read_text()) if sp.exists() else {"commit": "unknown"}
            if "spicemem_tree" not in side and side["commit"] != "unknown":
                side["spicemem_tree"] = spicemem_tree(side["commit"])
            sides.append(side)
        new = summarize({k: [pick_or_nan(r, k, args.quick) for r in results] for k in keys})
        stored_path = docs / f"{name}-over-seeds.json"
        stored = json.loads(stored_path.read_text()) if stored_path.exists() else None
        rows = z_rows(name, new, stored["keys"] if stored else None)
        all_rows += rows
        summary = {"experiment": name, "seeds": args.seeds, "quick": args.quick,
                   "realizations": None, "options": opts, "command": command,
                   "commit": sorted({sd.get("commit", "unknown") for sd in sides}),
                   "spicemem_tree": sorted({sd.get("spicemem_tree", "unknown") for sd in sides}),
                   "cpu_s_per_seed": [sd.get("cpu_s") for sd in sides],
                   "load_per_seed": [[sd.get("load_start"), sd.get("load_end")] for sd in sides],
                   "keys": new,
                   "replaced": None if stored is None else {
                       "command": stored.get("command"), "commit": stored.get("commit"),
                       "z": {r["key"]: r["z"] for r in rows},
                       "keys": {k: {f: v.get(f) for f in ("mean", "stderr", "per_seed")}
                                for k, v in stored["keys"].items()}}}
        if write:
            atomic_write_json(stored_path, summary)
            if name in KEEP_PER_SEED:
                for s in args.seeds:
                    src = runs / f"seed-{s}" / f"{name}.json"
                    atomic_write_json(docs / f"{name}-seed{s}.json", json.loads(src.read_text()))
            if docs == MEASURED_DIR:
                import measured_over_seeds as mos
                if name in mos.HANDLERS:
                    old_real = docs / f"{name}-realizations.json"
                    old = json.loads(old_real.read_text()) if old_real.exists() else None
                    mos.main(["--seeds", *map(str, args.seeds), "--runs", str(runs),
                              "--out", os.path.relpath(docs), "--only", name])
                    if old is not None:
                        all_rows += pooled_rows(name, old, json.loads(old_real.read_text()))
    print(markdown(all_rows))
    return 0


def pooled_rows(name: str, old: dict, new: dict) -> list[dict]:
    """The pooled-device numbers of NAME-realizations.json, old against new, as z rows."""
    rows = []
    for key, n in new.get("numbers", {}).items():
        o = old.get("numbers", {}).get(key)
        if not o or "pooled" not in n or "pooled" not in o:
            continue
        se_key = "pooled_bootstrap_se" if "pooled_bootstrap_se" in n else "pooled_binomial_se"
        conv = {"new": {"mean": n["pooled"], "stderr": n.get(se_key)}}
        rows += z_rows(name, conv, {"new": {"mean": o["pooled"], "stderr": o.get(se_key)}})
        rows[-1]["key"] = f"pooled {key}"
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
