"""PPF recovery over fit seeds (docs/fit.md, "The simulation's standard error, pooled"): the
steps of ``ppf_recovery.py`` (the ratio alone, then with the first pulse's weight; data from
64 devices, a fit of 16 devices from 0.29 eV within [0.22, 0.32]) at several fit seeds, so
that how often w_pin comes out determined with the truth inside is a rate, not one seed's
luck.  It uses whichever spicemem is importable, so the same script compares two trees::

    PYTHONPATH=. python examples/fit_wang2017/ppf_seeds.py --seeds 1-8 --out /tmp/ppf_new
    PYTHONPATH=/path/to/other/tree python examples/fit_wang2017/ppf_seeds.py --seeds 1-8 --out /tmp/ppf_old

Writes OUT/summary.json (one row per set, seed and fit) and prints one line per fit.
"""

from __future__ import annotations

import argparse
import json
import math
import time
import warnings
from pathlib import Path

import numpy as np

SETS = {"0.25/991": (0.25, 991), "0.28/992": (0.28, 992)}


def seeds(text: str) -> list:
    out = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seeds", default="1-8", help="fit seeds, e.g. 1-8 or 1,4,9")
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma list of {list(SETS)}")
    ap.add_argument("--devices", type=int, default=16, help="simulated devices of the fit")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    import spicemem
    from spicemem.devices.diffusive import DiffusiveParams
    from spicemem.fit import load_fit_spec, run_fit
    from spicemem.fit import protocols as pr
    from spicemem.fit.spec import ln_median_and_se

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"spicemem from {Path(spicemem.__file__).parent}", flush=True)
    proto = {"type": "ppf", "amplitude": 3.0, "width": 1e-3, "series_ohm": 1e8, "temperature_k": None,
             "intervals": [1e-3]}
    rows = []
    for set_name in a.sets.split(","):
        truth, data_seed = SETS[set_name]
        p = DiffusiveParams.from_preset("SiOxNy_Ag").replace(w_pin=truth)
        lg1, lg2 = pr.ppf_conductances(p, proto, 0, 64, data_seed)
        r, rse = pr.ppf_ratio(lg1, lg2)
        m1, s1 = map(float, ln_median_and_se(np.exp(lg1)))
        g1 = math.exp(m1)
        for seed in seeds(a.seeds):
            head = (f'[fit]\npreset = "SiOxNy_Ag"\nseed = {seed}\ndevices = {a.devices}\nmax_evaluations = 12\n'
                    f'[parameters]\nw_pin = {{ min = 0.22, max = 0.32, start = 0.29 }}\n'
                    f'[[data]]\nkind = "summary"\nstatistic = "ppf_ratio"\namplitude_v = 3.0\nwidth_s = 1e-3\n'
                    f'series_ohm = 1e8\nintervals_s = [1e-3]\nvalues = [{r!r}]\nuncertainties = [{rse!r}]\n')
            for name, extra in (("ratio", ""), ("first_weight", f"first_weight_s = {g1!r}\n"
                                                               f"first_weight_uncertainty_s = {g1 * s1!r}\n")):
                sub = out / f"{set_name.replace('/', '_')}-s{seed}-{name}"
                sub.mkdir(exist_ok=True)
                (sub / "fit.toml").write_text(head + extra)
                t, c = time.time(), time.process_time()
                rep = run_fit(load_fit_spec(sub / "fit.toml"), sub / "out", workers=0, plot=False, log=lambda m: None)
                q = rep["parameters"]["w_pin"]
                lo, hi = q["ci95"]
                row = {"set": set_name, "seed": seed, "fit": name, "value": q["value"], "ci95": [lo, hi],
                       "determined": q["determined"], "truth_inside": lo <= truth <= hi,
                       "width": hi - lo, "chi2": rep["chi2"], "evaluations": rep["evaluations"]["total"],
                       "model_sigma": [o["model_sigma"] for o in rep["observations"]],
                       "model_sigma_single": [o.get("model_sigma_single") for o in rep["observations"]],
                       "pooled": [o.get("model_sigma_pooled") for o in rep["observations"]],
                       "wall_s": time.time() - t, "cpu_s": time.process_time() - c}
                rows.append(row)
                print(f"{set_name} seed {seed} {name}: w_pin {q['value']:.4f} [{lo:.4f}, {hi:.4f}] "
                      f"determined {q['determined']} truth inside {row['truth_inside']}; chi2 {rep['chi2']:.2f}; "
                      f"SE {['%.3f' % v for v in row['model_sigma']]} (single "
                      f"{['%.3f' % v for v in row['model_sigma_single'] if v is not None]}); "
                      f"{row['evaluations']} evaluations, {row['cpu_s']:.0f} s CPU", flush=True)
                (out / "summary.json").write_text(json.dumps(rows, indent=1))
    for set_name in a.sets.split(","):
        for name in ("ratio", "first_weight"):
            sel = [x for x in rows if x["set"] == set_name and x["fit"] == name]
            good = sum(x["determined"] and x["truth_inside"] for x in sel) if name == "first_weight" else \
                sum(not x["determined"] for x in sel)
            what = "determined with the truth inside" if name == "first_weight" else "not determined"
            print(f"{set_name} {name}: {good} of {len(sel)} {what}", flush=True)


if __name__ == "__main__":
    main()
