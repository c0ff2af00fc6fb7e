"""Where the live devices of bench/active.py spend their time: counts, per phase (issue 17b).

One device of the all-active array, driven by its row's ideal source (2.5 V, 0.5 us edges,
8 us plateau; the array's 100 Ohm + 100 Ohm are below 7 % of the device's smallest
resistance, so the ideal source is the array's drive to within that), advanced by the
bridge's own hybrid kernel (:func:`spicemem.kernels.hopping.advance_hybrid`, what
``diffusive_hybrid_group`` calls per device) in chunks of ``--chunk`` (default 10 ns = 35
Langevin steps), for ``--devices`` independent devices (streams 0..R-1 of one seed).

At each chunk boundary it reads the device's regime (Langevin / mixed / hopping), and counts
the particles that took Langevin steps over the chunk (all N in the Langevin regime, the
non-hopping ones in the mixed regime, 0 in hopping), and the CPU time of the call.  Phases
per device: ``before`` (0 V), ``rise`` (the 0.5 us edge), ``switching`` (plateau start to
the first G > 0.3 G_max), ``on`` (the rest of the plateau), ``fall`` (the edge), ``after``
(0 V until tstop).  Prints one JSON line per phase: chunk-time in each regime, Langevin
particle-steps per device, CPU per device and ns per Langevin particle-step; then the cost
model of the array: devices x particles x (Langevin time / dt) x (ns per particle-step),
to set beside bench/active.py's measured live run.

Run: python bench/active_profile.py [--devices 32] [--tstop 10e-6] [--chunk 10e-9]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=32)
    ap.add_argument("--tstop", type=float, default=10e-6)
    ap.add_argument("--chunk", type=float, default=10e-9)
    ap.add_argument("--delay", type=float, default=1e-6)
    ap.add_argument("--dt-factor", type=float, default=None)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    import numba

    from spicemem.devices.diffusive import DiffusiveParams
    from spicemem.devices.ensemble import initial_state
    from spicemem.kernels.diffusive import resistance
    from spicemem.kernels.hopping import (MODE_LANGEVIN, MODE_MIXED, N_CRN,
                                          advance_hybrid, init_crn, materialize)
    from spicemem.kernels.records import Core, HybridDevice, HybridModel, Waveform

    numba.set_num_threads(1)
    p = DiffusiveParams.from_preset("wang2017_paper", friction_ratio=10, heating_ratio=20,
                                    theta_ambient=0.35)
    if args.dt_factor:
        p = p.replace(dt_factor=args.dt_factor)
    core = p.core
    ts, vs_scale = p.tau_thermal, p.v_threshold
    dt = core.dt
    n = p.n_particles
    tab = core.hop_tables
    kmax = tab.minima.shape[1]
    e1, e2, e3 = args.delay, args.delay + 0.5e-6, args.delay + 8.5e-6
    tw = np.array([0.0, e1, e2, e3, e3 + 0.5e-6, 1.0]) / ts
    vw = np.array([0.0, 0.0, 2.5, 2.5, 0.0, 0.0]) / vs_scale
    x, states = initial_state(p, args.devices, args.seed)
    g_max = p.g_max * p.r_tunnel  # G_max in units of 1/R_t (the kernels' r_M is in R_t)
    phases = ("before", "rise", "switching", "on", "fall", "after")
    acc = {ph: {"time_langevin": 0.0, "time_mixed": 0.0, "time_hopping": 0.0, "psteps": 0.0,
                "cpu": 0.0, "devices": 0, "lang_hot": 0.0, "lang_beyond_v": 0.0}
           for ph in phases}
    # why a device is in the Langevin regime (advance_hybrid's tests, in its order): hotter
    # than the hop tables' hottest temperature, or biased beyond their largest voltage;
    # otherwise an occupied well's margin is below hop_enter (or it has not settled)
    theta_hi = 1.0 / tab.inv_theta[0]
    v_lim = max(abs(tab.v[0]), abs(tab.v[-1]))
    edges = np.arange(0.0, args.tstop + 1e-15, args.chunk) / ts
    # compile (or load) the kernels outside the timing
    w = x[0].copy()
    model = HybridModel(Core(core.table, core.inv_dx, core.p), core.hybrid_control, tab)
    wave = Waveform(tw, vw)
    crn_all = np.zeros((args.devices, N_CRN))
    init_crn(states[:args.devices], crn_all)
    advance_hybrid(HybridDevice(w, np.arange(n, dtype=np.int64), np.zeros(kmax, dtype=np.int64),
                                np.zeros(2, dtype=np.int64), states[0].copy(), crn_all[0].copy()),
                   p.theta_ambient, model, wave, 0.0, 10 * dt, dt)
    cpu_total = 0.0
    t_sw_all = []
    for d in range(args.devices):
        xd = x[d].copy()
        order = np.arange(n, dtype=np.int64)
        counts = np.zeros(kmax, dtype=np.int64)
        mode = np.zeros(2, dtype=np.int64)
        mode[0] = MODE_LANGEVIN
        th = p.theta_ambient
        st = states[d].copy()
        cn = crn_all[d].copy()
        clock = 0.0
        t_sw = None
        seen = set()
        for k in range(edges.size - 1):
            u0, u1 = edges[k], edges[k + 1]
            tm = 0.5 * (u0 + u1) * ts
            if tm < e1:
                ph = "before"
            elif tm < e2:
                ph = "rise"
            elif tm < e3:
                ph = "switching" if t_sw is None else "on"
            elif tm < e3 + 0.5e-6:
                ph = "fall"
            else:
                ph = "after"
            seen.add(ph)
            m0 = mode[0]
            th0_chunk = th
            nh = counts.sum() if m0 == MODE_MIXED else 0
            c0 = time.process_time()
            if u1 > clock:
                th, clock = advance_hybrid(HybridDevice(xd, order, counts, mode, st, cn), th, model,
                                           wave, clock, u1, dt)
            cpu = time.process_time() - c0
            a = acc[ph]
            a["cpu"] += cpu
            cpu_total += cpu
            # regime at the chunk start (the regime can change inside a chunk of 35 steps)
            if m0 == MODE_LANGEVIN:
                a["time_langevin"] += u1 - u0
                a["psteps"] += n * (u1 - u0) / dt
                if th0_chunk > theta_hi:
                    a["lang_hot"] += u1 - u0
                elif abs(np.interp(u0, tw, vw)) > v_lim:
                    a["lang_beyond_v"] += u1 - u0
            elif m0 == MODE_MIXED:
                a["time_mixed"] += u1 - u0
                a["psteps"] += (n - nh) * (u1 - u0) / dt
            else:
                a["time_hopping"] += u1 - u0
            if t_sw is None and e2 <= tm < e3:
                xs = xd.copy()
                if mode[0] != MODE_LANGEVIN:
                    materialize(xs, counts.copy(), mode.copy(), th, cn.copy(), tab, core.p[1],
                                0.0)
                if 1.0 / resistance(xs, order.copy(), core.p[0]) / g_max > 0.3:
                    t_sw = tm
        for ph in seen:
            acc[ph]["devices"] += 1
        t_sw_all.append(np.nan if t_sw is None else (t_sw - e2) * 1e6)
    R = args.devices
    tot_ps = 0.0
    for ph in phases:
        a = acc[ph]
        if not a["devices"]:
            continue
        span = (a["time_langevin"] + a["time_mixed"] + a["time_hopping"]) * ts / R
        tot_ps += a["psteps"]
        print(json.dumps({
            "phase": ph, "mean_span_us": round(span * 1e6, 3),
            "frac_time_langevin": round(a["time_langevin"] * ts / R / span, 3) if span else 0,
            "frac_time_mixed": round(a["time_mixed"] * ts / R / span, 3) if span else 0,
            "frac_time_hopping": round(a["time_hopping"] * ts / R / span, 3) if span else 0,
            "langevin_time_hot": round(a["lang_hot"] / a["time_langevin"], 3) if a["time_langevin"] else 0,
            "langevin_time_beyond_v_grid": round(a["lang_beyond_v"] / a["time_langevin"], 3) if a["time_langevin"] else 0,
            "langevin_psteps_per_device": round(a["psteps"] / R),
            "cpu_ms_per_device": round(1e3 * a["cpu"] / R, 3),
            "ns_per_langevin_pstep": round(1e9 * a["cpu"] / a["psteps"], 2) if a["psteps"] else None,
        }), flush=True)
    sw = np.array(t_sw_all)
    print(json.dumps({
        "devices": R, "tstop_s": args.tstop, "dt_s": dt * ts, "dt_dimensionless": dt,
        "particles": n, "switched": int(np.isfinite(sw).sum()),
        "hop_tables_theta_max": round(float(theta_hi), 3), "hop_tables_v_max": round(float(v_lim), 3),
        "t_sw_after_plateau_start_us": [round(float(np.nanmean(sw)), 3),
                                         round(float(np.nanstd(sw, ddof=1) / np.sqrt(np.isfinite(sw).sum())), 3)],
        "langevin_psteps_per_device": round(tot_ps / R),
        "all_langevin_psteps_per_device": round(n * args.tstop / (dt * ts)),
        "cpu_s_per_device": round(cpu_total / R, 4),
        "ns_per_langevin_pstep": round(1e9 * cpu_total / tot_ps, 2),
        "model_1024_devices_cpu_s": round(1024 * cpu_total / R, 2),
    }), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
