"""Benchmark: one read pulse of an N x N 1S1R crossbar, live selectors vs fixed resistors.

For each size (default 8, 16, 32, 64) the worst-case read of ``crossbar-sneak`` (cell
(0, N-1) in LRS, every other cell LRS, V/2 scheme, 4 V / 2 us pulse, 2 Ohm per wire
segment) is run twice from the same generator:

* ``live``:  every selector a live diffusive device through the bridge;
* ``fixed``: the same netlist with every selector replaced by a fixed resistor (its OFF
  resistance) -- plain ngspice, nothing co-simulated.

Both use the same ``.tran`` line.  One JSON line per size: wall time of the whole run
(``wall_s``: netlist checks, device allocation, ngspice, results), of ngspice's ``run``
alone (``run_s``), accepted time points, and the ratios live / fixed.  The memory element
is a fixed resistor in both (the drift memory is not in the bridge yet), so an N x N array
has N^2 live devices.

Usage: python bench/crossbar.py [--sizes 8,16,32,64] [--repeat 1] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

#: Fixed stand-in of an OFF selector, in Ohm (the equilibrium resistance of the selector
#: model at zero bias is 5-15 MOhm; docs/crossbar.md).
R_SELECTOR_FIXED = 8e6


def spec(n: int):
    from spicemem.crossbar import LRS, Crossbar, worst_case_pattern
    from spicemem.experiments.crossbar_sneak import ARRAY, PULSE

    return Crossbar(n, n, cell="1S1R", scheme="v/2", pattern=worst_case_pattern(n, n, state=LRS),
                    pulse=PULSE, **ARRAY)


def measure(text: str, seed: int, repeat: int) -> dict:
    from spicemem.bridge import run_netlist

    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = run_netlist(text, seed=seed)
        runs.append((time.perf_counter() - t0, r.extra["run_time_s"], len(r.time)))
    runs.sort()
    wall, run, points = runs[len(runs) // 2]
    return {"wall_s": round(wall, 3), "run_s": round(run, 3), "points": points}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="8,16,32,64")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    from spicemem.bridge import run_netlist
    from spicemem.crossbar import netlist_text

    # compile / load the kernels and take the first-call costs outside the timing
    run_netlist(netlist_text(spec(8)), seed=0)
    for n in (int(s) for s in args.sizes.split(",")):
        s = spec(n)
        line = {"size": f"{n}x{n}", "live_devices": n * n, "fixed_resistors": 2 * n * n + 2 * n * (n + 1)}
        line["live"] = measure(netlist_text(s), args.seed, args.repeat)
        line["fixed"] = measure(netlist_text(s.replace(selector_resistance=R_SELECTOR_FIXED)),
                                args.seed, args.repeat)
        line["ratio_wall"] = round(line["live"]["wall_s"] / line["fixed"]["wall_s"], 2)
        line["ratio_run"] = round(line["live"]["run_s"] / line["fixed"]["run_s"], 2)
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
