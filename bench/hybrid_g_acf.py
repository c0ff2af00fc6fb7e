"""Conductance noise within a device at zero bias: the autocorrelation of ln G at lags of a
few Langevin steps, pure Langevin dynamics against the hybrid (whose hopping positions are
keyed draws held for an epoch of H_CHECK steps, issue 18).  Same devices (ON after a pulse,
hybrid_validation.post_pulse_states), same seed, relaxing at the ambient temperature.

Run: python bench/hybrid_g_acf.py [--theta 0.15] [--devices 16] [--steps 3000]
"""

import argparse

import numpy as np

from spicemem.devices.ensemble import simulate
from spicemem.experiments import hybrid_validation as hv

LAGS = (1, 4, 8, 16, 32, 64, 128, 256)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--theta", type=float, default=0.15, choices=sorted(hv.PROTOCOLS))
    ap.add_argument("--devices", type=int, default=16)
    ap.add_argument("--steps", type=int, default=3000, help="Langevin steps; the first third is skipped")
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args(argv)
    x0, _ = hv.post_pulse_states(args.theta, args.devices, 1)
    for integ in ("langevin", "hybrid"):
        p = hv.params_for(args.theta, integrator=integ)
        sc, dt = p.scales, p.core.dt
        t_out = np.arange(args.steps // 3, args.steps) * dt * sc.time  # every step
        r = simulate(p, [0.0, args.steps * dt * sc.time], [0.0, 0.0], realizations=args.devices,
                     seed=args.seed, x0=x0, temperature0=p.t_ambient, t_out=t_out)
        lg = np.log(r.conductance)
        lg -= lg.mean(axis=1, keepdims=True)
        var = float((lg ** 2).mean())
        acf = [float((lg[:, :-k] * lg[:, k:]).mean() / var) for k in LAGS]
        tab = p.core.hop_tables
        tau_w = p.core.p[2] / np.median(tab.curvature[tab.curvature > 0])
        print(f"{integ:8s} sd(ln G) {np.sqrt(var):.4f}; ACF at lags {LAGS} (steps dt): "
              + " ".join(f"{a:+.3f}" for a in acf)
              + f"; eta/U'' = {tau_w / dt:.1f} steps, epoch {int(p.core.hybrid_control[2])} steps")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
