"""Where the hybrid's CPU goes in the fast-path bench: time per regime and Langevin work.

The bench's relaxations (post-pulse states at k_B T/w_p = --theta, zero bias) are driven
device by device through ``advance_hybrid`` in --slices slices, reading the regime at each
slice: whole-device Langevin (all N particles take steps), mixed (m of them do), hopping.
Langevin particle-steps (sum of particles in Langevin x steps) is the cost that matters:
one Heun step of one particle costs ~2 force-table lookups and a random draw, a hop one
Gillespie draw.  Run for the hybrid (hc[H_MODE] = 1) and the whole-device hybrid (2).

Run: python bench/fast_path_profile.py [--devices 8] [--seeds 1 2 3] [--slices 3000]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from spicemem.devices.ensemble import initial_state
from spicemem.experiments import hybrid_validation as hv
from spicemem.kernels import hopping as hk
from spicemem.kernels.diffusive import P_RSERIES
from spicemem.kernels.records import Core, HybridDevice, HybridModel, Waveform


def profile(mode, x0, temp0, window, seed, slices):
    prm = hv.params_for(0.15 if window == hv.PROTOCOLS[0.15][2] else 0.20)
    prm.core.hybrid_control[hk.H_MODE] = mode
    sc, core = prm.scales, prm.core
    tab, hc, dt = core.hop_tables, core.hybrid_control, core.dt
    p = core.p.copy()
    p[P_RSERIES] = 0.0
    t_end = window / sc.time
    tw, vw = np.array([0.0, t_end]), np.array([0.0, 0.0])
    # Fine slices early (the hot start), linear later: the regime is read at each slice's start.
    edges = np.unique(np.concatenate([[0.0], np.geomspace(1e-3, t_end, slices // 2),
                                      np.linspace(0.0, t_end, slices // 2 + 1)]))
    slices = edges.size - 1
    n = prm.n_particles
    out = {"langevin_time": 0.0, "mixed_time": 0.0, "hopping_time": 0.0, "particle_steps": 0.0,
           "mixed_particles_mean": 0.0}
    _, states = initial_state(prm, len(temp0), seed)
    for r in range(len(temp0)):
        x = np.ascontiguousarray(x0[r] / sc.length)
        order = np.argsort(x).astype(np.int64)
        counts = np.zeros(tab[hk.T_MIN].shape[1], np.int64)
        md = np.array([hk.MODE_LANGEVIN, 0], np.int64)
        th = float(sc.theta(temp0[r]))
        st = states[r].copy()
        cn = np.zeros((1, hk.N_CRN))
        hk.init_crn(states[r:r + 1], cn)
        t = 0.0
        for k in range(slices):
            m0, nh = md[0], counts.sum()
            t0 = t
            th, t = hk.advance_hybrid(HybridDevice(x, order, counts, md, st, cn[0]), th,
                                      HybridModel(Core(core.table, core.inv_dx, p), hc, tab),
                                      Waveform(tw, vw), t, edges[k + 1], dt)
            span = t - t0
            if m0 == hk.MODE_LANGEVIN:
                out["langevin_time"] += span
                out["particle_steps"] += n * span / dt
            elif m0 == hk.MODE_MIXED:
                out["mixed_time"] += span
                out["particle_steps"] += (n - nh) * span / dt
                out["mixed_particles_mean"] += (n - nh) * span
            else:
                out["hopping_time"] += span
    if out["mixed_time"] > 0:
        out["mixed_particles_mean"] /= out["mixed_time"]
    tot = len(temp0) * t_end
    for key in ("langevin_time", "mixed_time", "hopping_time"):
        out[key] /= tot  # fraction of device time
    out["particle_steps"] /= len(temp0)  # per device
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=8)
    ap.add_argument("--theta", type=float, default=0.15, choices=sorted(hv.PROTOCOLS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--slices", type=int, default=3000)
    args = ap.parse_args(argv)
    window = hv.PROTOCOLS[args.theta][2]
    for seed in args.seeds:
        x0, temp0 = hv.post_pulse_states(args.theta, args.devices, seed)
        for mode, name in ((1.0, "hybrid"), (2.0, "whole-device hybrid")):
            res = profile(mode, x0, temp0, window, seed, args.slices)
            print(json.dumps({"seed": seed, "integrator": name,
                              **{k: float(f"{v:.4g}") for k, v in res.items()}}), flush=True)


if __name__ == "__main__":
    main()
