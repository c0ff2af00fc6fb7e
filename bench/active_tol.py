"""Does a coarser rate control change an active array's switching statistics?  (issue 17,
lever 3: the live array takes ~2.4x the frozen run's steps, set by the rate control.)

The array of ``tests/test_bridge_active.py`` (4 x 4 diffusive devices, every row pulsed 4 V
through 30 kOhm, columns to ground through 1 kOhm, 10 us), run at the default tol = 0.5 and at
each ``--tols`` value, same seeds: with one seed a device draws the same random numbers in
every run, so the runs are paired device by device and only the splitting differs.  Prints
the accepted steps of each tol and, per tol, the mean paired difference (against 0.5) of
the switching time (first committed G above 0.3 G_max) and of ln G at the end of the
plateau, with its standard error, next to the seed-to-seed spread.

Usage: python bench/active_tol.py [--seeds 6] [--tols 1,2] [--dt-factor 0.2]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

G_MAX = 1.911131892218621e-05  # S (wang2017_paper)
T_END = 9.4e-6  # s, end of the plateau


def netlist(n: int = 4, dt_factor=None) -> str:
    extra = f" dt_factor={dt_factor:g}" if dt_factor else ""
    lines = ["* all-active 4x4",
             ".model ag diffusive (preset=wang2017_paper friction_ratio=10 heating_ratio=20 "
             f"theta_ambient=0.35{extra})"]
    for i in range(n):
        lines += [f"V{i} s{i} 0 pulse(0 4 1u 0.5u 0.5u 8u 20u)", f"Rs{i} s{i} r{i} 30k"]
    lines += [f"Rc{j} c{j} 0 1k" for j in range(n)]
    lines += [f"N{i}_{j} r{i} c{j} ag" for i in range(n) for j in range(n)]
    lines += [".tran 0.5u 10e-6", ".end"]
    return "\n".join(lines)


def stats(r):
    g = r.device_conductance
    above = g > 0.3 * G_MAX
    t_sw = np.where(above.any(axis=1), r.time[np.argmax(above, axis=1)], r.time[-1])
    return t_sw, np.log(g[:, np.searchsorted(r.time, T_END)])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--tols", default="1,2")
    ap.add_argument("--dt-factor", type=float, default=None)
    args = ap.parse_args(argv)
    from spicemem.bridge import StepControl, run_netlist

    tols = [0.5] + [float(x) for x in args.tols.split(",")]
    text = netlist(dt_factor=args.dt_factor)
    t_sw = {k: [] for k in tols}
    lng = {k: [] for k in tols}
    steps = {k: 0 for k in tols}
    cpu = {k: 0.0 for k in tols}
    for seed in range(1, args.seeds + 1):
        for tol in tols:
            r = run_netlist(text, seed=seed, step=StepControl(tol=tol))
            a, b = stats(r)
            t_sw[tol].append(a)
            lng[tol].append(b)
            steps[tol] += r.steps["accepted"]
            cpu[tol] += r.extra["run_cpu_time_s"]
    t_sw = {k: np.concatenate(v) for k, v in t_sw.items()}
    lng = {k: np.concatenate(v) for k, v in lng.items()}
    base = t_sw[0.5]
    print(json.dumps({"realizations": int(base.size), "switched": float(np.mean(base < 9.9e-6)),
                      "steps": {str(k): v for k, v in steps.items()},
                      "run_cpu_s": {str(k): round(v, 2) for k, v in cpu.items()},
                      "spread_t_sw_us": round(1e6 * base.std(ddof=1), 3),
                      "spread_lnG_end": round(float(lng[0.5].std(ddof=1)), 3)}))
    for tol in tols[1:]:
        out = {"tol": tol}
        for name, x, scale in (("t_sw_us", t_sw, 1e6), ("lnG_end", lng, 1.0)):
            d = scale * (x[tol] - x[0.5])
            out[name] = [round(float(d.mean()), 4), round(float(d.std(ddof=1) / np.sqrt(d.size)), 4)]
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
