"""Fig. 4a of Wang et al. 2017: one pulse, delayed switch-on, relaxation, density snapshots.

One 3 V_th pulse of 1/kappa through the compliance load R_min/2 (see :mod:`.fig4`) at
k_B T0/w_p = 0.30:
the ensemble-mean conductance stays at its OFF value while the first particles leave the
left cluster, then Joule heating runs away and a bridge forms (switch-on after a delay);
after the pulse the device cools in ~1/kappa and the particles diffuse back to the
terminal clusters (relaxation over tens of 1/kappa).  Panels a1-a4: particle densities
before the pulse, at its end, during the relaxation and at the end of the run.
"""

from __future__ import annotations

import numpy as np

from . import analysis as an
from . import fig4

DESCRIPTION = "Fig. 4a: one pulse, delayed switching and relaxation, density snapshots a1-a4"

#: The pulse (units: V_th and 1/kappa); shared with the Fig. 4a inset (fig4a-tau).
PULSE = dict(amplitude=3.0, width=1.0, rise=0.05, lead=2.0)
TAIL = 100.0  # zero bias after the pulse, 1/kappa (the slowest realizations need ~100)
TAIL_QUICK = 60.0
STEP = 0.05  # output step, 1/kappa
#: Times of panels a1-a4 relative to the pulse: before it, at its end, during the
#: relaxation and at the end of the run; each density averages +-0.1/kappa (the paper's
#: 0.2/kappa window) over all realizations.
SNAP_OFFSETS = (-0.5, 0.0, 10.0, None)
SNAP_WINDOW = np.linspace(-0.1, 0.1, 5)


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None) -> dict:
    from ..progress import Progress

    p = fig4.params()
    n_real = fig4.realization_count(realizations, quick)
    tail = TAIL_QUICK if quick else TAIL
    t, v, t_on, _, t_off = fig4.pulse(PULSE["amplitude"], PULSE["width"], rise=PULSE["rise"],
                                      lead=PULSE["lead"], tail=tail)
    t_on, t_off = float(t_on[0]), float(t_off[0])
    moments = [t_on + SNAP_OFFSETS[0], t_off - 0.1 + SNAP_OFFSETS[1], t_off + SNAP_OFFSETS[2],
               float(t[-1]) - 0.1]
    snap_t = np.concatenate([m + SNAP_WINDOW for m in moments])
    with Progress(1, "fig4a", enabled=progress) as bar:
        d = fig4.drive(p, t, v, realizations=n_real, seed=seed,
                       t_out=fig4.time_grid(float(t[-1]), STEP, [t_on, t_off]),
                       snapshot_times=snap_t, load=fig4.COMPLIANCE_LOAD)
        bar.update()
    return summarize(d, p, t_on=t_on, t_off=t_off, moments=moments, realizations=n_real,
                     protocol={**PULSE, "tail": tail, "theta_ambient": p.theta_ambient})


def summarize(d: dict, p, *, t_on, t_off, moments, realizations, protocol) -> dict:
    tt, g = d["t"], d["g"]
    g_mean = g.mean(axis=0)
    delay = an.first_crossing(tt, g_mean, an.SWITCH_LEVEL, start=t_on, rising=True) - t_on
    relax_mean = an.first_crossing(tt, g_mean, an.RELAX_LEVEL, start=t_off, rising=False) - t_off
    tau = an.relaxation_times(tt, g, t_off)
    k_off = min(int(np.searchsorted(tt, t_off)), tt.size - 1)
    snaps = d["snapshots"].reshape(realizations, len(moments), SNAP_WINDOW.size, -1)
    panels = []
    for k, m in enumerate(moments):
        x, rho = fig4.density(snaps[:, k])
        left, gap, right = an.cluster_counts(snaps[:, k])
        panels.append({"t": m, "x": x, "density": rho, "example": snaps[0, k, SNAP_WINDOW.size // 2],
                       "left": float(left.mean()), "gap": float(gap.mean()),
                       "right": float(right.mean())})
    return {
        "params": fig4.params_record(p, load=fig4.COMPLIANCE_LOAD, **protocol),
        "realizations": realizations,
        "t": tt,
        "v_source": d["v_source"],
        "g_mean": g_mean,
        "g_stderr": g.std(axis=0, ddof=1) / np.sqrt(realizations) if realizations > 1 else 0 * g_mean,
        "temperature_mean": d["theta"].mean(axis=0),
        "temperature_mean_k": p.scales.kelvin(d["theta"].mean(axis=0)),
        "t_on": t_on,
        "t_off": t_off,
        "delay": fig4.none_if_nan(delay),
        "g_peak": float(g_mean.max()),
        "g_at_pulse_end": float(g_mean[k_off]),
        "switched": int(np.sum(~np.isnan(tau))),
        "relaxation_time": fig4.none_if_nan(relax_mean),
        "relaxation_time_median": fig4.none_if_nan(an.censored_median(tau)),
        "relaxation_time_per_realization": [None if np.isnan(x) else (None if np.isinf(x) else float(x))
                                            for x in tau],
        "relaxation_censored": int(np.sum(np.isinf(tau))),
        "relaxation_note": ("relaxation_time: ensemble-mean G below 0.02 G_max after the pulse; "
                            "relaxation_time_median: median over the switched realizations "
                            "(G >= 0.1 at pulse end) of each one's first time below 0.02 G_max; "
                            "null in the per-realization list = not switched or still above "
                            "0.02 at the end of the run"),
        "theta_max": float(d["theta"].mean(axis=0).max()),
        "g_off_initial": float(g_mean[tt < t_on].mean()),
        "panels": panels,
        "dt": d["dt"],
    }


def plot(result: dict, path) -> None:
    from ..io import atomic_savefig

    plt, fig = fig4.new_figure(figsize=(9.0, 6.4))
    gs = fig.add_gridspec(2, 4, height_ratios=[1.5, 1.0], hspace=0.35, wspace=0.3)
    ax = fig.add_subplot(gs[0, :])
    t = np.asarray(result["t"])
    g = np.asarray(result["g_mean"])
    se = np.asarray(result["g_stderr"])
    ax.fill_between(t, g - se, g + se, color="C0", alpha=0.25, lw=0)
    ax.plot(t, g, color="C0", label=f"G/G_max, mean of {result['realizations']}")
    ax.axhline(0.02, color="0.5", lw=0.7, ls=":")
    for k, pnl in enumerate(result["panels"]):
        gi = np.interp(pnl["t"], t, g)
        ax.plot([pnl["t"]], [gi], "o", color="orange", ms=6, zorder=5)
        ax.annotate(f"a{k + 1}", (pnl["t"], gi), textcoords="offset points", xytext=(4, 6))
    ax.set_xlabel("time (1/kappa)")
    ax.set_ylabel("G / G_max")
    ax.set_xlim(t[0], t[-1] * 1.03)
    av = ax.twinx()
    av.plot(t, result["v_source"], color="C3", lw=1)
    av.set_ylabel("V / V_th (source)", color="C3")
    av.set_ylim(0, 1.25 * max(result["v_source"]))
    rm = result["relaxation_time_median"]
    ax.set_title(f"Fig. 4a: delay {_fmt(result['delay'])}/kappa, peak {result['g_peak']:.2f} G_max, "
                 f"relaxation {_fmt(result['relaxation_time'])} (mean curve), {_fmt(rm)} (median)",
                 fontsize=9)
    ax.legend(loc="upper right", fontsize=8)
    # Zoom on the pulse: the delay is a fraction of 1/kappa, the run is ~100/kappa.
    t_on, t_off = result["t_on"], result["t_off"]
    z = ax.inset_axes([0.3, 0.35, 0.3, 0.55])
    sel = (t >= t_on - 0.5) & (t <= t_off + 1.5)
    vs = np.asarray(result["v_source"])
    if result["delay"] is not None:
        z.axvspan(t_on, t_on + result["delay"], color="0.85", lw=0)
    z.plot(t[sel], vs[sel] / vs.max(), color="C3", lw=1, label="V / V_max")
    z.plot(t[sel], g[sel], color="C0", label="G / G_max")
    z.set_ylim(0, 1.05)
    z.set_title("the pulse (grey: delay to 0.1 G_max)", fontsize=8)
    z.tick_params(labelsize=7)
    z.legend(fontsize=6, loc="center right")
    for k, pnl in enumerate(result["panels"]):
        a = fig.add_subplot(gs[1, k])
        a.plot(pnl["x"], pnl["density"], color="C0")
        a.plot(pnl["example"], np.full(len(pnl["example"]), -2.0), ".", color="C3", ms=4)
        a.set_title(f"a{k + 1}: t = {pnl['t']:.1f}", fontsize=9)
        a.set_xlabel("x / L")
        if k == 0:
            a.set_ylabel("particles per L")
        a.set_xlim(-1, 1)
    atomic_savefig(fig, path, dpi=110)
    plt.close(fig)


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.1f}"
