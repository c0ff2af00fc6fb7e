"""The hopping fast path against pure Langevin dynamics, after the same pulse (issue 5).

Protocol: devices at ambient k_B T0/w_p = theta are driven by one pulse with pure
Langevin dynamics; the realizations still ON at its end (G >= 0.02 G_max) are kept with
their particle positions and temperatures.  From exactly these states both integrators
relax the devices at zero bias: the hybrid (hopping once cold) and pure Langevin.  The
relaxation time is the time from the pulse end until G < 0.02 G_max (the paper's
definition, Fig. 4a inset).  The two distributions are compared by a two-sample KS test
and their means; the mean G(t) curves by their standard errors.

The pulse is chosen per temperature so that a fair share of devices is ON at its end
(the literal-paper landscape with friction 10 and heating 20, as the Fig. 4 calibration).
"""

from __future__ import annotations

import time

import numpy as np

from ..devices.diffusive import DiffusiveParams
from ..devices.ensemble import simulate
from ..devices.waveforms import pulse_train

DESCRIPTION = "hybrid hopping vs pure Langevin: relaxation-time distributions after the same pulse"

BASE = dict(friction_ratio=10.0, heating_ratio=20.0)
#: theta -> (pulse amplitude in V_th, width in s, relaxation window in s); 1/kappa = 1 us.
PROTOCOLS = {0.20: (4.0, 1.0e-6, 400e-6), 0.15: (5.0, 0.3e-6, 3000e-6)}
THRESHOLD = 0.02  # G/G_max


def params_for(theta: float, **extra) -> DiffusiveParams:
    return DiffusiveParams.from_preset("wang2017_paper", theta_ambient=theta, **BASE, **extra)


def post_pulse_states(theta: float, n_on: int, seed: int, *, max_batches: int = 40):
    """Positions (m) and temperatures (K) of ``n_on`` devices ON at the end of the pulse."""
    amp, width, _ = PROTOCOLS[theta]
    p = params_for(theta, integrator="langevin")
    rise = 0.05e-6
    t, v = pulse_train(amp * p.v_threshold, width, 0.0, 1, rise=rise, delay=0.0, tail=0.0)
    t_end = t[-1]
    xs, temps = [], []
    batch = max(4 * n_on, 64)
    for b in range(max_batches):
        res = simulate(p, t, v, realizations=batch, seed=seed, first_stream=b * batch,
                       t_out=[t_end], snapshot_times=[t_end])
        on = res.g_norm[:, -1] >= THRESHOLD
        xs.append(res.snapshots[on, 0, :])
        temps.append(res.temperature[on, -1])
        if sum(len(q) for q in temps) >= n_on:
            break
    x = np.concatenate(xs)[:n_on]
    temp = np.concatenate(temps)[:n_on]
    if len(temp) < n_on:
        raise RuntimeError(f"only {len(temp)} of {n_on} devices switched at theta={theta}")
    return x, temp


def relaxation_times(res, threshold=THRESHOLD):
    """Per realization: first output time with G/G_max < threshold (inf if none), in s."""
    below = res.g_norm < threshold
    first = np.argmax(below, axis=1)
    out = res.t[first] - res.t[0]
    out[~below.any(axis=1)] = np.inf
    return out


def compare(theta: float, n_on: int, seed: int) -> dict:
    """Relax the same post-pulse states with both integrators; times in s, wall in s."""
    from scipy import stats

    _, _, window = PROTOCOLS[theta]
    x0, temp0 = post_pulse_states(theta, n_on, seed)
    t_out = np.concatenate([[0.0], np.geomspace(1e-9, window, 600)])
    out = {"theta": theta, "realizations": n_on}
    curves = {}
    for integ in ("hybrid", "langevin"):
        p = params_for(theta, integrator=integ)
        if integ == "hybrid":
            p.core.hop_tables  # built once per parameter set: not part of the relaxation
        t0 = time.perf_counter()
        res = simulate(p, [0.0, window], [0.0, 0.0], realizations=n_on, seed=seed + 1, x0=x0,
                       temperature0=temp0, t_out=t_out)
        wall = time.perf_counter() - t0
        tau = relaxation_times(res)
        # Restricted mean E[min(tau, window)]: defined even when a few devices have not
        # relaxed within the window (they count with the window length).
        clipped = np.minimum(tau, window)
        out[integ] = {"tau_s": tau, "wall_s": wall, "mean_s": float(np.mean(clipped)),
                      "stderr_s": float(np.std(clipped, ddof=1) / np.sqrt(n_on)),
                      "median_s": float(np.median(tau)),
                      "censored": int(np.sum(~np.isfinite(tau)))}
        curves[integ] = res.g_norm
    out["t_s"] = t_out
    for integ in curves:
        g = curves[integ]
        out[integ]["g_mean"] = g.mean(axis=0)
        out[integ]["g_stderr"] = g.std(axis=0, ddof=1) / np.sqrt(n_on)
    a = np.minimum(out["hybrid"]["tau_s"], window)
    b = np.minimum(out["langevin"]["tau_s"], window)
    out["window_s"] = window
    out["ks_pvalue"] = float(stats.ks_2samp(a, b).pvalue)
    out["mean_ratio"] = out["hybrid"]["mean_s"] / out["langevin"]["mean_s"]
    diff = out["hybrid"]["g_mean"] - out["langevin"]["g_mean"]
    se = np.hypot(out["hybrid"]["g_stderr"], out["langevin"]["g_stderr"])
    ok = se > 0
    out["g_max_abs_z"] = float(np.max(np.abs(diff[ok] / se[ok]))) if ok.any() else 0.0
    out["g_frac_within_2se"] = float(np.mean(np.abs(diff[ok]) <= 2 * se[ok])) if ok.any() else 1.0
    out["speedup"] = out["langevin"]["wall_s"] / out["hybrid"]["wall_s"]
    return out


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None) -> dict:
    n = realizations or (40 if quick else 100)
    thetas = (0.20,) if quick else (0.20, 0.15)
    return {"realizations": n, "params": {"preset": "wang2017_paper", **BASE},
            "protocols": {str(k): v for k, v in PROTOCOLS.items()},
            "results": [compare(th, n, seed) for th in thetas]}


def plot(result: dict, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import atomic_savefig

    rows = result["results"]
    fig, axes = plt.subplots(2, len(rows), figsize=(5.2 * len(rows), 7.5), squeeze=False)
    for c, r in enumerate(rows):
        ax = axes[0, c]
        for integ, col in (("langevin", "C0"), ("hybrid", "C3")):
            tau = np.sort(np.asarray([np.inf if q is None else q for q in r[integ]["tau_s"]], dtype=float)) * 1e6
            ax.step(tau, np.arange(1, tau.size + 1) / tau.size, where="post", color=col,
                    label=f"{integ}: mean {r[integ]['mean_s'] * 1e6:.1f} us, wall {r[integ]['wall_s']:.2f} s")
        ax.set_xscale("log")
        ax.set_xlabel("relaxation time (us)")
        ax.set_ylabel("cumulative fraction")
        ax.set_title(f"k_B T/w_p = {r['theta']}, {r['realizations']} devices, KS p = {r['ks_pvalue']:.2f}")
        ax.legend(fontsize=8, loc="lower right")
        ax = axes[1, c]
        t = np.asarray(r["t_s"]) * 1e6
        for integ, col in (("langevin", "C0"), ("hybrid", "C3")):
            g = np.asarray(r[integ]["g_mean"])
            se = np.asarray(r[integ]["g_stderr"])
            ax.fill_between(t, g - se, g + se, color=col, alpha=0.25, lw=0)
            ax.plot(t, g, color=col, label=integ)
        ax.axhline(THRESHOLD, color="k", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_xlabel("time after the pulse (us)")
        ax.set_ylabel("mean G/G_max")
        ax.legend(fontsize=8)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=110)
    plt.close(fig)
