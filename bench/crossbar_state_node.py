"""Benchmark: what the bridge's per-device state node costs ngspice in a crossbar read.

The bridge writes each memristor as a B-source ``I=V(a,b)*V(smg)*G`` whose state ``V(smg)``
is an external *voltage* source: two unknowns per device (the node and the source's branch).
At 64 x 64 ngspice's sparse LU is ~95 % of a live read (docs/crossbar.md, "What a 64 x 64
read costs"), so these unknowns matter.  This bench runs the crossbar-sneak read netlist
(cell (0, N-1) HRS, others LRS, V/2, 4 V / 2 us, 2 Ohm wire segments) in plain ngspice --
nothing co-simulated -- in three forms, one process, back to back:

* ``R``:  every selector a fixed 5.7 kOhm resistor;
* ``BV``: every selector the bridge's B-source, its ``smg`` node a dc voltage source (the
  bridge's structure, with a constant state);
* ``BI``: the same B-source, ``smg`` driven by a dc current source into 1 Ohm (no branch
  unknown).

All three give the same currents (printed: the sensed current half-way).  One JSON line per
(size, form): wall time of ``run_netlist``, points, ms per point (median of ``--repeat``).

Usage: python bench/crossbar_state_node.py [--sizes 32,64] [--repeat 1] [--quick]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time

G_ON = 1.0 / 5.7e3
FORMS = {
    "R": None,
    "BV": f"Bsel col mid I=V(col,mid)*V(smg)*{G_ON!r}\nVsmg smg 0 dc 1",
    "BI": f"Bsel col mid I=V(col,mid)*V(smg)*{G_ON!r}\nIsmg 0 smg dc 1\nRsmg smg 0 1",
}


def netlists(n: int) -> dict:
    from spicemem.crossbar.netlist import netlist_text
    from spicemem.experiments import crossbar_sneak as cs

    base = netlist_text(cs.spec_for(n, "1S1R", "v/2", cs._patterns(n)["hrs_worst"])
                        .replace(selector_resistance=5.7e3))
    return {k: base if v is None else re.sub(r"(?m)^Rsel col mid \{rsel\}$", v, base)
            for k, v in FORMS.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="32,64")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="16 and 32 only")
    args = ap.parse_args(argv)
    from spicemem.bridge import run_netlist

    sizes = (16, 32) if args.quick else tuple(int(s) for s in args.sizes.split(","))
    run_netlist(netlists(4)["BV"], seed=0)  # load ngspice and the kernels outside the timing
    for n in sizes:
        for form, text in netlists(n).items():
            runs = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                r = run_netlist(text, seed=0)
                runs.append((time.perf_counter() - t0, r))
            runs.sort(key=lambda x: x[0])
            wall, r = runs[len(runs) // 2]
            k = r.time.size
            print(json.dumps({"size": f"{n}x{n}", "form": form, "wall_s": round(wall, 3), "points": int(k),
                              "ms_per_point": round(1e3 * wall / k, 2),
                              "sense_current_a": float(r.vectors[f"i(vc{n - 1})"][k // 2])}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
