"""How rough is an I-V loop statistic along one parameter under common random numbers,
through ngspice and on the standalone path (issue 18 A, docs/fit.md "Common random numbers
through ngspice").

The same protocol (a staircase 0 -> v_max -> 0 through a series resistor, one cycle) is run
at ``--points`` values of w_pin spaced ``--spacing`` eV apart, every value with the same seed,
(a) through ngspice (:func:`spicemem.fit.protocols.simulate_loops`), (b) standalone
(:func:`spicemem.devices.ensemble.simulate` with the series resistance, the same staircase).
Printed per point: threshold voltage (V) and ln ON/OFF of the ensemble mean, with the
ensemble's standard error; and a summary: the rms of the second differences divided by
sqrt(6) (for independent noise of sd s the second difference has sd s sqrt(6); a smooth
curve gives ~0) against the ensemble SE (what roughness would be if CRN did nothing).

Run: PYTHONPATH=. python examples/fit_synthetic/crn_roughness.py [--points 11]
     [--spacing 0.002] [--devices 8] [--integrator hybrid|langevin] [--paths ngspice,standalone]
"""
import argparse
import json
import math
import time

import numpy as np

from spicemem.devices.diffusive import DiffusiveParams
from spicemem.fit import protocols as pr


def proto(args):
    return {"type": "iv_loop", "series_ohm": args.series_ohm, "compliance_a": None, "v_max": args.v_max,
            "v_min": None, "step_v": args.step_v, "sweep_rate_v_per_s": args.rate, "cycles": 1,
            "pause_s": 0.0, "temperature_k": 300.0}


def standalone_rows(params, pc, devices, seed):
    from spicemem.devices.ensemble import simulate

    pts, samples, _ = pr.loop_schedule(pc)
    ts = np.array([s[0] for s in samples])
    vs = np.array([s[1] for s in samples])
    t = np.array([p[0] for p in pts])
    v = np.array([p[1] for p in pts])
    keep = np.concatenate([[True], np.diff(t) > 0])
    res = simulate(params.replace(t_ambient=pc["temperature_k"]), t[keep], v[keep], realizations=devices,
                   seed=seed, series_resistance=pc["series_ohm"], t_out=ts)
    rows = []
    for d in range(devices):
        r = pr.loop_statistics(vs, res.current[d], series_ohm=pc["series_ohm"])
        r["v_top"] = pc["v_max"]
        rows.append(r)
    return rows


def roughness(y):
    y = np.asarray(y, dtype=float)
    d2 = y[2:] - 2 * y[1:-1] + y[:-2]
    return float(np.sqrt(np.mean(d2 ** 2) / 6.0))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=11)
    ap.add_argument("--spacing", type=float, default=0.002, help="eV between w_pin values")
    ap.add_argument("--w0", type=float, default=0.27)
    ap.add_argument("--devices", type=int, default=8)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--integrator", default="hybrid")
    ap.add_argument("--paths", default="ngspice,standalone")
    ap.add_argument("--series-ohm", type=float, default=1e6)
    ap.add_argument("--v-max", type=float, default=1.0)
    ap.add_argument("--step-v", type=float, default=0.025)
    ap.add_argument("--rate", type=float, default=2500.0)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    pc = proto(args)
    base = DiffusiveParams.from_preset("SiOxNy_Ag", integrator=args.integrator)
    ws = args.w0 + args.spacing * (np.arange(args.points) - (args.points - 1) / 2)
    out = {"args": vars(args), "w_pin": ws.tolist()}
    for path in args.paths.split(","):
        vals = {"threshold_voltage": [], "ln_on_off_ratio": []}
        ses = {k: [] for k in vals}
        t0 = time.time()
        for w in ws:
            p = base.replace(w_pin=float(w))
            rows = (pr.simulate_loops("diffusive", p, pc, args.devices, args.seed) if path == "ngspice"
                    else standalone_rows(p, pc, args.devices, args.seed))
            st = pr.summarize_cycles(rows, spreads=False)
            line = [f"{path:10s} w_pin {w:.4f}"]
            for k in vals:
                v, se = st.get(k, (math.nan, math.nan))
                vals[k].append(v)
                ses[k].append(se)
                line.append(f"{k} {v:.4f} +- {se:.4f}")
            print("  ".join(line), flush=True)
        wall = time.time() - t0
        summ = {}
        for k in vals:
            r = roughness(vals[k])
            se = float(np.nanmean(ses[k]))
            slope = float(np.polyfit(ws, vals[k], 1)[0]) if np.all(np.isfinite(vals[k])) else math.nan
            summ[k] = {"roughness": r, "mean_se": se, "ratio": r / se if se > 0 else math.nan,
                       "slope_per_eV": slope, "values": vals[k], "se": ses[k]}
            print(f"{path}: {k}: point-to-point noise {r:.4f} (second differences), ensemble SE {se:.4f}, "
                  f"ratio {r / se:.2f}; slope {slope:.3g} per eV; {wall:.0f} s for {args.points} points")
        out[path] = summ
    if args.json:
        from pathlib import Path

        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
