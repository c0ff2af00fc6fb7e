"""Does the Langevin step matter anywhere on the validity map?  Pure Langevin at a larger
step against the stored map's pure Langevin at dt_factor 0.05, cell by cell (issue 17, lever 1).

The validity map of issue 14 (``docs/hybrid_map/hybrid-map-*-r2.cells.jsonl``) stores, per
cell (preset, protocol, device voltage, ambient k_B T0/w_p), the per-realization statistics of
pure Langevin dynamics at the step rule dt_factor 0.05 on stream block ``2 n i + n`` of seed 1
(i = the cell's index, n = devices per integrator).  This script reruns every selected cell
with pure Langevin dynamics at ``--dt-factor`` on block ``2 n i`` (the block the map's hybrid
used: independent of the reference) and applies the map's four tests to the two samples --
the difference of the mean pulse-averaged G in standard errors, and KS tests of the switching
delay, of the relaxation time (censored at the window) and of G at the window's end -- with
Holm (family-wise error 0.05) and Benjamini-Hochberg (FDR 0.05) over all tests of the run.
Independent blocks, so the tests are exactly the map's; a systematic step error too small for
any one cell shows in the mean of the per-cell G z-values (N(0, 1/m) if the step does not
matter), printed beside.

``--hybrid`` also runs the hybrid at ``--dt-factor`` on block ``2 n i + n`` and tests it
against the new Langevin sample: the validity map itself at the new step, at the cost of one
hybrid run per cell (the Langevin side is shared).

Times are read on one clock: each run records its outputs on its own Langevin step nearest
to the output time, so a run at another step would see the outputs up to half a step earlier
or later, and the output at a pulse's edge on the other side of it (a shift of one output
step, 0.02/kappa, in every relaxation time of a cell: KS p ~ 1e-18 before this was done).
The new runs are labelled with the times the reference run recorded
(``hybrid_map.measure(..., clock_dt_factor=0.05)``); the labels then differ from the state's
true time by less than one step.

``--hybrid-only`` reruns only the hybrid, at the stored step on the stored hybrid's block
``2 n i``, and tests it against the *stored* Langevin sample: the validity map of the present
hybrid kernel at half the cost (issue 18 changed the hybrid's random streams, not, it must
show, its distributions).

``--check-reference K`` first reruns the reference (Langevin at the stored step) of K cells
and requires the stored values bit for bit: the stored sample is this code's.

Every finished cell is appended to OUT/langevin-dt-map-TAG.cells.jsonl (resumed when the same
command runs again); OUT/langevin-dt-map-TAG.json holds the summary and the per-cell tests.

    python bench/langevin_dt_map.py --map docs/hybrid_map/hybrid-map-paper-r2.cells.jsonl \\
        --dt-factor 0.2 --hybrid --out docs/langevin_dt --tag paper-0.2
    (--voltages 0 1.5 3 --thetas 0.1 0.45: a part of the grid; --quick: 4 corner cells)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from spicemem.experiments import hybrid_map as hm
from spicemem.io import atomic_write_json, ensure_dir, read_jsonl_log, to_jsonable

REFERENCE_DT_FACTOR = 0.05  # the step rule the stored maps were made with
KEYS = ("g_avg", "delay", "relax", "g_end")


def load_map(path):
    """Header and {index: cell} of a stored map log, the censored times as +inf."""
    header, cells = None, {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if "header" in rec:
            header = rec["header"]
            continue
        c = rec["cell"]
        for side in ("hybrid", "langevin"):
            for k in KEYS:
                c[side][k] = np.array([np.inf if q is None else q for q in c[side][k]], float)
        cells[rec["index"]] = c
    return header, cells


def _sample(m):
    return {k: np.asarray(m[k], float) for k in KEYS}


def run_cell(i, c, n, seed, dt_factor, hybrid, hybrid_only=False):
    args = (c["preset"], c["protocol"], c["v"], c["theta"])
    if hybrid_only:  # the map's own hybrid block against its stored Langevin sample
        t0 = time.process_time()
        h = hm.measure(*args, "hybrid", n, seed, 2 * n * i, dt_factor=REFERENCE_DT_FACTOR,
                       clock_dt_factor=REFERENCE_DT_FACTOR)
        return {"index": i, "preset": c["preset"], "protocol": c["protocol"], "v": c["v"],
                "theta": c["theta"], "realizations": n, "dt_factor": REFERENCE_DT_FACTOR,
                "cpu_hybrid_s": round(time.process_time() - t0, 3),
                "g_hybrid": float(np.mean(h["g_avg"])), "g_ref": float(np.mean(c["langevin"]["g_avg"])),
                "g_hybrid_stored": float(np.mean(c["hybrid"]["g_avg"])),
                "map": hm.cell_tests(h, c["langevin"]), "hybrid": _sample(h)}
    t0 = time.process_time()
    lg = hm.measure(*args, "langevin", n, seed, 2 * n * i, dt_factor=dt_factor,
                    clock_dt_factor=REFERENCE_DT_FACTOR)
    cpu_l = time.process_time() - t0
    ref = c["langevin"]
    rec = {"index": i, "preset": c["preset"], "protocol": c["protocol"], "v": c["v"],
           "theta": c["theta"], "realizations": n, "dt_factor": dt_factor,
           "g_new": float(np.mean(lg["g_avg"])), "g_ref": float(np.mean(ref["g_avg"])),
           "theta_peak_new": lg["theta_peak"], "theta_peak_ref": c["theta_peak_langevin"],
           "dt": hm.cell_tests(lg, ref), "cpu_langevin_s": round(cpu_l, 3),
           "langevin": _sample(lg)}
    if hybrid:
        t0 = time.process_time()
        h = hm.measure(*args, "hybrid", n, seed, 2 * n * i + n, dt_factor=dt_factor,
                       clock_dt_factor=REFERENCE_DT_FACTOR)
        rec["cpu_hybrid_s"] = round(time.process_time() - t0, 3)
        rec["g_hybrid"] = float(np.mean(h["g_avg"]))
        rec["map"] = hm.cell_tests(h, lg)
        rec["hybrid"] = _sample(h)
    return rec


def check_reference(i, c, n, seed) -> dict:
    lg = hm.measure(c["preset"], c["protocol"], c["v"], c["theta"], "langevin", n, seed,
                    2 * n * i + n, dt_factor=REFERENCE_DT_FACTOR, clock_dt_factor=REFERENCE_DT_FACTOR)
    same = all(np.array_equal(lg[k], c["langevin"][k]) for k in KEYS)
    return {"index": i, "identical": bool(same)}


def family(recs, key) -> dict:
    """Holm and BH over every test of one family; the per-cell G z-values' distribution."""
    tests = [r[key] for r in recs if key in r]
    if not tests:
        return {}
    s = hm.assess(tests)  # flags each test dict with holm_reject / bh_reject
    z = np.array([t["g_z"] for t in tests])
    s.update(cells=len(tests), g_z_mean=float(z.mean()),
             g_z_mean_se=float(1.0 / np.sqrt(z.size)), g_z_sd=float(z.std(ddof=1)) if z.size > 1 else None,
             g_z_max_abs=float(np.abs(z).max()),
             p_g_below_0_05=float(np.mean([t["p_g"] < 0.05 for t in tests])),
             rejected=[(r["preset"], r["protocol"], r["v"], r["theta"], r[key]["holm_reject"] or r[key]["bh_reject"])
                       for r in recs if key in r and (r[key]["holm_reject"] or r[key]["bh_reject"])],
             smallest=sorted(((min(r[key][k] for k in hm.TESTS), r["preset"], r["protocol"], r["v"],
                               r["theta"], round(r[key]["g_z"], 2)) for r in recs if key in r))[:5])
    return s


def _read_log(path):
    return {rec["index"]: rec for _, rec in read_jsonl_log(path) if "index" in rec}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--map", required=True, help="a stored map log (*.cells.jsonl) made at dt_factor 0.05")
    ap.add_argument("--dt-factor", type=float, default=0.2)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--presets", nargs="+")
    ap.add_argument("--protocols", nargs="+", choices=hm.PROTOCOLS)
    ap.add_argument("--voltages", type=float, nargs="+")
    ap.add_argument("--thetas", type=float, nargs="+")
    ap.add_argument("--hybrid", action="store_true", help="also the hybrid at the new step")
    ap.add_argument("--hybrid-only", action="store_true",
                    help="only the hybrid, at the stored step, against the stored Langevin sample")
    ap.add_argument("--check-reference", type=int, default=1, metavar="K")
    ap.add_argument("--quick", action="store_true", help="the 4 corners of the first preset's held map")
    ap.add_argument("--summarize", action="store_true", help="write the JSON of the log; run nothing")
    ap.add_argument("--plot", metavar="DIR", help="also draw the step map and the hybrid map as the "
                    "validity map's heat maps: DIR/langevin-dt-map-TAG-{step,hybrid}.png")
    args = ap.parse_args(argv)
    header, cells = load_map(args.map)
    n, seed = header["realizations"], header["seed"]

    def wanted(c):
        return ((not args.presets or c["preset"] in args.presets)
                and (not args.protocols or c["protocol"] in args.protocols)
                and (not args.voltages or any(abs(c["v"] - v) < 1e-9 for v in args.voltages))
                and (not args.thetas or any(abs(c["theta"] - t) < 1e-9 for t in args.thetas)))

    todo = [i for i in sorted(cells) if wanted(cells[i])]
    if args.quick:
        first = cells[todo[0]]["preset"]
        todo = [i for i in todo if cells[i]["preset"] == first and cells[i]["protocol"] == "held"
                and cells[i]["v"] in (0.0, 3.0) and cells[i]["theta"] in (0.1, 0.45)]
    out = ensure_dir(args.out)
    name = f"langevin-dt-map-{args.tag}"
    log = Path(out) / f"{name}.cells.jsonl"
    done = _read_log(log)
    checks = []
    if not args.summarize:
        for i in todo[: 0 if args.hybrid_only else args.check_reference]:
            checks.append(check_reference(i, cells[i], n, seed))
            if not checks[-1]["identical"]:
                print(f"{name}: the reference of cell {i} is not reproduced by this code", file=sys.stderr)
                return 1
        pending = [i for i in todo if i not in done]
        print(f"{name}: {len(pending)} of {len(todo)} cells to run, {n} devices, dt_factor "
              f"{args.dt_factor:g} vs {REFERENCE_DT_FACTOR:g}", file=sys.stderr)
        with open(log, "a", encoding="utf-8") as fh:
            for k, i in enumerate(pending):
                rec = run_cell(i, cells[i], n, seed, args.dt_factor, args.hybrid, args.hybrid_only)
                done[i] = json.loads(json.dumps(to_jsonable(rec)))
                fh.write(json.dumps(to_jsonable(rec)) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
                d = rec.get("dt", rec.get("map"))
                print(f"[{k + 1}/{len(pending)}] {rec['preset']} {rec['protocol']} {rec['v']:g} "
                      f"{rec['theta']:g}: G {rec.get('g_new', rec.get('g_hybrid')):.4g} vs "
                      f"{rec['g_ref']:.4g} z {d['g_z']:+.2f}, min p {min(d[t] for t in hm.TESTS):.3g}"
                      + (f"; hybrid z {rec['map']['g_z']:+.2f}" if "map" in rec else "")
                      + f", cpu {rec.get('cpu_langevin_s', 0):.1f}+{rec.get('cpu_hybrid_s', 0):.1f} s",
                      file=sys.stderr, flush=True)
    recs = [done[i] for i in todo if i in done]
    for r in recs:  # the summary keeps the tests; the per-realization values stay in the log
        for k in ("langevin", "hybrid"):
            r.pop(k, None)
    result = {"bench": "langevin_dt_map", "map": args.map, "seed": seed, "realizations": n,
              "dt_factor": args.dt_factor, "reference_dt_factor": REFERENCE_DT_FACTOR,
              "cells_selected": len(todo), "cells_run": len(recs), "reference_checks": checks,
              "command": "python bench/langevin_dt_map.py " + " ".join(argv or sys.argv[1:]),
              "step": family(recs, "dt"), "hybrid_map": family(recs, "map"),
              "cpu_langevin_s": round(sum(r.get("cpu_langevin_s", 0.0) for r in recs), 1),
              "cpu_hybrid_s": round(sum(r.get("cpu_hybrid_s", 0.0) for r in recs), 1),
              "cells": recs}
    if args.summarize and (Path(out) / f"{name}.json").exists():
        # keep the command that ran the cells and its reference checks; note the summarizing one
        before = json.loads((Path(out) / f"{name}.json").read_text())
        result["command"] = before["command"]
        result["reference_checks"] = before.get("reference_checks", [])
        result["summarized_by"] = "python bench/langevin_dt_map.py " + " ".join(argv or sys.argv[1:])
    atomic_write_json(Path(out) / f"{name}.json", result)
    if args.plot:
        for key, fam, what, side in (
                ("dt", "step", f"Langevin at {args.dt_factor:g} - at {REFERENCE_DT_FACTOR:g}", "step"),
                ("map", "hybrid_map", f"hybrid - Langevin, both at {args.dt_factor:g}", "hybrid")):
            cells = [dict(r[key], preset=r["preset"], protocol=r["protocol"], v=r["v"], theta=r["theta"])
                     for r in recs if key in r]
            if cells:
                hm.plot({"cells": cells, "summary": result[fam], "realizations": n},
                        Path(ensure_dir(args.plot)) / f"{name}-{side}.png", what=what)
    for key in ("step", "hybrid_map"):
        s = result[key]
        if s:
            print(f"{name} {key}: {s['cells']} cells, {s['tests']} tests, min p {s['min_p']:.3g}, "
                  f"Holm {s['holm_rejections']}, BH {s['bh_rejections']}, G z mean "
                  f"{s['g_z_mean']:+.3f} +- {s['g_z_mean_se']:.3f}, sd {s['g_z_sd']}, "
                  f"max |z| {s['g_z_max_abs']:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
