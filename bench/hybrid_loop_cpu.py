"""CPU per I-V loop of the hybrid, through ngspice and standalone (issue 18h): the protocol of
examples/fit_synthetic/crn_roughness.py (a 0 -> 1 V -> 0 staircase through 1 MOhm, SiOxNy_Ag,
w_pin 0.27 eV), ``--devices`` devices per loop, seeds 1..``--seeds``, after one warm-up loop
(compilation).  Process CPU time (ngspice runs in this process), so that a loaded machine
does not inflate it; compare trees by alternating runs.

Run: PYTHONPATH=. python bench/hybrid_loop_cpu.py [--seeds 5] [--devices 8]
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from spicemem.devices.diffusive import DiffusiveParams
from spicemem.fit import protocols as pr


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--devices", type=int, default=8)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "fit_synthetic"))
    import crn_roughness as cr

    pc = {"type": "iv_loop", "series_ohm": 1e6, "compliance_a": None, "v_max": 1.0, "v_min": None,
          "step_v": 0.025, "sweep_rate_v_per_s": 2500.0, "cycles": 1, "pause_s": 0.0, "temperature_k": 300.0}
    p = DiffusiveParams.from_preset("SiOxNy_Ag", integrator="hybrid").replace(w_pin=0.27)
    warnings.simplefilter("ignore")
    pr.simulate_loops("diffusive", p, pc, args.devices, 99)  # warm-up: compilation
    cr.standalone_rows(p, pc, args.devices, 99)
    out = {"ngspice": [], "standalone": []}
    for s in range(1, args.seeds + 1):
        c = time.process_time()
        pr.simulate_loops("diffusive", p, pc, args.devices, s)
        out["ngspice"].append(time.process_time() - c)
        c = time.process_time()
        cr.standalone_rows(p, pc, args.devices, s)
        out["standalone"].append(time.process_time() - c)
    summary = {k: {"min_s": round(min(v), 3), "median_s": round(float(np.median(v)), 3),
                   "each_s": [round(x, 3) for x in v]} for k, v in out.items()}
    print(json.dumps({"cpu_per_loop": summary, "load": open("/proc/loadavg").read().split()[:3]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
