"""Where the hybrid integrator stands for Langevin dynamics: a map over voltage and temperature
(issue 14).

For every preset, every device voltage V (0 to 3 V_th every 0.25 V_th) and ambient
temperature (k_B T0/w_p = 0.10 to 0.45), both integrators run the same protocol on
independent random streams, starting from Boltzmann equilibrium at T0 and zero bias:

* ``held``: V for HOLD/kappa, then zero bias;
* ``pulsed``: PULSES pulses of V, PULSE_WIDTH/kappa wide and PULSE_WIDTH/kappa apart;

each followed by RELAX_WINDOW/kappa at zero bias.  The bare device is driven (no series
resistance), so V is the device voltage.  Per realization:

* pulse-averaged G: the mean of G/G_max over the output times at full amplitude;
* switching delay: from the first pulse's onset until G >= SWITCH G_max (censored: +inf);
* relaxation time: from the end of the last pulse until G < RELAXED G_max (the paper's
  definition; censored at the window, +inf).

Per cell four tests, hybrid against Langevin: the difference of the mean pulse-averaged G
in standard errors (two-sided normal p), and two-sample KS tests of the delays, of the
relaxation times (censored values compare as larger than every finite one) and of G at the
end of the window (where the window censors a relaxation, the states it has reached).  The map is
clean when no test is rejected by Holm's step-down procedure at family-wise error rate
ALPHA over *all* tests of the map (every preset, cell and quantity): a chance rejection
anywhere has probability <= ALPHA if the hybrid is exact.  Holm controls the family-wise
rate under any dependence between the tests; the price is power: with m tests a single
deviation must reach p < ALPHA/m (z ~ 4.4 for m = 1000) to be flagged.  The
Benjamini-Hochberg false-discovery rate at ALPHA, more powerful, is reported beside it,
as are the uncorrected p-values.

What the window does not reach: at low temperature a relaxation takes far longer than
RELAX_WINDOW (~exp(w_p / k_B T) thermal times); Langevin dynamics there is unaffordable at
map scale, so the relaxation test compares min(tau, window) and G at the window's end only.  Long relaxations are
checked against Langevin at k_B T/w_p = 0.15 and 0.20 by ``hybrid-validation`` and the
rates against exact 1-D first-passage quadrature in ``tests/test_hopping.py``.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np

from ..devices.validity import ValidityWarning
from ..io import read_jsonl_log, to_jsonable

DESCRIPTION = "hybrid vs Langevin over voltage x temperature for every preset (G, delay, relaxation)"

VOLTAGES = tuple(np.round(np.arange(0.0, 3.0 + 1e-9, 0.25), 4))  # V_th
THETAS = (0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45)  # k_B T0 / w_p
PROTOCOLS = ("held", "pulsed")
LEAD = 0.5  # 1/kappa at zero bias before the first pulse
RISE = 0.03  # 1/kappa
HOLD = 3.0  # 1/kappa
PULSES = 3
PULSE_WIDTH = 1.0  # 1/kappa (and the interval)
RELAX_WINDOW = 10.0  # 1/kappa
STEP = 0.02  # output step, 1/kappa
SWITCH = 0.1  # G/G_max
RELAXED = 0.02  # G/G_max
ALPHA = 0.05
TESTS = ("p_g", "p_delay", "p_relax", "p_gend")  # the per-cell p-values Holm runs over
FULL_REALIZATIONS = 48
QUICK_REALIZATIONS = 16


def protocol(kind: str, amplitude: float):
    """Waveform (t in 1/kappa, v in V_th), first onset, last pulse end, and the mask
    function of 'full amplitude' for output times."""
    from ..devices.waveforms import pulse_train

    if kind == "held":
        width, count, interval = HOLD, 1, 0.0
    elif kind == "pulsed":
        width, count, interval = PULSE_WIDTH, PULSES, PULSE_WIDTH
    else:
        raise ValueError(f"protocol must be 'held' or 'pulsed', got {kind!r}")
    t, v = pulse_train(amplitude, width, interval, count, rise=RISE, delay=LEAD, tail=RELAX_WINDOW)
    period = width + 2 * RISE + interval
    on = LEAD + period * np.arange(count) + RISE
    return t, v, LEAD, float(on[-1] + width + RISE), np.stack([on, on + width], axis=1)


def params_for(preset: str, theta: float, integrator: str, dt_factor: float | None = None):
    from ..devices.diffusive import DiffusiveParams

    extra = {} if dt_factor is None else {"dt_factor": dt_factor}
    return DiffusiveParams.from_preset(preset, theta_ambient=theta, integrator=integrator, **extra)


def measure(preset: str, kind: str, amplitude: float, theta: float, integrator: str,
            realizations: int, seed: int, first_stream: int,
            dt_factor: float | None = None, clock_dt_factor: float | None = None) -> dict:
    """Run one cell with one integrator; per-realization G, delay and relaxation time.

    ``dt_factor``: the Langevin step rule (default: the preset's).  The outputs are recorded
    on the Langevin step nearest to each output time, so two step rules label the same output
    with times that differ by up to half a step, and a time on either side of a pulse edge can
    fall in or out of a delay's or relaxation's count.  ``clock_dt_factor`` labels them with
    the times a run at that step rule records instead, so that runs at two steps are measured
    on one clock (the difference is below one step, << the output step)."""
    from ..devices.ensemble import simulate

    p = params_for(preset, theta, integrator, dt_factor)
    ts = p.tau_thermal
    t, v, onset, end, tops = protocol(kind, amplitude)
    t_out = np.arange(0.0, t[-1] + 0.5 * STEP, STEP)
    with warnings.catch_warnings():
        # Hot cells leave the presets' validity range; the map records how many
        # realizations did (per cell) instead of one warning line per cell.
        warnings.simplefilter("ignore", ValidityWarning)
        res = simulate(p, t * ts, v * p.v_threshold, realizations=realizations, seed=seed,
                       first_stream=first_stream, t_out=t_out * ts)
    tt = res.t / ts
    if clock_dt_factor is not None:
        tt = _recorded_times(params_for(preset, theta, integrator, clock_dt_factor), t, t_out)
    g = res.g_norm
    full = np.zeros(tt.size, bool)
    for a, b in tops:
        full |= (tt >= a - 1e-9) & (tt <= b + 1e-9)
    g_avg = g[:, full].mean(axis=1) if amplitude > 0 else g.mean(axis=1)
    delay = _first(tt, g >= SWITCH, onset)
    relax = _first(tt, g < RELAXED, end)
    return {"g_avg": g_avg, "delay": delay, "relax": relax, "g_end": g[:, -1],
            "outside_validity": len(res.validity),
            "theta_peak": float(np.mean(res.temperature.max(axis=1)) / p.t_ambient * theta)}


def _recorded_times(p, t, t_out):
    """The output times (1/kappa) that :func:`spicemem.simulate` records for ``p`` (waveform
    ``t`` and requested ``t_out`` in 1/kappa): each on its nearest Langevin step."""
    sc, dt = p.scales, p.core.dt
    tw = (t * p.tau_thermal - t[0] * p.tau_thermal) / sc.time
    n_total = int(np.ceil(tw[-1] / dt - 1e-9))
    steps = np.clip(np.rint((t_out * p.tau_thermal - t[0] * p.tau_thermal) / sc.time / dt)
                    .astype(np.int64), 0, n_total)
    return (steps * dt * sc.time + t[0] * p.tau_thermal) / p.tau_thermal


def _first(tt, hit, start):
    """Per row: first output time >= start where ``hit`` holds, minus start (+inf if none)."""
    after = tt >= start - 1e-9
    h = hit & after[None, :]
    any_ = h.any(axis=1)
    out = tt[np.argmax(h, axis=1)] - start
    out[~any_] = np.inf
    return out


def _ks(a, b) -> float:
    from scipy import stats

    a = np.where(np.isfinite(a), a, 1e300)
    b = np.where(np.isfinite(b), b, 1e300)
    if np.all(a == a[0]) and np.all(b == a[0]):
        return 1.0
    return float(stats.ks_2samp(a, b).pvalue)


def compare_cell(preset: str, kind: str, amplitude: float, theta: float, realizations: int,
                 seed: int, cell: int) -> dict:
    """Both integrators on independent streams of ``seed`` (cell-specific stream blocks)."""
    base = 2 * realizations * cell
    h = measure(preset, kind, amplitude, theta, "hybrid", realizations, seed, base)
    lg = measure(preset, kind, amplitude, theta, "langevin", realizations, seed, base + realizations)
    n = realizations
    t = cell_tests(h, lg)
    return {
        "preset": preset, "protocol": kind, "v": float(amplitude), "theta": float(theta),
        "realizations": n,
        "g_hybrid": float(np.mean(h["g_avg"])), "g_langevin": float(np.mean(lg["g_avg"])),
        "g_se": t["g_se"], "g_z": t["g_z"], "p_g": t["p_g"],
        "p_delay": t["p_delay"], "p_relax": t["p_relax"], "p_gend": t["p_gend"],
        "theta_peak_hybrid": h["theta_peak"], "theta_peak_langevin": lg["theta_peak"],
        "outside_validity": h["outside_validity"] + lg["outside_validity"],
        "hybrid": {k: h[k] for k in ("g_avg", "delay", "relax", "g_end")},
        "langevin": {k: lg[k] for k in ("g_avg", "delay", "relax", "g_end")},
    }


def cell_tests(a: dict, b: dict) -> dict:
    """The four tests of a cell between two samples of :func:`measure` (independent streams):
    the difference of the mean pulse-averaged G in standard errors (``g_z``, two-sided
    normal ``p_g``) and KS p-values of the delays, relaxation times and G at the window end."""
    from scipy import stats

    n = len(a["g_avg"])  # both samples have n realizations
    se = float(np.hypot(np.std(a["g_avg"], ddof=1), np.std(b["g_avg"], ddof=1)) / np.sqrt(n))
    diff = float(np.mean(a["g_avg"]) - np.mean(b["g_avg"]))
    z = diff / se if se > 0 else 0.0
    return {"g_se": se, "g_z": float(z), "p_g": float(2 * stats.norm.sf(abs(z))),
            "p_delay": _ks(a["delay"], b["delay"]), "p_relax": _ks(a["relax"], b["relax"]),
            "p_gend": _ks(a["g_end"], b["g_end"])}


def holm(pvalues, alpha: float = ALPHA) -> np.ndarray:
    """Holm's step-down rejections (bool per p-value) at family-wise error rate ``alpha``."""
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    order = np.argsort(p)
    reject = np.zeros(m, bool)
    for rank, i in enumerate(order):
        if p[i] <= alpha / (m - rank):
            reject[i] = True
        else:
            break
    return reject


def benjamini_hochberg(pvalues, alpha: float = ALPHA) -> np.ndarray:
    """Benjamini-Hochberg rejections (bool per p-value) at false-discovery rate ``alpha``."""
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    order = np.argsort(p)
    ok = p[order] <= alpha * np.arange(1, m + 1) / m
    reject = np.zeros(m, bool)
    if ok.any():
        reject[order[: np.max(np.nonzero(ok)[0]) + 1]] = True
    return reject


def assess(cells: list[dict], alpha: float = ALPHA) -> dict:
    """Apply Holm and BH over every test of ``cells`` (in place: per-cell flags)."""
    keys = TESTS
    p = np.array([[c[k] for k in keys] for c in cells]).ravel()
    rh = holm(p, alpha).reshape(len(cells), len(keys))
    rb = benjamini_hochberg(p, alpha).reshape(len(cells), len(keys))
    for c, a, b in zip(cells, rh, rb):
        c["holm_reject"] = [k for k, r in zip(keys, a) if r]
        c["bh_reject"] = [k for k, r in zip(keys, b) if r]
    return {"tests": int(p.size), "alpha": alpha, "holm_rejections": int(rh.sum()),
            "bh_rejections": int(rb.sum()), "min_p": float(p.min()) if p.size else None,
            "clean": bool(rh.sum() == 0)}


def run_cells(spec, *, realizations: int, seed: int, progress=None, log=None,
              limit: int | None = None) -> list[dict]:
    """``spec``: iterable of (preset, protocol, V, theta); the cell index fixes the streams.

    ``log``: a JSON-lines file to which every finished cell is appended (one line, flushed),
    and from which a rerun with the same spec, seed and realizations takes the cells already
    done (a torn last line from an interrupted run is ignored): a long map survives being
    stopped and resumes where it was.  ``limit``: stop after that many cells of ``spec`` (the
    cells done so far are returned, in spec order).
    """
    from ..progress import Progress

    spec = list(spec)
    done = _read_log(log, spec, realizations, seed) if log is not None else {}
    todo = [i for i in range(len(spec) if limit is None else min(limit, len(spec))) if i not in done]
    fh = None
    if log is not None:
        fh = open(log, "a", encoding="utf-8")
        if not done:
            fh.write(json.dumps({"header": {"seed": seed, "realizations": realizations,
                                            "cells": len(spec)}}) + "\n")
            fh.flush()
    try:
        with Progress(len(todo), "hybrid-map", enabled=progress) as bar:
            for i in todo:
                preset, kind, v, th = spec[i]
                done[i] = compare_cell(preset, kind, v, th, realizations, seed, i)
                if fh is not None:
                    fh.write(json.dumps(to_jsonable({"index": i, "cell": done[i]})) + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                bar.update()
    finally:
        if fh is not None:
            fh.close()
    return [done[i] for i in sorted(done)]


def _read_log(log, spec, realizations, seed) -> dict:
    """Cells already in ``log`` (index -> cell), checked against this run's spec."""
    path = Path(log)
    done = {}
    for n, rec in read_jsonl_log(path):
        if "header" in rec:
            h = rec["header"]
            if (h["seed"], h["realizations"], h["cells"]) != (seed, realizations, len(spec)):
                raise ValueError(f"{path}:{n}: log of another run (seed, realizations, cells) = "
                                 f"{(h['seed'], h['realizations'], h['cells'])}, this run "
                                 f"{(seed, realizations, len(spec))}")
            continue
        i, c = rec["index"], rec["cell"]
        if i >= len(spec) or (c["preset"], c["protocol"], c["v"], c["theta"]) != tuple(spec[i]):
            raise ValueError(f"{path}:{n}: cell {i} does not match this run's grid")
        for side in ("hybrid", "langevin"):  # censored times were written as null
            for key in ("delay", "relax"):
                c[side][key] = np.array([np.inf if q is None else q for q in c[side][key]])
            for key in ("g_avg", "g_end"):
                c[side][key] = np.asarray(c[side][key], dtype=float)
        done[i] = c
    return done


def full_spec(presets=None, voltages=VOLTAGES, thetas=THETAS, protocols=PROTOCOLS):
    from ..devices.diffusive import preset_names

    presets = preset_names() if presets is None else presets
    return [(pr, kind, v, th) for pr in presets for kind in protocols for th in thetas for v in voltages]


#: The reduced map (--quick and the tests): the failing cells of issue 14 (the README
#: example: theta 0.35, 2.5 V_th held 3/kappa; 3 pulses of 2.0 V_th at theta 0.30, both
#: wang2017_fig4 and wang2017_paper) and a cold, a weakly biased and a hot neighbour.
QUICK_SPEC = (
    ("wang2017_fig4", "held", 2.5, 0.35),
    ("wang2017_fig4", "pulsed", 2.0, 0.30),
    ("wang2017_paper", "pulsed", 2.0, 0.30),
    ("wang2017_fig4", "held", 1.0, 0.15),
    ("wang2017_fig4", "pulsed", 0.0, 0.10),
    ("wang2017_fig4", "held", 3.0, 0.45),
)


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None,
        spec=None, log=None, limit=None) -> dict:
    """The map: ``spec`` (see :func:`run_cells`, also for ``log`` and ``limit``) or, by
    default, the full grid of every preset (the reduced :data:`QUICK_SPEC` with ``quick``)."""
    n = int(realizations) if realizations else (QUICK_REALIZATIONS if quick else FULL_REALIZATIONS)
    if spec is None:
        spec = list(QUICK_SPEC) if quick else full_spec()
    cells = run_cells(spec, realizations=n, seed=seed, progress=progress, log=log, limit=limit)
    summary = assess(cells)
    return {
        "criterion": (f"Holm step-down over all {summary['tests']} tests (G difference in SE, KS of "
                      f"delay, KS of relaxation time, KS of G at the window's end) at "
                      f"family-wise error rate {ALPHA}; "
                      f"Benjamini-Hochberg FDR {ALPHA} reported beside it"),
        "protocol": {"lead": LEAD, "rise": RISE, "hold": HOLD, "pulses": PULSES,
                     "pulse_width": PULSE_WIDTH, "relax_window": RELAX_WINDOW, "step": STEP,
                     "switch_g": SWITCH, "relaxed_g": RELAXED,
                     "units": {"t": "1/kappa", "v": "V_th", "g": "G_max"},
                     "series_resistance": 0.0, "start": "Boltzmann at T0, zero bias"},
        "realizations": n, "cells_in_grid": len(spec), "cells_run": len(cells),
        "summary": summary, "cells": cells,
    }


def plot(result: dict, path, what: str = "hybrid - Langevin") -> None:
    """Heat maps of a map's cells (``result["cells"]``, each with ``g_z`` and the p-values of
    :data:`TESTS`): the G difference in SE and the smallest p; ``what`` names the difference
    (two integrators, or one integrator at two steps: bench/langevin_dt_map.py)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import atomic_savefig

    cells = result["cells"]
    groups = sorted({(c["preset"], c["protocol"]) for c in cells})
    fig, axes = plt.subplots(len(groups), 2, figsize=(11, 2.8 * len(groups) + 0.6), squeeze=False)
    for row, (pr, kind) in enumerate(groups):
        sub = [c for c in cells if c["preset"] == pr and c["protocol"] == kind]
        vs = sorted({c["v"] for c in sub})
        ths = sorted({c["theta"] for c in sub})
        z = np.full((len(ths), len(vs)), np.nan)
        pm = np.full((len(ths), len(vs)), np.nan)
        for c in sub:
            i, j = ths.index(c["theta"]), vs.index(c["v"])
            z[i, j] = c["g_z"]
            pm[i, j] = -np.log10(max(min(c[k] for k in TESTS), 1e-300))
        for col, (data, label, kw) in enumerate((
                (z, f"G difference ({what}) / SE", dict(cmap="RdBu_r", vmin=-5, vmax=5)),
                (pm, "-log10 of the smallest p of the cell", dict(cmap="viridis", vmin=0, vmax=6)))):
            ax = axes[row, col]
            im = ax.imshow(data, origin="lower", aspect="auto", **kw,
                           extent=(vs[0] - 0.125, vs[-1] + 0.125, -0.5, len(ths) - 0.5))
            ax.set_yticks(range(len(ths)), [f"{t:.2f}" for t in ths])
            for c in sub:
                if c["holm_reject"]:
                    ax.plot(c["v"], ths.index(c["theta"]), "kx", ms=8)
            ax.set_xlabel("device voltage (V_th)")
            ax.set_ylabel("k_B T0 / w_p")
            ax.set_title(f"{pr}, {kind}: {label}", fontsize=8)
            fig.colorbar(im, ax=ax)
    s = result["summary"]
    fig.suptitle(f"{what}, {result['realizations']} devices each; x: rejected by Holm "
                 f"(FWER {s['alpha']}, {s['tests']} tests): {s['holm_rejections']}", fontsize=9)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=100)
    plt.close(fig)
