"""Benchmark of the ngspice bridge on an R x C resistive crossbar.

Rows are driven by pulse sources through source resistances, columns go to ground through
sense resistances, and a device sits at every crossing.  For 1, 16, 256 and 1024 devices
(1x1, 4x4, 16x16, 32x32) it times three forms of the same netlist:

* ``fixed``:   fixed resistors in plain ngspice (the floor);
* ``frozen``:  the bridge with devices whose state is frozen (the bridge's own overhead:
               B-sources, external sources, the callbacks);
* ``live``:    the bridge with live diffusive devices.

All three use the same maximum step (``.tran ... TMAX`` equal to the bridge's cap), so they
take comparable step counts.  It prints one JSON line per size with the wall time per
accepted step of each form (the median of ``--repeat`` runs; one process, one ngspice).

Usage: python bench/bridge.py [--sizes 1,16,256,1024] [--repeat 3] [--tstop 20e-6]
"""

from __future__ import annotations

import argparse
import json
import math
import sys

MODEL = ".model ag diffusive (preset=wang2017_paper friction_ratio=10 heating_ratio=20 theta_ambient=0.35)"


def crossbar(rows: int, cols: int, form: str, tstop: float, tmax: float, r_fixed: float) -> str:
    lines = [f"* {rows}x{cols} crossbar, {form}"]
    if form != "fixed":
        lines.append(MODEL)
    for i in range(rows):
        delay = 1e-6 + 0.2e-6 * (i % 4)
        lines.append(f"V{i} s{i} 0 pulse(0 2.5 {delay:.3g} 0.5u 0.5u 8u 20u)")
        lines.append(f"Rs{i} s{i} r{i} 100")
    for j in range(cols):
        lines.append(f"Rc{j} c{j} 0 100")
    for i in range(rows):
        for j in range(cols):
            if form == "fixed":
                lines.append(f"R{i}_{j} r{i} c{j} {r_fixed:.6g}")
            else:
                lines.append(f"N{i}_{j} r{i} c{j} ag")
    lines.append(f".tran {tmax:.6g} {tstop:.6g} 0 {tmax:.6g}")
    lines.append(".end")
    return "\n".join(lines) + "\n"


def measure(text: str, form: str, repeat: int):
    from spicemem.bridge import StepControl, run_netlist

    walls, steps = [], None
    for _ in range(repeat):
        r = run_netlist(text, seed=1, frozen=(form == "frozen"), step=StepControl())
        walls.append(r.extra["run_time_s"])  # ngspice's 'run' only (no parsing, setup, output)
        steps = r.steps["accepted"]
    walls.sort()
    wall = walls[len(walls) // 2]
    return {"wall_s": round(wall, 4), "accepted": steps,
            "us_per_step": round(1e6 * wall / max(steps, 1), 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,16,256,1024")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tstop", type=float, default=20e-6)
    ap.add_argument("--forms", default="fixed,frozen,live")
    args = ap.parse_args(argv)
    from spicemem.devices.diffusive import DiffusiveParams

    p = DiffusiveParams.from_preset("wang2017_paper", friction_ratio=10, heating_ratio=20,
                                    theta_ambient=0.35)
    tmax = 0.5 * p.tau_thermal  # the bridge's default cap
    r_fixed = 1.0 / (p.g_max * 0.02)
    # warm up: compile/load the callbacks and kernels outside the timing
    from spicemem.bridge import run_netlist

    run_netlist(crossbar(1, 1, "live", 2e-6, tmax, r_fixed), seed=0)
    for d in (int(s) for s in args.sizes.split(",")):
        rows = int(round(math.sqrt(d)))
        cols = d // rows
        line = {"devices": rows * cols, "rows": rows, "cols": cols, "tstop_s": args.tstop}
        for form in args.forms.split(","):
            line[form] = measure(crossbar(rows, cols, form, args.tstop, tmax, r_fixed), form, args.repeat)
        if "fixed" in line and "frozen" in line:
            line["frozen_over_fixed"] = round(line["frozen"]["us_per_step"] / line["fixed"]["us_per_step"], 2)
        if "fixed" in line and "live" in line:
            line["live_over_fixed"] = round(line["live"]["us_per_step"] / line["fixed"]["us_per_step"], 2)
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
