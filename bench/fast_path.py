"""Speed of the hopping fast path, side by side with pure Langevin dynamics.

For each seed, the same post-pulse device states (hybrid_validation's protocol at
k_B T/w_p = --theta) relax at zero bias under three integrators, one after the other in
this process: pure Langevin, the hybrid, and the hybrid without its mixed regime (a whole
device hops or none of it: the code before the per-particle hybrid, kept as hc[H_MODE] = 2
for this comparison).  Then --devices room-temperature relaxations (300 K, zero bias, from
the ON state) of the SiOxNy_Ag preset by both hybrids.

Prints one JSON line per seed and a summary line:
  *_cpu_s_per_device         process CPU time per device (one thread: the work done)
  *_s_per_device             wall time per device (grows when other jobs share the cores)
  cpu_ratio, ratio           Langevin / hybrid (issue 5 goal: >= 1000 at theta = 0.15)
  *_device_only              the same for the whole-device hybrid
  room_temperature_*         per room-temperature relaxation (goal < 10 ms)
  *_mean_relaxation_s        the simulated relaxation times (mean, capped at the window)
  load                       os.getloadavg() before and after
Summary: mean, sample sd, min and max over seeds of each ratio and time.

Run: python bench/fast_path.py [--devices 8] [--seeds 1 2 3] [--theta 0.15]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numba
import numpy as np

from spicemem.devices.diffusive import DiffusiveParams, preset_names
from spicemem.devices.ensemble import simulate
from spicemem.experiments import hybrid_validation as hv
from spicemem.kernels import hopping as hk


def device_only(params):
    """The same parameters with the mixed regime switched off (hc[H_MODE] = 2)."""
    params.core.hybrid_control[hk.H_MODE] = 2.0  # this parameter object's own control vector
    return params


def relax(params, x0, temp0, window, seed):
    t_out = np.concatenate([[0.0], np.geomspace(1e-9, window, 200)])
    t0, c0 = time.perf_counter(), time.process_time()
    res = simulate(params, [0.0, window], [0.0, 0.0], realizations=len(temp0), seed=seed, x0=x0,
                   temperature0=temp0, t_out=t_out)
    return (time.perf_counter() - t0) / len(temp0), (time.process_time() - c0) / len(temp0), \
        float(np.mean(np.minimum(hv.relaxation_times(res), window)))


def room_temperature(params, devices, seed):
    n = params.n_particles
    x_on = np.linspace(-1.0, 1.0, n + 2)[1:-1] * params.half_length  # the ON state: R = R_min
    window = 2.0  # s: far beyond tens of ms
    t_out = np.concatenate([[0.0], np.geomspace(1e-9, window, 400)])
    simulate(params, [0.0, 1e-3], [0.0, 0.0], realizations=1, seed=seed, x0=x_on, n_out=3)  # compile
    t0, c0 = time.perf_counter(), time.process_time()
    res = simulate(params, [0.0, window], [0.0, 0.0], realizations=devices, seed=seed, x0=x_on,
                   t_out=t_out)
    return ((time.perf_counter() - t0) / devices, (time.process_time() - c0) / devices,
            float(np.mean(np.minimum(hv.relaxation_times(res), window))))


def one_seed(args, seed):
    load0 = os.getloadavg()
    x0, temp0 = hv.post_pulse_states(args.theta, args.devices, seed)
    window = hv.PROTOCOLS[args.theta][2]
    runs = {"langevin": hv.params_for(args.theta, integrator="langevin"),
            "hybrid": hv.params_for(args.theta),
            "hybrid_device_only": device_only(hv.params_for(args.theta))}
    out = {"bench": "fast_path", "seed": seed, "theta": args.theta, "devices": args.devices,
           "relaxation_window_s": window}
    for name, prm in runs.items():
        if name != "langevin":
            prm.core.hop_tables  # tables are built once per parameter set, not per relaxation
        relax(prm, x0[:1], temp0[:1], 1e-6, seed)  # compile
        wall, cpu, tau = relax(prm, x0, temp0, window, seed)
        out[f"{name}_s_per_device"] = wall
        out[f"{name}_cpu_s_per_device"] = cpu
        out[f"{name}_mean_relaxation_s"] = tau
    for suffix in ("", "_device_only"):
        out["cpu_ratio" + suffix] = out["langevin_cpu_s_per_device"] / out[f"hybrid{suffix}_cpu_s_per_device"]
        out["ratio" + suffix] = out["langevin_s_per_device"] / out[f"hybrid{suffix}_s_per_device"]
    if "SiOxNy_Ag" in preset_names():
        for suffix, prm in (("", DiffusiveParams.from_preset("SiOxNy_Ag", t_ambient=300.0)),
                            ("_device_only",
                             device_only(DiffusiveParams.from_preset("SiOxNy_Ag", t_ambient=300.0)))):
            prm.core.hop_tables
            wall, cpu, tau = room_temperature(prm, args.devices, seed)
            out["room_temperature_s_per_device" + suffix] = wall
            out["room_temperature_cpu_s_per_device" + suffix] = cpu
            out["room_temperature_relaxation_s" + suffix] = tau
    out["load"] = [round(v, 2) for v in load0 + os.getloadavg()]
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=8)
    ap.add_argument("--theta", type=float, default=0.15, choices=sorted(hv.PROTOCOLS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args(argv)
    numba.set_num_threads(1)
    rows = []
    for seed in args.seeds:
        row = one_seed(args, seed)
        rows.append(row)
        print(json.dumps({k: (float(f"{v:.4g}") if isinstance(v, float) else v) for k, v in row.items()}),
              flush=True)
    summary = {"bench": "fast_path_summary", "seeds": args.seeds, "devices": args.devices,
               "theta": args.theta}
    for key in sorted(rows[0]):
        vals = np.array([r[key] for r in rows]) if isinstance(rows[0][key], float) else None
        if vals is None or key in ("theta", "relaxation_window_s"):
            continue
        summary[key] = {"mean": float(f"{vals.mean():.4g}"),
                        "sd": float(f"{vals.std(ddof=1):.3g}") if vals.size > 1 else None,
                        "min": float(f"{vals.min():.4g}"), "max": float(f"{vals.max():.4g}")}
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
