"""Benchmark: what the bridge's per-device state node costs ngspice in a crossbar read.

The bridge writes each memristor as a B-source ``I=V(a,b)*V(smg)*G`` whose state ``V(smg)``
is set by an external source.  Until issue 17 it was a *voltage* source: two unknowns per
device (the node and the source's branch); since, a current source into 1 Ohm: one.
At 64 x 64 ngspice's sparse LU is ~95 % of a live read (docs/crossbar.md, "What a 64 x 64
read costs"), so these unknowns matter.  This bench runs the crossbar-sneak read netlist
(cell (0, N-1) HRS, others LRS, V/2, 4 V / 2 us, 2 Ohm wire segments) in plain ngspice --
nothing co-simulated -- in these forms, one process, back to back:

* ``R``:  every selector a fixed 5.7 kOhm resistor;
* ``BV``: every selector the bridge's B-source, its ``smg`` node a dc voltage source (the
  bridge's structure, with a constant state);
* ``BI``: the same B-source, ``smg`` driven by a dc current source into 1 Ohm (no branch
  unknown) -- the bridge's structure since issue 17;
* ``BI5k7``: the same into 5.7 kOhm (= 1 / G_scale: the state node's diagonal of the order
  of the circuit's conductances instead of 1 S), to show why the bridge uses 1 Ohm;
* ``BI1m``: the same into 1 mOhm (a diagonal of 1e3 S).

All forms give the same currents (printed: the sensed current half-way, and its largest
relative difference from the first form's -- ``R`` by default -- over the whole run).  One
JSON line per (size, form): wall and CPU time of ngspice's ``run`` (the median of
``--repeat`` by wall time, and the spread), points, ms per point, the ratios of wall and CPU
per point to the first form's, and ngspice's own accounting (``rusage``: equations,
non-zeroes and fill-ins of the matrix, iterations -- counts that do not depend on the
machine's load -- and its timers of loading, factoring and solving the matrix, which are
elapsed time, as load-inflated as the wall time).  The load average is printed before and after.

Usage: python bench/crossbar_state_node.py [--sizes 32,64] [--repeat 1] [--quick]
       [--forms R,BV,BI,BI5k7,BI1m]
``--quick``: sizes 16,32.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

import numpy as np

G_ON = 1.0 / 5.7e3
_B = f"Bsel col mid I=V(col,mid)*V(smg)*{G_ON!r}"
FORMS = {
    "R": None,
    "BV": f"{_B}\nVsmg smg 0 dc 1",
    "BI": f"{_B}\nIsmg 0 smg dc 1\nRsmg smg 0 1",
    "BI5k7": f"{_B}\nIsmg 0 smg dc {G_ON!r}\nRsmg smg 0 5.7k",
    "BI1m": f"{_B}\nIsmg 0 smg dc 1000\nRsmg smg 0 1m",
}


def netlists(n: int) -> dict:
    from spicemem.crossbar.netlist import netlist_text
    from spicemem.experiments import crossbar_sneak as cs

    base = netlist_text(cs.spec_for(n, "1S1R", "v/2", cs._patterns(n)["hrs_worst"])
                        .replace(selector_resistance=5.7e3))
    return {k: base if v is None else re.sub(r"(?m)^Rsel col mid \{rsel\}$", v, base)
            for k, v in FORMS.items()}


#: ngspice's own accounting (``rusage all`` after the run): the matrix, and its timers
#: (elapsed time: at 64x64 under load their sum exceeded the process's CPU time 4x).
RUSAGE = {"Circuit Equations": "equations", "Circuit total non-zeroes": "nonzeros",
          "Circuit fill-in non-zeroes": "fillins", "Transient iterations": "iterations",
          "Transient load time": "load_s", "Transient factor time": "factor_s",
          "Transient solve time": "solve_s"}


def run_once(engine, text: str, n: int):
    """Load the checked ``text`` into ngspice, run it; (run wall s, run CPU s, time, sense
    current, ngspice's accounting).  The netlists have no memristor, so this is what
    ``run_netlist`` does (it adds only the idle guard source), with ``rusage`` read before
    the circuit is removed."""
    from spicemem.bridge.netlist import read_netlist

    engine.clear()
    engine.load(read_netlist(text).text)
    w0, c0 = time.perf_counter(), time.process_time()
    engine.run()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    acct = {}
    for ln in engine.command("rusage all")[0]:
        key, _, val = ln.partition(" = ")
        if key.strip() in RUSAGE:
            acct[RUSAGE[key.strip()]] = float(val.split()[0])
    vec = engine.vectors(engine.current_plot())
    out = (wall, cpu, vec["time"], vec[f"vc{n - 1}#branch"], acct)
    engine.clear()
    return out


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="32,64")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--forms", default=",".join(FORMS))
    ap.add_argument("--quick", action="store_true", help="16 and 32 only")
    args = ap.parse_args(argv)
    from spicemem.bridge.engine import get_engine

    sizes = (16, 32) if args.quick else tuple(int(s) for s in args.sizes.split(","))
    forms = args.forms.split(",")
    print(json.dumps({"bench": "crossbar_state_node", "load_before": loadavg(), "repeat": args.repeat}),
          flush=True)
    engine = get_engine()
    run_once(engine, netlists(4)["BV"], 4)  # load ngspice outside the timing
    for n in sizes:
        texts = netlists(n)
        ref = None
        for form in forms:
            runs = sorted((run_once(engine, texts[form], n) for _ in range(args.repeat)),
                          key=lambda x: x[0])
            wall, cpu, t, sense, acct = runs[len(runs) // 2]
            k = t.size
            line = {"size": f"{n}x{n}", "form": form, "wall_s": round(wall, 3),
                    "spread_s": [round(runs[0][0], 3), round(runs[-1][0], 3)],
                    "cpu_s": round(cpu, 3), "points": int(k),
                    "ms_per_point": round(1e3 * wall / k, 2), **acct,
                    "sense_current_a": float(sense[k // 2])}
            if ref is None:
                ref = (t, sense, wall / k, cpu / k)
            else:
                same = np.interp(ref[0], t, sense)
                line["max_rel_diff_vs_first"] = float(np.max(np.abs(same - ref[1]))
                                                      / np.max(np.abs(ref[1])))
                line["per_point_over_first"] = round(wall / k / ref[2], 2)
                line["cpu_per_point_over_first"] = round(cpu / k / ref[3], 2)
            print(json.dumps(line), flush=True)
    print(json.dumps({"load_after": loadavg()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
