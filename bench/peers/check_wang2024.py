"""Check the ngspice port of the Wang et al. (TCASAI 2024) peer against the published testbench.

Runs the authors' single-voltage-pulse testbench (``test_diffusive_voltage_single_pulse.cir``
of https://github.com/TongWang-USC/Memristor-Model: 1 V step at 0.1 ms through 50 Ohm, with
10 MOhm and 1 uF across the device; noise off, kappa = 0, because LTspice's ``rand`` stream
cannot be reproduced) with our subcircuit in ngspice through ``run_netlist``, and solves the
same published equations independently with SciPy (Radau, rtol 1e-8), then compares the
filament state f(t), the residual r(t) and the device current I(t) on a common time grid.

The curve: under 1 V the filament grows at its capped rate (df/dt = 1/s), the residual
follows (dr/dt = beta f - gamma2 r), and the device turns on when f + r reaches 1 (at
~0.87 s): the current jumps from ~0.1 nA (R ~ Roff) to 59 uA (Ron = 17 kOhm in series with
50 Ohm).  Tolerance: |f - f_ref| and |r - r_ref| < 2e-3 (ngspice's truncation error at a
0.1 ms maximum step, as in the testbench, on states of order 1), and the switching time
(first I > 10 uA) within 2 ms (20 maximum steps) of the reference.

Exit code 0 and one JSON line when every check holds; 1 otherwise.
Run: PYTHONPATH=. python bench/peers/check_wang2024.py [--tstop 1.5]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from peers.wang2024 import OPTIONS, PUBLISHED, subcircuit  # noqa: E402

RS, RP, CP2, VAMP, TDELAY, TRISE = 50.0, 1e7, 1e-6, 1.0, 1e-4, 1e-5


def testbench(tstop: float, form: str = "expert", options: str = "") -> str:
    return ("* Wang 2024 diffusive memristor, single voltage pulse (authors' testbench)\n"
            + (f".options {options}\n" if options else "")
            + subcircuit(kappa=0.0, form=form)
            + f"Vin in 0 PULSE(0 {VAMP} {TDELAY} {TRISE} {TRISE} 49 50 1)\n"
            f"Rs in p {RS}\nRp p n {RP}\nCp2 p n {CP2}\nVgnd n 0 0\nX1 p n wang2024\n"
            f".tran 0.1m {tstop} 0 0.1m\n.end\n")


def resistance(f, r):
    p = PUBLISHED
    s = min(abs(f + r), 1.0)
    return p["ron"] * s + p["roff"] * (math.exp((1 - s) / p["lamda"]) - 1) / (math.exp(1 / p["lamda"]) - 1)


def device_current(v, f, r):
    return max(0.0, min(1e-2, v / resistance(f, r)))


def reference(tstop: float, t_eval):
    """The published equations (Diffusive_model_core.cir, kappa = 0) and the testbench circuit,
    solved with SciPy: the device voltage v across Cp2 + the device's 10 pF."""
    from scipy.integrate import solve_ivp

    p = PUBLISHED
    ctot = CP2 + p["cpar"]

    def vin(t):
        return VAMP * min(1.0, max(0.0, (t - TDELAY) / TRISE))

    def rhs(t, y):
        v, f, r = y
        a = min(1.0, abs(v) * p["mu"] / (p["alpha"] + 1 - f - r) - p["gamma1"] * f - p["beta"] * f)
        b = p["beta"] * f - p["gamma2"] * r
        if f > 1 and a > 0 or f < 0 and a < 0:
            dfdt = 0.0
        elif f + r > 1 and a + b > 0:
            dfdt = -b if f > 0 else 0.0
        elif f + r < 0 and a + b < 0:
            dfdt = -b if f < 1 else 0.0
        else:
            dfdt = a
        if r > 1 and b > 0 or r < 0 and b < 0:
            drdt = 0.0
        elif f + r > 1 and a + b > 0:
            drdt = b if f > 0 else 0.0
        elif f + r < 0 and a + b < 0:
            drdt = b if f < 1 else 0.0
        else:
            drdt = b
        dv = ((vin(t) - v) / RS - v / RP - device_current(v, f, r)) / ctot
        return [dv, dfdt, drdt]

    sol = solve_ivp(rhs, (0.0, tstop), [0.0, 0.0, 0.0], method="Radau", t_eval=t_eval,
                    rtol=1e-8, atol=[1e-9, 1e-9, 1e-9], max_step=1e-3)
    return sol.y


def switch_time(t, i, level=1e-5):
    k = np.flatnonzero(i > level)
    return float(t[k[0]]) if k.size else math.inf


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tstop", type=float, default=1.5)
    ap.add_argument("--form", default="expert", choices=("expert", "literal"),
                    help="the subcircuit's form (wang2024.subcircuit)")
    ap.add_argument("--options", default=OPTIONS,
                    help=f"ngspice .options of the run (default {OPTIONS!r}, the benches')")
    args = ap.parse_args(argv)
    from spicemem.bridge import run_netlist

    res = run_netlist(testbench(args.tstop, args.form, args.options), seed=0)
    t = np.asarray(res.time)
    f = np.asarray(res.vectors["v(x1.f)"])
    r = np.asarray(res.vectors["v(x1.r)"])
    v = np.asarray(res.vectors["v(p)"]) - np.asarray(res.vectors["v(n)"])
    i = np.array([device_current(*z) for z in zip(v, f, r)])
    grid = np.linspace(0.0, args.tstop, 301)
    vr, fr, rr = reference(args.tstop, grid)
    ir = np.array([device_current(*z) for z in zip(vr, fr, rr)])
    out = {"check": "wang2024 peer vs own solve of the published equations",
           "form": args.form, "options": args.options, "tstop_s": args.tstop, "accepted": res.steps["accepted"],
           "max_abs_err_f": float(np.max(np.abs(np.interp(grid, t, f) - fr))),
           "max_abs_err_r": float(np.max(np.abs(np.interp(grid, t, r) - rr))),
           "t_switch_s": switch_time(t, i), "t_switch_ref_s": switch_time(grid, ir),
           "i_end_A": float(i[-1]), "i_end_ref_A": float(ir[-1])}
    ok = (out["max_abs_err_f"] < 2e-3 and out["max_abs_err_r"] < 2e-3
          and abs(out["t_switch_s"] - out["t_switch_ref_s"]) < 2e-3 + (grid[1] - grid[0]))
    out["ok"] = bool(ok)
    print(json.dumps(out))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
