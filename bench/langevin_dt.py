"""Is the Langevin step set by convergence or by caution?  The switching statistics of the
all-active bench's device at dt, 2 dt, 4 dt (issue 17b).

The device and the drive of ``bench/active.py``: the ``wang2017_paper`` preset with
friction_ratio 10, heating_ratio 20, theta_ambient 0.35, under a 2.5 V pulse (0.5 us edges,
8 us plateau) followed by 10 us at 0 V, run standalone (:func:`spicemem.simulate`, pure
Langevin while biased, as the bridge's hybrid is) with ``realizations`` devices per step
rule.  Realization r draws random stream r of one seed under every step rule (paired by
stream; the noise sequences differ once the step differs, so the pairs are nearly
independent and the paired and unpaired errors agree).

Per step rule (``dt_factor``; 0.05, the default until issue 17, gives dt = 0.286 ns; the
default is now 0.2, see docs/bridge.md), per device:
  t_sw      first output time with G > 0.3 G_max (ON), in us from the pulse start
  lnG_end   ln(G / G_max) at the end of the plateau
  t_relax   time after the pulse until G < 0.02 G_max (devices ON at the pulse end)
  lnG_tail  ln(G / G_max) at the end of the run
and, against the finest rule: the mean difference of each with its standard error, the
two-sample Kolmogorov-Smirnov p-value of t_sw, and the CPU time.

Run: python bench/langevin_dt.py [--factors 0.025,0.05,0.1,0.2] [--realizations 256]
     [--seed 5] [--quick]   (--quick: factors 0.05,0.1,0.2 and 64 realizations)
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def metrics(res, t_on: float, t_off: float):
    g = res.g_norm
    t = res.t
    above = g > 0.3
    t_sw = np.where(above[:, t <= t_off].any(axis=1),
                    t[np.argmax(above, axis=1)] - t_on, np.nan)
    k_off = np.searchsorted(t, t_off)
    relax = np.full(g.shape[0], np.nan)
    after = t >= t_off
    for i, gi in enumerate(g):
        idx = np.nonzero(after & (gi < 0.02))[0]
        if gi[k_off] >= 0.02 and idx.size:
            relax[i] = t[idx[0]] - t_off
    on = (t >= t_on) & (t <= t_off)
    return {"t_sw": t_sw * 1e6, "lnG_end": np.log(g[:, k_off]), "t_relax": relax * 1e6,
            "lnG_tail": np.log(g[:, -1]), "lnG_plateau_mean": np.log(g[:, on]).mean(axis=1),
            "on_fraction": (g[:, on] > 0.3).mean(axis=1)}


def mean_se(a):
    a = a[np.isfinite(a)]
    return float(a.mean()), float(a.std(ddof=1) / np.sqrt(a.size)), int(a.size)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--factors", default="0.025,0.05,0.1,0.2")
    ap.add_argument("--realizations", type=int, default=256)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--protocol", default="active", choices=("active", "relax"),
                    help="active: bench/active.py's pulse (8 us plateau, 10 us at 0 V); relax: "
                         "tests/test_convergence.py's (3 us plateau, 0.05 us edges, 15 us at "
                         "0 V: a third of the devices are ON at the pulse end and relax)")
    args = ap.parse_args(argv)
    if args.quick:
        args.factors, args.realizations = "0.05,0.1,0.2", 64
    from scipy.stats import ks_2samp

    from spicemem import pulse_train, simulate
    from spicemem.devices.diffusive import DiffusiveParams

    base = DiffusiveParams.from_preset("wang2017_paper", friction_ratio=10, heating_ratio=20,
                                       theta_ambient=0.35)
    if args.protocol == "active":
        delay, rise, width, tail = 0.5e-6, 0.5e-6, 8e-6, 10e-6
    else:
        delay, rise, width, tail = 0.5e-6, 0.05e-6, 3e-6, 15e-6
    t, v = pulse_train(2.5, width, 0.0, 1, delay=delay, rise=rise, tail=tail)
    t_out = np.arange(0.0, t[-1], 0.02e-6)
    t_on, t_off = delay, delay + 2 * rise + width
    print(json.dumps({"bench": "langevin_dt", "protocol": args.protocol,
                      "realizations": args.realizations, "seed": args.seed}), flush=True)
    factors = [float(f) for f in args.factors.split(",")]
    simulate(base.replace(dt_factor=0.2), t[:3], v[:3], realizations=2, seed=1, n_out=3)
    out = {}
    for f in factors:
        p = base.replace(dt_factor=f)
        c0 = time.process_time()
        res = simulate(p, t, v, realizations=args.realizations, seed=args.seed, t_out=t_out)
        cpu = time.process_time() - c0
        m = metrics(res, t_on, t_off)
        out[f] = m
        line = {"dt_factor": f, "dt_s": p.core.dt * p.tau_thermal, "cpu_s": round(cpu, 2),
                "switched": int(np.isfinite(m["t_sw"]).sum())}
        for k, a in m.items():
            mu, se, n = mean_se(a)
            line[k] = [round(mu, 4), round(se, 4), n] if n > 1 else None
        print(json.dumps(line), flush=True)
    ref = factors[0]
    for f in factors[1:]:
        line = {"compare": f"{f} vs {ref}"}
        for k in out[ref]:
            a, b = out[f][k], out[ref][k]
            ok = np.isfinite(a) & np.isfinite(b)
            d = a[ok] - b[ok]
            if d.size > 1:
                line[k + "_diff"] = [round(float(d.mean()), 4),
                                     round(float(d.std(ddof=1) / np.sqrt(d.size)), 4)]
            # unpaired: the difference of the means (each over its own finite values)
            ma, sa, na = mean_se(a) if np.isfinite(a).sum() > 1 else (np.nan, np.nan, 0)
            mb, sb, nb = mean_se(b) if np.isfinite(b).sum() > 1 else (np.nan, np.nan, 0)
            if na and nb:
                line[k + "_z"] = round((ma - mb) / np.hypot(sa, sb), 2)
        a, b = out[f]["t_sw"], out[ref]["t_sw"]
        line["ks_p_t_sw"] = round(float(ks_2samp(a[np.isfinite(a)], b[np.isfinite(b)]).pvalue), 4)
        a, b = out[f]["lnG_end"], out[ref]["lnG_end"]
        line["ks_p_lnG_end"] = round(float(ks_2samp(a, b).pvalue), 4)
        a, b = out[f]["t_relax"], out[ref]["t_relax"]
        if np.isfinite(a).sum() > 1 and np.isfinite(b).sum() > 1:
            line["ks_p_t_relax"] = round(float(ks_2samp(a[np.isfinite(a)],
                                                        b[np.isfinite(b)]).pvalue), 4)
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
