"""Why the Fig. 4a inset gives B = 0.80 and not the paper's 1 (issue 14, item 4): the same
relaxation measured under protocols that remove, one at a time, what makes the relaxation's
starting point depend on the ambient temperature T0.

    python examples/fig4a_tau_protocols.py --seeds 1 2 3 4 5 --out out/tau-protocols
    python examples/fig4a_tau_protocols.py --protocols hot --seeds 1 2 3 --out out/tau-protocols-hot

For every T0 of the inset (k_B T0/w_p = 0.30 ... 0.45, 16 values) the Fig. 4a pulse (3 V_th,
1/kappa, through the compliance load R_min/2) runs to its end; the particle positions there
are then relaxed at zero bias for 100/kappa, and tau is each switched realization's first
time below 0.02 G_max (the paper's level), fitted as in ``fig4a-tau`` (median per T0,
weighted by 1/se^2, ln(kappa tau) = A + B w_p/k_B T0):

* ``cold``: the end-of-pulse positions *at that T0*, the device restarted at T0 (no
  post-pulse Joule heat: the hot first 1-2/kappa after the pulse is removed);
* ``fixed``: the end-of-pulse positions of the coldest T0 (0.30) relaxed at every T0, the
  device at T0 (the start is the same at every temperature: only the landscape's own
  temperature dependence is left);
* ``hot`` (the control): the end-of-pulse positions at that T0 and each device's own
  end-of-pulse temperature -- the standard protocol, split in two runs as the others are,
  so that a difference from it is not an artefact of the split (fresh noise streams after
  the pulse, the restart).

The standard protocol (``spicemem experiment fig4a-tau``) is neither: the pulse state
depends on T0 and the device leaves the pulse hot (k_B T/w_p 1.2-1.6).  For comparison the
Lifson-Jackson effective diffusion in the pinning washboard (w_p/2) sin(2 pi x/R_p) gives
tau ~ I0(w_p/2k_BT)^2 / (k_B T): ln tau against w_p/k_B T0 has slope 0.93 over 0.30-0.45.

Each protocol's B is given per seed with a bootstrap error (resampling the realizations of
every temperature), and over the seeds as mean +- SE; the per-realization times are stored
in OUT/fig4a-tau-protocols.json.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.special import i0

from spicemem.experiments import analysis as an
from spicemem.experiments import fig4
from spicemem.experiments.fig4a import PULSE
from spicemem.experiments.fig4a_tau import TEMPERATURES
from spicemem.io import atomic_write_json

TAIL = 100.0
STEP = 0.05
B_BOOT = 400
#: Stream blocks: the pulses use block i (as fig4a-tau does), the relaxations a block far
#: above it, so that no noise is reused between the two stages.
RELAX_BLOCK = 1000


def pulse_end_state(theta: float, i: int, seed: int, n: int):
    """Positions (n, N) in L, device theta (n,) and G/G_max (n,) at the end of the pulse."""
    p = fig4.params(theta_ambient=float(theta))
    t, v, t_on, _, t_off = fig4.pulse(PULSE["amplitude"], PULSE["width"], rise=PULSE["rise"],
                                      lead=PULSE["lead"], tail=0.0)
    t_end = float(t_off[0])
    d = fig4.drive(p, t, v, realizations=n, seed=seed, t_out=np.array([0.0, t_end]),
                   snapshot_times=[t_end], load=fig4.COMPLIANCE_LOAD, first_stream=i * n)
    return d["snapshots"][:, 0, :], d["theta"][:, -1], d["g"][:, -1]


def relax(theta: float, x0, stream: int, seed: int, theta0=None):
    """Zero-bias relaxation of positions x0 (n, N) at T0 = theta, the devices starting at
    theta0 (default T0; or one per device): per-realization tau."""
    p = fig4.params(theta_ambient=float(theta))
    n = x0.shape[0]
    t = np.array([0.0, TAIL])
    theta0 = float(theta) if theta0 is None else np.asarray(theta0, dtype=float)
    d = fig4.drive(p, t, np.zeros(2), realizations=n, seed=seed, x0=x0, theta0=theta0,
                   t_out=fig4.time_grid(TAIL, STEP), first_stream=stream)
    return an.relaxation_times(d["t"], d["g"], 0.0)


def fit(theta, taus, seed):
    med = np.array([an.censored_median(x) for x in taus])
    se = np.array([an.median_stderr(x, seed=seed) for x in taus])
    a, b, _, _ = an.fit_arrhenius(theta, med, se)
    rng = np.random.default_rng([seed, 0xB007])
    kept = [x[~np.isnan(x)] for x in taus]
    boot = []
    for _ in range(B_BOOT):
        m = np.array([an.censored_median(rng.choice(x, x.size, replace=True)) for x in kept])
        ab = an.fit_arrhenius(theta, m, se)
        if np.isfinite(ab[1]):
            boot.append(ab[:2])
    sd = np.std(np.array(boot), axis=0, ddof=1)
    return {"A": a, "B": b, "A_bootstrap_se": float(sd[0]), "B_bootstrap_se": float(sd[1]),
            "tau_median": med.tolist(), "tau_stderr": se.tolist()}


def lifson_jackson_slope(theta) -> float:
    y = 1.0 / np.asarray(theta, dtype=float)
    return float(np.polyfit(y, 2 * np.log(i0(y / 2)) + np.log(y), 1)[0])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--realizations", type=int, default=fig4.FULL_REALIZATIONS)
    ap.add_argument("--out", required=True)
    ap.add_argument("--protocols", nargs="+", default=["cold", "fixed"], choices=["cold", "fixed", "hot"])
    args = ap.parse_args(argv)
    theta = np.array(TEMPERATURES, dtype=float)
    n = args.realizations
    out = {"command": "python examples/fig4a_tau_protocols.py " + " ".join(argv or sys.argv[1:]),
           "temperatures": theta.tolist(), "realizations": n, "tail": TAIL,
           "lifson_jackson_B": lifson_jackson_slope(theta), "seeds": {}}
    for seed in args.seeds:
        t0 = time.perf_counter()
        states = [pulse_end_state(th, i, seed, n) for i, th in enumerate(theta)]
        res = {}
        for proto in args.protocols:
            taus = []
            for i, th in enumerate(theta):
                x, th_end, g = states[0] if proto == "fixed" else states[i]
                tau = relax(th, x, RELAX_BLOCK * (i + 1), seed, th_end if proto == "hot" else None)
                tau[g < an.SWITCH_LEVEL] = np.nan  # OFF at the pulse end: nothing to relax
                taus.append(tau)
            res[proto] = fit(theta, taus, seed)
            res[proto]["tau_per_realization"] = [[None if np.isnan(v) else float(v) for v in x] for x in taus]
            print(f"seed {seed} {proto}: B = {res[proto]['B']:.3f} +- {res[proto]['B_bootstrap_se']:.3f}, "
                  f"A = {res[proto]['A']:.2f} +- {res[proto]['A_bootstrap_se']:.2f}", flush=True)
        res["theta_at_pulse_end_mean"] = [float(s[1].mean()) for s in states]
        res["switched"] = [int(np.sum(s[2] >= an.SWITCH_LEVEL)) for s in states]
        res["wall_time_s"] = time.perf_counter() - t0
        out["seeds"][str(seed)] = res
        atomic_write_json(Path(args.out) / "fig4a-tau-protocols.json", out)
    for proto in args.protocols:
        b = np.array([out["seeds"][str(s)][proto]["B"] for s in args.seeds])
        a = np.array([out["seeds"][str(s)][proto]["A"] for s in args.seeds])
        se = lambda x: float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else float("nan")  # noqa: E731
        out[proto] = {"B_mean": float(b.mean()), "B_se": se(b), "A_mean": float(a.mean()), "A_se": se(a)}
        print(f"{proto}: B = {b.mean():.3f} +- {se(b):.3f}, A = {a.mean():.2f} +- {se(a):.2f} "
              f"(mean +- SE over seeds {args.seeds})")
    print(f"Lifson-Jackson washboard slope over the same temperatures: B = {out['lifson_jackson_B']:.3f}")
    atomic_write_json(Path(args.out) / "fig4a-tau-protocols.json", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
