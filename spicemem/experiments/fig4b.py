"""Fig. 4b of Wang et al. 2017: a train of short, frequent pulses; facilitation, then
depression.

Thirty 3 V_th pulses of 0.1/kappa, 0.1/kappa apart, on the bare device (see :mod:`.fig4`)
at k_B T0/w_p = 0.30.  The interval is far shorter than the relaxation time (tens of 1/kappa),
so each pulse adds particles to the gap and the device heats up from pulse to pulse: G
grows (paired-pulse facilitation).  The field keeps pumping particles from the left
cluster to the right one; once the left cluster is depleted the gap empties and G falls
while the same pulses continue (depression).  Panels b1-b6: particle densities at the end
of selected pulses.
"""

from __future__ import annotations

import numpy as np

from . import analysis as an
from . import fig4

DESCRIPTION = "Fig. 4b: train of short frequent pulses, facilitation then depression, left-cluster depletion"

TRAIN = dict(amplitude=3.0, width=0.1, interval=0.1, count=30, rise=0.01, lead=0.5, tail=2.0)
STEP = 0.01
#: Density panels average the last 0.02/kappa of a pulse (the paper's window).
SNAP_WINDOW = np.array([-0.02, -0.01, 0.0])


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None) -> dict:
    from ..progress import Progress

    p = fig4.params()
    n_real = fig4.realization_count(realizations, quick)
    tr = TRAIN
    t, v, _, t_top, _ = fig4.pulse(tr["amplitude"], tr["width"], tr["interval"], tr["count"],
                                   rise=tr["rise"], lead=tr["lead"], tail=tr["tail"])
    snap_t = np.concatenate([[0.0], (t_top[:, None] + SNAP_WINDOW[None, :]).ravel()])
    with Progress(1, "fig4b", enabled=progress) as bar:
        d = fig4.drive(p, t, v, realizations=n_real, seed=seed,
                       t_out=fig4.time_grid(float(t[-1]), STEP, t_top), snapshot_times=snap_t)
        bar.update()
    tt, g = d["t"], d["g"]
    g_mean = g.mean(axis=0)
    g_after = an.values_at(tt, g_mean, t_top)
    g_after_r = an.values_at(tt, g, t_top)  # (R, pulses)
    x = d["snapshots"]
    x0 = x[:, 0]
    xs = x[:, 1:].reshape(n_real, tr["count"], SNAP_WINDOW.size, -1)
    left, gap, right = an.cluster_counts(xs[:, :, -1])  # (R, pulses)
    n = p.n_particles
    peak = int(np.argmax(g_after))
    chosen = sorted({0, 3, 6, peak, (peak + tr["count"] - 1) // 2, tr["count"] - 1})
    panels = [{"pulse": 0, "t": 0.0, **_density(x0[:, None, :], x0[0])}]
    for k in chosen:
        panels.append({"pulse": k + 1, "t": float(t_top[k]), **_density(xs[:, k], xs[0, k, -1])})
    return {
        "params": fig4.params_record(p, load=0.0, **tr, theta_ambient=p.theta_ambient),
        "realizations": n_real,
        "t": tt,
        "v_source": d["v_source"],
        "g_mean": g_mean,
        "temperature_mean": d["theta"].mean(axis=0),
        "pulse_end_times": t_top,
        "g_after_pulse": g_after,
        "g_after_pulse_stderr": (g_after_r.std(axis=0, ddof=1) / np.sqrt(n_real) if n_real > 1
                                 else 0 * g_after),
        "peak_pulse": peak + 1,
        "g_peak": float(g_after[peak]),
        "g_final": float(g_after[-1]),
        "decline_from_peak": float(1.0 - g_after[-1] / g_after[peak]) if g_after[peak] > 0 else None,
        "left_cluster_fraction_initial": float(an.cluster_counts(x0)[0].mean() / n),
        "left_cluster_fraction_after_pulse": left.mean(axis=0) / n,
        "gap_particles_after_pulse": gap.mean(axis=0),
        "right_cluster_fraction_after_pulse": right.mean(axis=0) / n,
        "temperature_after_pulse": an.values_at(tt, d["theta"].mean(axis=0), t_top),
        "paper": {"g_after_pulse_4": 0.25, "g_after_pulse_7": 0.75},
        "panels": panels,
        "dt": d["dt"],
    }


def _density(x, example) -> dict:
    xc, rho = fig4.density(x)
    return {"x": xc, "density": rho, "example": example}


def plot(result: dict, path) -> None:
    from ..io import atomic_savefig

    plt, fig = fig4.new_figure(figsize=(10.0, 6.6))
    panels = result["panels"]
    gs = fig.add_gridspec(2, len(panels), height_ratios=[1.5, 1.0], hspace=0.38, wspace=0.35)
    ax = fig.add_subplot(gs[0, :])
    t = np.asarray(result["t"])
    ax.plot(t, result["g_mean"], color="C0", lw=0.8, label=f"G/G_max, mean of {result['realizations']}")
    te = np.asarray(result["pulse_end_times"])
    ga = np.asarray(result["g_after_pulse"])
    ax.plot(te, ga, ".", color="C0", ms=5)
    for n, target in ((4, 0.25), (7, 0.75)):
        ax.plot([te[n - 1]], [target], "x", color="k", ms=8)
        ax.annotate(f"paper, pulse {n}", (te[n - 1], target), textcoords="offset points",
                    xytext=(-70, -3), fontsize=7)
    ax.plot(te, result["left_cluster_fraction_after_pulse"], "--", color="C2",
            label="left-cluster fraction of particles")
    for k, pnl in enumerate(panels):
        if pnl["pulse"] == 0:
            continue
        ax.plot([pnl["t"]], [np.interp(pnl["t"], te, ga)], "o", color="orange", ms=6, zorder=5)
        ax.annotate(f"b{k}", (pnl["t"], np.interp(pnl["t"], te, ga)), textcoords="offset points",
                    xytext=(3, 6), fontsize=8)
    av = ax.twinx()
    av.plot(t, result["v_source"], color="C3", lw=0.5, alpha=0.6)
    av.set_ylabel("V / V_th (source)", color="C3")
    av.set_ylim(0, 4 * max(result["v_source"]))
    ax.set_xlabel("time (1/kappa)")
    ax.set_ylabel("G / G_max")
    ax.set_ylim(0, 1)
    ax.set_title(f"Fig. 4b: G after pulse 4 = {ga[3]:.2f}, 7 = {ga[6]:.2f} (paper 0.25, 0.75); "
                 f"peak {result['g_peak']:.2f} at pulse {result['peak_pulse']}, "
                 f"final {result['g_final']:.2f}", fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    for k, pnl in enumerate(panels):
        a = fig.add_subplot(gs[1, k])
        a.plot(pnl["x"], pnl["density"], color="C0")
        a.plot(pnl["example"], np.full(len(pnl["example"]), -2.0), ".", color="C3", ms=3)
        a.set_title("start" if pnl["pulse"] == 0 else f"b{k}: pulse {pnl['pulse']}", fontsize=8)
        a.set_xlim(-1, 1)
        a.set_xlabel("x / L", fontsize=8)
        a.tick_params(labelsize=7)
        if k == 0:
            a.set_ylabel("particles per L", fontsize=8)
    atomic_savefig(fig, path, dpi=110)
    plt.close(fig)
