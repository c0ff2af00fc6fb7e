"""Supp. Fig. 7c of Wang et al. 2017: high-voltage pulses at low frequency, depression from
the first pulse.

Eight 3.5 V_th pulses of 0.5/kappa, 60/kappa apart, on the bare device (see :mod:`.fig4`)
at k_B T0/w_p = 0.30.  Each pulse forms a bridge; the interval is longer than the relaxation
time, so the bridge breaks and the particles return to the terminals before the next pulse
(no facilitation).  Each pulse moves particles from the left cluster to the right one, so
the conductance at the end of successive pulses falls from the first pulse on.

The run is split at the end of each interval (for the progress bar): positions and
temperature carry over exactly, and the random streams of segment k are streams
k * STREAM_STRIDE + r of the seed, so realization r depends only on (seed, r).
"""

from __future__ import annotations

import numpy as np

from . import analysis as an
from . import fig4

DESCRIPTION = "Supp. Fig. 7c: high-voltage low-frequency pulses, depression from the first pulse"

TRAIN = dict(amplitude=3.5, width=0.5, interval=60.0, count=8, rise=0.05, lead=1.0)
TRAIN_QUICK = dict(TRAIN, interval=40.0, count=5)
STEP = 0.1
STREAM_STRIDE = 1 << 32


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None) -> dict:
    from ..progress import Progress

    p = fig4.params()
    n_real = fig4.realization_count(realizations, quick)
    tr = TRAIN_QUICK if quick else TRAIN
    ts, gs, ths, vs = [], [], [], []
    g_after, g_after_r, left_after, left_before = [], [], [], []
    x, theta, offset = None, None, 0.0
    with Progress(tr["count"], "ppd-low-frequency", enabled=progress) as bar:
        for k in range(tr["count"]):
            lead = tr["lead"] if k == 0 else 0.0
            t, v, _, t_top, _ = fig4.pulse(tr["amplitude"], tr["width"], rise=tr["rise"], lead=lead,
                                           tail=tr["interval"])
            t_end = float(t[-1])
            d = fig4.drive(p, t, v, realizations=n_real, seed=seed, x0=x, theta0=theta,
                           first_stream=k * STREAM_STRIDE,
                           t_out=fig4.time_grid(t_end, STEP, t_top), snapshot_times=[t_top[0], t_end])
            g_mean = d["g"].mean(axis=0)
            x_start = fig4.two_cluster_start_l(p, n_real, seed) if x is None else x
            left_before.append(float(an.cluster_counts(x_start)[0].mean() / p.n_particles))
            g_after.append(float(an.values_at(d["t"], g_mean, t_top[0])))
            g_after_r.append(an.values_at(d["t"], d["g"], t_top[0]))
            left_after.append(float(an.cluster_counts(d["snapshots"][:, 0])[0].mean() / p.n_particles))
            keep = slice(0, None) if k == 0 else slice(1, None)  # t = 0 of a segment = end of the last
            ts.append(d["t"][keep] + offset)
            gs.append(g_mean[keep])
            ths.append(d["theta"].mean(axis=0)[keep])
            vs.append(d["v_source"][keep])
            x, theta = d["snapshots"][:, 1], d["theta"][:, -1]
            offset += t_end
            bar.update()
    g_after = np.array(g_after)
    g_after_r = np.array(g_after_r)  # (pulses, R)
    return {
        "params": fig4.params_record(p, load=0.0, **tr, theta_ambient=p.theta_ambient),
        "realizations": n_real,
        "t": np.concatenate(ts),
        "g_mean": np.concatenate(gs),
        "temperature_mean": np.concatenate(ths),
        "v_source": np.concatenate(vs),
        "g_after_pulse": g_after,
        "g_after_pulse_stderr": (g_after_r.std(axis=1, ddof=1) / np.sqrt(n_real) if n_real > 1
                                 else 0 * g_after),
        "left_cluster_fraction_after_pulse": left_after,
        "left_cluster_fraction_before_pulse": left_before,
        "g_off_initial": float(np.concatenate(gs)[: max(int(tr["lead"] / STEP) - 1, 1)].mean()),
    }


def plot(result: dict, path) -> None:
    from ..io import atomic_savefig

    plt, fig = fig4.new_figure(figsize=(8.0, 4.6))
    ax = fig.add_subplot(1, 2, 1)
    t = np.asarray(result["t"])
    ax.plot(t, result["g_mean"], color="C0", lw=0.8, label=f"G/G_max, mean of {result['realizations']}")
    av = ax.twinx()
    av.plot(t, result["v_source"], color="C3", lw=0.6)
    av.set_ylabel("V / V_th (source)", color="C3")
    av.set_ylim(0, 2 * max(result["v_source"]))
    ax.set_xlabel("time (1/kappa)")
    ax.set_ylabel("G / G_max")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, loc="upper right")
    b = fig.add_subplot(1, 2, 2)
    n = np.arange(1, len(result["g_after_pulse"]) + 1)
    b.errorbar(n, result["g_after_pulse"], yerr=result["g_after_pulse_stderr"], fmt="o-", color="C0",
               label="G at the end of each pulse")
    b.plot(n, result["left_cluster_fraction_before_pulse"], "s--", color="C2",
           label="left-cluster fraction before the pulse")
    b.set_xlabel("pulse number")
    b.set_ylim(0, 1)
    b.legend(fontsize=8)
    fig.suptitle("Supp. Fig. 7c: low-frequency high-voltage pulses, depression from the first pulse",
                 fontsize=9)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)
    plt.close(fig)
