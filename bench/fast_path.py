"""Speed of the hopping fast path, side by side with pure Langevin dynamics.

Prints one JSON line:
  theta, relaxation_window_s     the relaxation compared (zero bias, after the same pulse)
  langevin_s_per_device          wall time of one relaxation by pure Langevin (one thread)
  hybrid_s_per_device            the same relaxations by the hybrid (one thread)
  ratio                          langevin / hybrid (issue 5 goal: >= 1000 at theta = 0.15)
  room_temperature_s_per_device  one room-temperature relaxation (300 K, zero bias, from the
                                 ON state) of the SiOxNy_Ag preset by the hybrid (goal < 10 ms)
  *_cpu_*                        the same in process CPU time (one thread, so it is the work
                                 done; wall times grow when other jobs share the cores)
  room_temperature_relaxation_s  its simulated relaxation time (mean), s

Run: python bench/fast_path.py [--devices 4] [--theta 0.15]
"""

from __future__ import annotations

import argparse
import json
import time

import numba
import numpy as np

from spicemem.devices.diffusive import DiffusiveParams, preset_names
from spicemem.devices.ensemble import simulate
from spicemem.experiments import hybrid_validation as hv


def relax_wall(params, x0, temp0, window, seed):
    t_out = np.concatenate([[0.0], np.geomspace(1e-9, window, 200)])
    t0, c0 = time.perf_counter(), time.process_time()
    res = simulate(params, [0.0, window], [0.0, 0.0], realizations=len(temp0), seed=seed, x0=x0,
                   temperature0=temp0, t_out=t_out)
    return time.perf_counter() - t0, time.process_time() - c0, hv.relaxation_times(res)


def room_temperature(devices, seed):
    if "SiOxNy_Ag" not in preset_names():
        return None, None, None
    p = DiffusiveParams.from_preset("SiOxNy_Ag", t_ambient=300.0)
    p.core.hop_tables
    n = p.n_particles
    x_on = np.linspace(-1.0, 1.0, n + 2)[1:-1] * p.half_length  # the ON state: R = R_min
    window = 2.0  # s: far beyond tens of ms
    t_out = np.concatenate([[0.0], np.geomspace(1e-9, window, 400)])
    simulate(p, [0.0, 1e-3], [0.0, 0.0], realizations=1, seed=seed, x0=x_on, n_out=3)  # compile
    t0, c0 = time.perf_counter(), time.process_time()
    res = simulate(p, [0.0, window], [0.0, 0.0], realizations=devices, seed=seed, x0=x_on, t_out=t_out)
    wall = (time.perf_counter() - t0) / devices
    cpu = (time.process_time() - c0) / devices
    tau = hv.relaxation_times(res)
    return wall, cpu, float(np.mean(np.minimum(tau, window)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=4)
    ap.add_argument("--theta", type=float, default=0.15, choices=sorted(hv.PROTOCOLS))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    numba.set_num_threads(1)
    x0, temp0 = hv.post_pulse_states(args.theta, args.devices, args.seed)
    window = hv.PROTOCOLS[args.theta][2]
    hyb = hv.params_for(args.theta)
    lang = hv.params_for(args.theta, integrator="langevin")
    hyb.core.hop_tables  # tables are built once per parameter set, not per relaxation
    relax_wall(hyb, x0[:1], temp0[:1], 1e-6, args.seed)  # compile both paths
    relax_wall(lang, x0[:1], temp0[:1], 1e-6, args.seed)
    w_h, c_h, tau_h = relax_wall(hyb, x0, temp0, window, args.seed)
    w_l, c_l, tau_l = relax_wall(lang, x0, temp0, window, args.seed)
    rt_wall, rt_cpu, rt_tau = room_temperature(args.devices, args.seed)
    out = {
        "bench": "fast_path",
        "theta": args.theta,
        "devices": args.devices,
        "relaxation_window_s": window,
        "langevin_s_per_device": w_l / args.devices,
        "hybrid_s_per_device": w_h / args.devices,
        "ratio": w_l / w_h,
        "langevin_cpu_s_per_device": c_l / args.devices,
        "hybrid_cpu_s_per_device": c_h / args.devices,
        "cpu_ratio": c_l / c_h,
        "langevin_mean_relaxation_s": float(np.mean(np.minimum(tau_l, window))),
        "hybrid_mean_relaxation_s": float(np.mean(np.minimum(tau_h, window))),
        "room_temperature_s_per_device": rt_wall,
        "room_temperature_cpu_s_per_device": rt_cpu,
        "room_temperature_relaxation_s": rt_tau,
    }
    print(json.dumps({k: (float(f"{v:.4g}") if isinstance(v, float) else v) for k, v in out.items()}))


if __name__ == "__main__":
    main()
