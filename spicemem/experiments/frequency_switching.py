"""Fig. 5c of Wang et al. (2017): 2.8 V, 100 us pulses at 196 Hz, then 5000 Hz, then 196 Hz
again, for SiOxNy:Ag through ngspice.

The devices sit behind a 3 MOhm compliance resistor.  ``current_after_pulse`` is the
ensemble-mean device current at the end of each pulse (the response the paper plots) and
``conductance_after_pulse`` the ensemble-mean device conductance there (device current over
device voltage); ``phase`` labels each pulse ("196 Hz", "5000 Hz", "196 Hz (return)").
Behind 3 MOhm the current is set by the resistor to within a few per cent once the device
is ON (R_ON ~ 3-10 kOhm), so the plasticity shows in the conductance: ``summary`` is taken
from it.

Paper: depression at 196 Hz; facilitation once the frequency is raised to 5000 Hz, turning
to depression with more pulses; the current relaxes back towards its initial (first
phase) level under the final 196 Hz train.
"""

from __future__ import annotations

import numpy as np

from . import analysis as an
from . import measured as m

DESCRIPTION = "Fig. 5c: 2.8 V/100 us pulses at 196 Hz, 5000 Hz, 196 Hz (ngspice)"

PRESET = "SiOxNy_Ag"
AMPLITUDE, WIDTH, EDGE = 2.8, 100e-6, 0.5e-6
R_SERIES = 3e6  # Ohm
PHASES = (("196 Hz", 196.0), ("5000 Hz", 5000.0), ("196 Hz (return)", 196.0))
FULL = dict(devices=48, counts=(10, 40, 15))
QUICK = dict(devices=6, counts=(4, 20, 4))
LEAD = 0.1e-3


def pulse_list(counts):
    out, labels = [], []
    t = LEAD
    for (label, freq), n in zip(PHASES, counts):
        for _ in range(n):
            out.append(m.pulse(t, WIDTH, AMPLITUDE, EDGE))
            labels.append(label)
            t += 1.0 / freq
    return out, labels


def netlist(*, devices: int, counts, preset: str = PRESET) -> str:
    ps, _ = pulse_list(counts)
    t_stop = ps[-1].end + 0.1e-3
    notes = [f"Wang et al. 2017 Fig. 5c: {AMPLITUDE} V/{WIDTH * 1e6:g} us pulses, "
             + ", ".join(f"{n} at {lab}" for (lab, _), n in zip(PHASES, counts))
             + f"; {devices} devices behind {R_SERIES:.0e} Ohm"]
    return m.netlist_text(f"frequency-dependent plasticity of {preset} (Fig. 5c)", [m.model_line(preset)],
                          m._pwl(m.pulses_to_pwl(ps, t_stop)), m.branches(devices, "in", R_SERIES),
                          t_stop, m.T_STEP, notes)


def netlists() -> dict:
    return {"frequency_switching.cir": netlist(**FULL)}


def summarize(g, labels) -> dict:
    """Qualitative landmarks of a mean response ``g`` (one value per pulse).

    Phase 1 (196 Hz): depression if the mean of its second half is below its first pulse.
    Phase 2 (5000 Hz), smoothed over a fifth of its pulses: facilitation if its peak exceeds
    the phase-1 level it started from (the mean of phase 1's second half), depression after
    it if it ends below its peak.  Phase 3 (196 Hz again): the relative distance of its
    second half from the phase-1 level.
    """
    g = np.asarray(g, dtype=float)
    labels = np.asarray(labels)
    p1 = g[labels == PHASES[0][0]]
    p2 = g[labels == PHASES[1][0]]
    p3 = g[labels == PHASES[2][0]]
    q1 = max(len(p1) // 2, 1)
    level1 = float(p1[-q1:].mean())
    w = max(len(p2) // 5, 1)
    smooth = np.convolve(p2, np.ones(w) / w, mode="valid")
    late3 = float(p3[-max(len(p3) // 2, 1):].mean())
    return {
        "phase1_first": float(p1[0]), "phase1_late_mean": level1,
        "phase2_start_mean": float(smooth[0]), "phase2_peak_mean": float(smooth.max()),
        "phase2_end_mean": float(smooth[-1]), "phase3_late_mean": late3,
        "depression_196hz": bool(level1 < p1[0]),
        "facilitation_5000hz": bool(smooth.max() > level1),
        "depression_after_facilitation_5000hz": bool(smooth[-1] < smooth.max()),
        "return_to_phase1_level": abs(late3 - level1) / level1,
        # The same landmarks as signed percentages (the README's and docs' numbers, averaged
        # over seeds by examples/over_seeds.py): phase 1's second half against its first
        # pulse, phase 2's smoothed peak against the phase-1 level, phase 3's second half
        # against the phase-1 level.
        "phase1_change_percent": 100.0 * (level1 / float(p1[0]) - 1.0),
        "phase2_peak_change_percent": 100.0 * (float(smooth.max()) / level1 - 1.0),
        "phase3_from_phase1_percent": 100.0 * (late3 / level1 - 1.0),
    }


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None) -> dict:
    size = dict(QUICK if quick else FULL)
    if realizations:
        size["devices"] = int(realizations)
    ps, labels = pulse_list(size["counts"])
    res = m.run(netlist(**size), seed=seed, name="frequency_switching.cir", progress=progress)
    t = np.array([p.top_end - 0.5e-6 for p in ps])
    i = an.values_at(res.time, res.current, t)
    v = an.values_at(res.time, res.voltage, t)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(np.abs(v) > 0, i / v, np.nan)
    i_mean = np.nanmean(i, axis=0)
    g_mean = np.nanmean(g, axis=0)
    return {
        "preset": PRESET, "devices": size["devices"], "counts": list(size["counts"]),
        "t_pulse_s": t, "phase": labels,
        "current_after_pulse": i_mean, "conductance_after_pulse": g_mean,
        "current_per_device_a": i,
        "conductance_per_device_s": g,
        "summary": summarize(g_mean, labels),
        "pulse": {"amplitude_v": AMPLITUDE, "width_s": WIDTH}, "compliance_ohm": R_SERIES,
        "bridge": {"accepted_steps": res.steps["accepted"], "wall_time_s": res.wall_time},
        "paper": "PPD at 196 Hz, PPF then PPD at 5000 Hz, return towards the initial state at 196 Hz",
    }


def plot(result: dict, path) -> None:
    from matplotlib.figure import Figure

    from ..io import atomic_savefig

    g = np.asarray(result["conductance_after_pulse"])
    labels = np.asarray(result["phase"])
    fig = Figure(figsize=(9, 4))
    ax = fig.subplots()
    n = np.arange(1, g.size + 1)
    for k, (lab, _) in enumerate(PHASES):
        sel = labels == lab
        ax.plot(n[sel], g[sel] * 1e6, "o-", ms=3, color=f"C{k}", label=lab)
    ax.set_xlabel("pulse number")
    ax.set_ylabel("device conductance at the end of the pulse (uS), mean")
    ax.legend()
    ax.set_title(f"{result['preset']}: 2.8 V/100 us pulses, {result['devices']} devices "
                 "(cf. Wang et al. 2017, Fig. 5c)")
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)
