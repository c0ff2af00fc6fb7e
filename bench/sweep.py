"""Speed of the sweep machinery: 1 vs 2 local worker processes, and the pool's overhead.

A fixed device sweep (12 points x 12 realizations, one task per point of ~1-2 s) runs

* in this process (the baseline: the same tasks, no pool),
* on 1 local worker process, and on 2,

and a sweep of 500 no-op tasks (``builtins:dict`` as the target) measures what the pool
costs per task once its workers are up.  Prints one JSON line:

  task_s                  mean time of one task in this process
  inline_s, pool1_s, pool2_s   wall times of the three runs (pool runs include starting
                          their workers: spawn, imports, loading the compiled kernels)
  speedup_2_vs_1          pool1_s / pool2_s (goal: >= 1.8 on 2 free cores)
  cores_used_pool1/2      CPU seconds (workers + this process) / wall seconds of the pool
                          runs: how many cores the run actually got
  overhead_per_task_s     (pool1_s - inline_s) / tasks: everything the pool adds, worker
                          start-up included, spread over the tasks
  dispatch_per_task_ms    per-task cost of the pool alone (no-op tasks, start-up removed)

Every worker runs Numba on one thread (``NUMBA_NUM_THREADS=1``; the in-process baseline
too): the parallelism is the processes, and a worker that started a thread per core
would compete with the other workers for the same cores.

On a machine shared with other jobs the speed-up is bounded by the cores actually free;
``load_avg`` and ``cores_used_*`` are printed beside it.  With Linux's scheduler
autogroups (``/proc/sys/kernel/sched_autogroup_enabled`` = 1) every terminal session gets
an equal share of the CPUs, so while another session keeps the cores busy, the two workers
of this benchmark share one session's share and the speed-up cannot show.

Run: python bench/sweep.py [--points 12] [--realizations 12]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time

from spicemem.sweep import run_sweep


def device_spec(points: int, realizations: int) -> dict:
    temps = [330.0 + 5.0 * k for k in range(points)]
    return {
        "sweep": {"target": "device", "seed": 1, "realizations": realizations,
                  "realizations_per_task": realizations,
                  "metrics": ["g_peak", "relaxation_time"]},
        # Pure Langevin: the task is the simulation, not the hopping tables' set-up.
        "device": {"preset": "wang2017_paper", "friction_ratio": 10, "heating_ratio": 20,
                   "integrator": "langevin"},
        "waveform": {"amplitude": 2.5, "width": 3e-6, "delay": 0.5e-6, "rise": 0.05e-6, "tail": 25e-6},
        "parameters": {"device.t_ambient": temps},
    }


def noop_spec(n: int) -> dict:
    return {"sweep": {"target": "python", "seed": 1, "metrics": ["x"]},
            "python": {"function": "builtins:dict"},
            "parameters": {"python.x": list(range(n))}}


def _cpu() -> float:
    """CPU seconds of this process and of its finished (joined) children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(spec, workers: int, cpu: dict | None = None) -> float:
    with tempfile.TemporaryDirectory() as out:
        c0 = _cpu()
        t0 = time.perf_counter()
        summary = run_sweep(spec, out, workers=workers, recycle=0, progress=False, log=lambda m: None)
        wall = time.perf_counter() - t0
        if cpu is not None:
            cpu[workers] = _cpu() - c0
    if summary.failed:
        raise RuntimeError(f"{summary.failed} rows failed in the benchmark sweep")
    return wall


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=12, help="tasks (one per point)")
    ap.add_argument("--realizations", type=int, default=12, help="devices per task (its length)")
    args = ap.parse_args(argv)
    spec = device_spec(args.points, args.realizations)
    # Warm this process (kernels loaded from Numba's cache) so that the baseline is tasks only.
    timed({**spec, "parameters": {"device.t_ambient": [300.0]}}, 0)
    cpu = {}
    inline = timed(spec, 0, cpu)
    pool1 = timed(spec, 1, cpu)
    pool2 = timed(spec, 2, cpu)
    tasks = args.points
    n_noop = 500
    startup = timed(noop_spec(1), 1)
    noop = timed(noop_spec(n_noop), 1)
    out = {
        "bench": "sweep",
        "cpus": len(os.sched_getaffinity(0)),
        "load_avg": round(os.getloadavg()[0], 2),
        "tasks": tasks,
        "task_s": inline / tasks,
        "inline_s": inline,
        "pool1_s": pool1,
        "pool2_s": pool2,
        "speedup_2_vs_1": pool1 / pool2,
        # CPU seconds over wall seconds: ~1 for one worker and ~2 for two on two free cores;
        # less when other jobs hold the cores (then the speed-up is bounded by it).
        "cores_used_pool1": cpu[1] / pool1,
        "cores_used_pool2": cpu[2] / pool2,
        "cpu_s": {str(k): round(v, 2) for k, v in cpu.items()},
        "speedup_2_vs_inline": inline / pool2,
        "overhead_per_task_s": (pool1 - inline) / tasks,
        "overhead_pct": 100 * (pool1 - inline) / inline,
        "worker_startup_s": startup,
        "dispatch_per_task_ms": 1e3 * max(noop - startup, 0.0) / (n_noop - 1),
    }
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in out.items()}))


if __name__ == "__main__":
    main()
