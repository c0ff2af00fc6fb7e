"""Run an experiment at several seeds and report its numbers as mean +- standard error over
the seeds (issue 14: one seed that matches the paper is not a reproduction).

    python examples/over_seeds.py fig4a-tau B A --seeds 1 2 3 4 5 --out out/seeds
    python examples/over_seeds.py fig4b g_peak g_final --seeds 1 2 3 4 5 --out out/seeds

Each seed's full result is written to OUT/seed-N/NAME.json (and .png); the summary, with the
per-seed values, to OUT/NAME-over-seeds.json and one line per key on stdout.  A key is a
top-level number of the experiment's JSON, followed by any [i] (a list element) or .name
(a dict entry): "threshold_voltage[0]", "summary.phase2_peak_mean".
"""

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

from spicemem.experiments import run_experiment
from spicemem.io import atomic_write_json


def pick(result: dict, key: str):
    """The number at ``key``: a top-level name, then any ``[i]`` (list element) or ``.name``
    (dict entry) steps, e.g. ``late_weight_change_percent[3]`` or ``summary.phase2_peak_mean``."""
    head = re.match(r"\w+", key)
    if head is None:
        raise SystemExit(f"over_seeds.py: key {key!r} must start with a name")
    val = result[head.group(0)]
    for step in re.findall(r"\[(\d+)\]|\.(\w+)", key[head.end():]):
        val = val[int(step[0])] if step[0] else val[step[1]]
    return float("nan") if val is None else float(val)


def summarize(per_seed: dict) -> dict:
    """{key: values per seed} -> {key: mean, standard error and sd over the finite values,
    per_seed}; None where too few seeds are finite."""
    out = {}
    for k, vals in per_seed.items():
        ok = np.array(vals, dtype=float)
        ok = ok[np.isfinite(ok)]
        out[k] = {"mean": float(ok.mean()) if ok.size else None,
                  "stderr": float(ok.std(ddof=1) / np.sqrt(ok.size)) if ok.size > 1 else None,
                  "seed_sd": float(ok.std(ddof=1)) if ok.size > 1 else None,
                  "per_seed": [float(x) for x in vals]}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("experiment")
    ap.add_argument("keys", nargs="+")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--out", required=True)
    ap.add_argument("--realizations", type=int, default=None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="an option of the experiment's run(); a comma-separated VALUE is a tuple "
                         "(e.g. --set presets=SiOxNy_Ag,HfOx_Ag for iv-loop)")
    ap.add_argument("--reuse", action="store_true",
                    help="read OUT/seed-N/NAME.json where it exists instead of running that seed "
                         "(summarise seeds that finished; a missing seed is run)")
    args = ap.parse_args(argv)
    options = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            ap.error(f"--set {item!r}: expected NAME=VALUE")
        options[name] = tuple(value.split(",")) if "," in value else value
    per_seed = {k: [] for k in args.keys}
    for s in args.seeds:
        js = Path(args.out) / f"seed-{s}" / f"{args.experiment}.json"
        if not (args.reuse and js.exists()):
            js, _ = run_experiment(args.experiment, Path(args.out) / f"seed-{s}", seed=s,
                                   realizations=args.realizations, quick=args.quick, **options)
        res = json.loads(Path(js).read_text())
        for k in args.keys:
            per_seed[k].append(pick(res, k))
    summary = {"experiment": args.experiment, "seeds": args.seeds, "quick": args.quick,
               "realizations": args.realizations, "options": options,
               "command": "python examples/over_seeds.py " + " ".join(argv or sys.argv[1:]), "keys": {}}
    summary["keys"] = summarize(per_seed)
    for k, s in summary["keys"].items():
        n = int(np.isfinite(s["per_seed"]).sum())
        print(f"{args.experiment} {k}: {s['mean']:.4g} +- {s['stderr']:.2g} (SE over {n} seeds; "
              f"seed-to-seed sd {s['seed_sd']:.2g}; per seed {', '.join(f'{x:.4g}' for x in s['per_seed'])})")
    atomic_write_json(Path(args.out) / f"{args.experiment}-over-seeds.json", summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
