"""One live run of bench/active.py's all-active array, for alternating checkouts of spicemem
on one machine (each run its own process, so that libgomp starts with that tree's settings):
prints the tree, the thread count, OMP_WAIT_POLICY, ngspice's run wall time, the process CPU
of the run_netlist call and the accepted steps (issue 17, lever 3).

Usage: PYTHONPATH=TREE python bench/live_once.py [R] [threads] [dt_factor]
       (defaults 16, 2, 0.2; a 2x2 run first loads the compiled code)
"""

import os
import sys
import time

import numba

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import active_breakdown as ab  # noqa: E402  (the array)

from spicemem.bridge import run_netlist  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 16
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
dtf = float(sys.argv[3]) if len(sys.argv) > 3 else 0.2
numba.set_num_threads(threads)
R_FIXED = 2616.2  # Ohm, unused by the live netlist (bench/bridge.py's fixed form)
run_netlist(ab.netlist(2, 2e-6, 0.5e-6, R_FIXED, dtf), seed=1)
c0 = time.process_time()
r = run_netlist(ab.netlist(n, 10e-6, 0.5e-6, R_FIXED, dtf), seed=1)
cpu = time.process_time() - c0
import spicemem  # noqa: E402

print(os.path.dirname(spicemem.__file__), "threads", threads, "OMP_WAIT_POLICY",
      os.environ.get("OMP_WAIT_POLICY"), "wall", round(r.extra["run_time_s"], 3), "cpu",
      round(cpu, 3), "steps", r.steps["accepted"], "load", round(os.getloadavg()[0], 2))
