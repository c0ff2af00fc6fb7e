"""Where the hybrid's OFF-state conductance differs from Langevin's, and by how much (issue 14
follow-up: `wang2017_paper` held at 0 V_th, k_B T0/w_p 0.10, hybrid 0.08 % above Langevin in
two maps, z +3.50 and +3.97).

At zero bias the particles of eq. 4 are independent, so the equilibrium law of a device is
known exactly: each particle Boltzmann-distributed in its well.  At k_B T0/w_p = 0.10 nothing
hops within the map's window, so a device keeps the wells its initial state put its particles
in (in `wang2017_paper` all 40 sit in the deeper right-hand interfacial well in 97 % of the
devices), and its conductance is set by the in-well spread of the particles nearest to the
gap.  Three parts, each against that exact law (E[G | every particle in the deepest well],
by Monte Carlo with the inverse CDF of a 400001-point Simpson table of the well):

* ``draw``: the hybrid's position draw (`kernels.hopping.draw_positions`, the tabulated
  Boltzmann law on the hop tables' quadrature grid) with tables built at several grid sizes,
  on the same uniforms as the exact sampler (paired: the difference has a small SE), and
  the cost of one draw;
* ``langevin``: the stationary mean of pure Langevin dynamics at several step rules, and of
  the hybrid, from exact in-well starts (long runs, outputs 0.005/kappa apart, independent
  since the in-well relaxation takes ~0.001/kappa);
* ``cell``: the map's own cell (`hybrid_map.measure`, held 0 V_th) with many devices, both
  integrators on the *same* stream block (the same initial states, so the 3 % of devices
  with a particle in the other well, whose G is 2.4x, cancel in the paired difference).

    python bench/hybrid_off_state.py --out docs/hybrid_off_state            # ~10 min quiet
    python bench/hybrid_off_state.py --quick --out /tmp/off                  # ~1 min
    (--parts draw cell, --preset, --theta, --dt-factors 0.2 0.05, --devices 256, --repeat 5)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

from spicemem.devices.diffusive import HOP_GRID, DiffusiveParams
from spicemem.experiments import hybrid_map as hm
from spicemem.io import atomic_write_json, ensure_dir, to_jsonable
from spicemem.kernels import hopping as hk
from spicemem.kernels.diffusive import invert_cdf, potential, resistance
from spicemem.kernels.records import Landscape
from spicemem.kernels.rng import seed_streams, uniform

FINE = 400001  # points of the exact reference table of the well


def tables(core, n_grid):
    """Hop tables of ``core``'s landscape at zero bias (and +-0.02 V_th) on ``n_grid`` points."""
    v_grid = np.array([-0.02, 0.0, 0.02])
    inv_theta = np.linspace(2.0, 1.0 / 0.03, 32)
    nv, nt, km = 3, 32, 40
    u = hk.potential(np.linspace(-1, 1, n_grid), core.w_i, core.r_1, core.x_c, core.r_p)
    per_v = [np.zeros((nv, km)) for _ in range(7)]
    per_vt = [np.zeros((nv, nt, km)) for _ in range(4)]
    out = hk.HopTables(v=v_grid, inv_theta=inv_theta, n_basins=np.zeros(nv, np.int64),
                       edges=np.zeros((nv, km + 1)), minima=per_v[0], curvature=per_v[1],
                       slope=per_v[2], barrier_right=per_v[3], barrier_left=per_v[4],
                       saddle_right=per_v[5], saddle_left=per_v[6], log_t_right=per_vt[0],
                       log_t_left=per_vt[1], u=u, log_x_right=per_vt[2], log_x_left=per_vt[3])
    hk.build_tables(Landscape(core.w_i, core.r_1, core.x_c, core.r_p, core.p[1], core.p[2]),
                    n_grid, km, out)
    return out


def deepest_basin(core, theta):
    """(k, lo, hi, weight): the basin of zero-bias landscape with the largest Boltzmann weight."""
    tab = tables(core, HOP_GRID)
    xs = np.linspace(-1, 1, 200001)
    u = potential(xs, core.w_i, core.r_1, core.x_c, core.r_p)
    w = np.exp(-(u - u.min()) / theta)
    nb = int(tab.n_basins[1])
    weights = [w[(xs >= tab.edges[1, k]) & (xs < tab.edges[1, k + 1])].sum() / w.sum() for k in range(nb)]
    k = int(np.argmax(weights))
    return k, float(tab.edges[1, k]), float(tab.edges[1, k + 1]), float(weights[k])


def exact_cdf(core, theta, lo, hi, n=FINE):
    """Grid and CDF of the Boltzmann law on [lo, hi] (Simpson cells: exact to ~1e-12 here)."""
    grid = np.linspace(lo, hi, n)
    u = potential(grid, core.w_i, core.r_1, core.x_c, core.r_p)
    um = potential(0.5 * (grid[1:] + grid[:-1]), core.w_i, core.r_1, core.x_c, core.r_p)
    w = np.exp(-(u - u.min()) / theta)
    wm = np.exp(-(um - u.min()) / theta)
    cdf = np.concatenate([[0.0], np.cumsum((w[1:] + 4 * wm + w[:-1]) / 6)])
    return grid, cdf / cdf[-1]


@njit
def _paired_draws(tab, j, counts, theta, a, lam, n, m, state, grid, cdf):
    """Mean G of draw_positions, of the exact sampler on the same uniforms, and the SE of the
    paired difference (G in 1/R_t)."""
    x = np.empty(n)
    y = np.empty(n)
    ox = np.arange(n)
    oy = np.arange(n)
    k = grid.shape[0]
    s_d, s_e, s_dd, s_dd2 = 0.0, 0.0, 0.0, 0.0
    for _ in range(m):
        copy = state.copy()
        hk.draw_positions(x, counts, tab, j, theta, state, a, 0.0)
        for i in range(n):
            q, f = invert_cdf(cdf, 0, k - 1, uniform(copy))
            y[i] = grid[q] + f * (grid[q + 1] - grid[q])
        gd = 1.0 / resistance(x, ox, lam)
        ge = 1.0 / resistance(y, oy, lam)
        s_d += gd
        s_e += ge
        s_dd += gd - ge
        s_dd2 += (gd - ge) ** 2
    md = s_dd / m
    return s_d / m, s_e / m, np.sqrt(max(s_dd2 / m - md * md, 0.0) / m)


def part_draw(p, grids, draws, repeat):
    core, theta = p.core, p.theta_ambient
    k, lo, hi, weight = deepest_basin(core, theta)
    grid, cdf = exact_cdf(core, theta, lo, hi)
    conv = p.scales.conductance / p.g_max
    rows = []
    for ng in grids:
        tab = tables(core, ng)
        counts = np.zeros(tab.minima.shape[1], np.int64)
        counts[k] = p.n_particles
        st = seed_streams(np.uint64(7), 0, 1)[0]
        gd, ge, se = _paired_draws(tuple(tab), 1, counts, theta, core.p[1], core.p[0], p.n_particles,
                                   draws, st, grid, cdf)
        # cost of one draw of all N particles (the hybrid's read-out), best of `repeat`
        x = np.empty(p.n_particles)
        best = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            for _ in range(2000):
                hk.draw_positions(x, counts, tuple(tab), 1, theta, st, core.p[1], 0.0)
            best = min(best, (time.perf_counter() - t0) / 2000)
        rows.append({"n_grid": ng, "h": 2.0 / (ng - 1), "g_draw": gd * conv, "g_exact": ge * conv,
                     "bias_percent": 100 * (gd / ge - 1), "bias_se_percent": 100 * se / ge,
                     "us_per_draw": best * 1e6})
        print(f"draw  n_grid {ng:6d}: bias {rows[-1]['bias_percent']:+.4f} +- "
              f"{rows[-1]['bias_se_percent']:.4f} %   {best * 1e6:.1f} us per draw of {p.n_particles}",
              flush=True)
    return {"basin": k, "basin_edges": [lo, hi], "basin_weight": weight, "draws": draws, "rows": rows,
            "g_exact": rows[0]["g_exact"] if rows else None}


def _exact_start(p, rng, devices, lo, hi):
    grid, cdf = exact_cdf(p.core, p.theta_ambient, lo, hi)
    return np.interp(rng.random((devices, p.n_particles)), cdf, grid)


def part_langevin(p, dt_factors, devices, duration, seed, g_exact):
    from spicemem.devices.ensemble import simulate

    k, lo, hi, _ = deepest_basin(p.core, p.theta_ambient)
    rows = []
    for integrator, dtf in [("langevin", f) for f in dt_factors] + [("hybrid", dt_factors[0])]:
        q = p.replace(integrator=integrator, dt_factor=dtf)
        ts = q.tau_thermal
        x0 = _exact_start(q, np.random.default_rng(seed), devices, lo, hi) * q.half_length
        t_out = np.arange(0.05, duration + 1e-12, 0.005) * ts
        c0 = time.process_time()
        res = simulate(q, np.array([0.0, duration]) * ts, np.zeros(2), realizations=devices,
                       seed=seed, x0=x0, t_out=t_out)
        per = res.g_norm.mean(axis=1)
        mean, se = float(per.mean()), float(per.std(ddof=1) / np.sqrt(devices))
        rows.append({"integrator": integrator, "dt_factor": dtf, "g": mean, "se": se,
                     "bias_percent": 100 * (mean / g_exact - 1), "se_percent": 100 * se / g_exact,
                     "cpu_s": time.process_time() - c0})
        print(f"long  {integrator:8s} dt_factor {dtf:<7g}: G/G_max {mean:.7f} +- {se:.7f}, vs exact "
              f"{rows[-1]['bias_percent']:+.4f} +- {rows[-1]['se_percent']:.4f} %", flush=True)
    return {"devices": devices, "duration_over_kappa": duration, "seed": seed, "rows": rows}


def part_cell(p, preset, dt_factors, devices, seed, first_stream):
    out = {"protocol": "held", "v": 0.0, "theta": p.theta_ambient, "devices": devices,
           "seed": seed, "first_stream": first_stream, "runs": {}}
    samples = {}
    for integrator, dtf in [("hybrid", dt_factors[0])] + [("langevin", f) for f in dt_factors]:
        c0 = time.process_time()
        m = hm.measure(preset, "held", 0.0, p.theta_ambient, integrator, devices, seed, first_stream,
                       dt_factor=dtf)
        name = f"{integrator}@{dtf:g}"
        samples[name] = np.asarray(m["g_avg"])
        out["runs"][name] = {"g": float(samples[name].mean()), "cpu_s": time.process_time() - c0,
                             "g_avg": samples[name]}
    h = samples[f"hybrid@{dt_factors[0]:g}"]
    out["other_well_devices"] = int(np.sum(h > 1.5 * np.median(h)))
    for name, s in samples.items():
        if name.startswith("hybrid"):
            continue
        d = (h - s) / s
        diff = {"mean_percent": float(100 * d.mean()), "se_percent": float(100 * d.std(ddof=1) / np.sqrt(d.size))}
        out["runs"][name]["hybrid_minus_this"] = diff
        print(f"cell  hybrid - {name:14s}: {diff['mean_percent']:+.4f} +- {diff['se_percent']:.4f} % "
              f"(paired, {devices} devices)", flush=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--preset", default="wang2017_paper")
    ap.add_argument("--theta", type=float, default=0.10, help="ambient k_B T0 / w_p")
    ap.add_argument("--parts", nargs="+", default=["draw", "langevin", "cell"],
                    choices=["draw", "langevin", "cell"])
    ap.add_argument("--grids", type=int, nargs="+", default=[1001, 2001, 4001, 8001, 16001])
    ap.add_argument("--draws", type=int, default=200000, help="paired draws per grid")
    ap.add_argument("--dt-factors", type=float, nargs="+", default=[0.2, 0.4, 0.1, 0.05, 0.0125],
                    help="Langevin step rules; the first is also the hybrid's")
    ap.add_argument("--long-devices", type=int, default=32)
    ap.add_argument("--long-duration", type=float, default=40.0, help="1/kappa per device")
    ap.add_argument("--devices", type=int, default=256, help="devices per integrator in the map cell")
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--first-stream", type=int, default=100000,
                    help="stream block of the cell run (the map used 0-31 for this cell)")
    ap.add_argument("--repeat", type=int, default=3, help="timing repeats of the draw cost")
    ap.add_argument("--quick", action="store_true", help="small sizes (~1 min)")
    args = ap.parse_args(argv)
    if args.quick:
        args.grids, args.draws = [1001, 2001, 4001], 20000
        args.dt_factors = [0.2, 0.05]
        args.long_devices, args.long_duration, args.devices = 8, 10.0, 32
    p = DiffusiveParams.from_preset(args.preset, theta_ambient=args.theta)
    result = {"bench": "hybrid_off_state", "preset": args.preset, "theta": args.theta,
              "hop_grid": HOP_GRID, "command": "python bench/hybrid_off_state.py " + " ".join(argv or sys.argv[1:]),
              "load_start": os.getloadavg()}
    w0 = time.perf_counter()
    g_exact = None
    if "draw" in args.parts or "langevin" in args.parts:
        result["draw"] = part_draw(p, args.grids if "draw" in args.parts else [HOP_GRID],
                                   args.draws, args.repeat)
        g_exact = result["draw"]["g_exact"]
    if "langevin" in args.parts:
        result["langevin"] = part_langevin(p, args.dt_factors, args.long_devices, args.long_duration,
                                           args.seed, g_exact)
    if "cell" in args.parts:
        result["cell"] = part_cell(p, args.preset, args.dt_factors[:1] + [f for f in args.dt_factors[1:] if f >= 0.05],
                                   args.devices, args.seed, args.first_stream)
    result["wall_s"] = time.perf_counter() - w0
    result["load_end"] = os.getloadavg()
    out = ensure_dir(args.out)
    tag = f"{args.preset}-{args.theta:g}" + ("-quick" if args.quick else "")
    atomic_write_json(Path(out) / f"hybrid-off-state-{tag}.json", to_jsonable(result))
    print(f"wrote {Path(out) / f'hybrid-off-state-{tag}.json'} ({result['wall_s']:.0f} s, load "
          f"{result['load_start'][0]:.1f} -> {result['load_end'][0]:.1f})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
