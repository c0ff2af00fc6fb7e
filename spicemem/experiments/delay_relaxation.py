"""Fig. 3a of Wang et al. (2017): delayed switching under a 0.75 V, 5 ms pulse and the
relaxation read with 0.05 V, 10 us pulses, for SiOxNy:Ag at 300 K, through ngspice.

Circuit (``netlists/delay_relaxation.cir``): one source, and each device behind its own
1 MOhm compliance resistor (independent devices, one random stream each).  The device's
conductance is read the way the paper reads it: current over device voltage at the end of
each read pulse.

* ``delay_s``: time from the start of the switching pulse until the device conductance
  first exceeds the ON/OFF level 1/sqrt(R_min R_OFF) (:func:`.measured.relaxation_level`);
* ``relaxation_s``: time from the end of the switching pulse until the first read pulse
  that finds the device below that level (resolution: the read period); devices not yet
  relaxed at the end of the record count as censored (inf).

Both are reported per device and as the median over devices.
"""

from __future__ import annotations

import numpy as np

from . import analysis as an
from . import measured as m

DESCRIPTION = "Fig. 3a: delay under a 0.75 V/5 ms pulse, relaxation read by 0.05 V/10 us pulses (ngspice)"

PRESET = "SiOxNy_Ag"
SWITCH = m.pulse(start=0.1e-3, width=5e-3, amplitude=0.75, edge=1e-6)
READ_AMPLITUDE = 0.05  # V
READ_WIDTH = 10e-6  # s
READ_EDGE = 0.2e-6  # s
#: Read schedule: every READ_FAST s for the first FAST_SPAN s after the pulse, then every
#: READ_SLOW s.
READ_FAST = 1e-3
FAST_SPAN = 60e-3
READ_SLOW = 5e-3
FULL = dict(devices=32, t_stop=250e-3)
#: The quick record is 150 ms: with 80 ms, 3 of the 30 devices of seeds 1-10 were still ON
#: at its end, and a median of 3 with two censored (probability ~3 %) was infinite.
QUICK = dict(devices=3, t_stop=150e-3)


def read_pulses(t_from: float, t_stop: float):
    out = []
    t = t_from + READ_FAST
    while t + READ_WIDTH + 2 * READ_EDGE < t_stop:
        out.append(m.pulse(t, READ_WIDTH, READ_AMPLITUDE, READ_EDGE))
        t += READ_FAST if t - t_from < FAST_SPAN else READ_SLOW
    return out


def netlist(*, devices: int, t_stop: float, preset: str = PRESET) -> str:
    pulses = [SWITCH] + read_pulses(SWITCH.end, t_stop)
    src = m._pwl(m.pulses_to_pwl(pulses, t_stop))
    notes = [f"Wang et al. 2017 Fig. 3a: {SWITCH.amplitude} V/{SWITCH.width * 1e3:g} ms switching pulse, "
             f"{READ_AMPLITUDE} V/{READ_WIDTH * 1e6:g} us read pulses; {devices} devices, each "
             f"behind a {m.R_COMPLIANCE:.0e} Ohm compliance resistor"]
    return m.netlist_text(f"delay and relaxation of {preset} (Fig. 3a)", [m.model_line(preset)], src,
                          m.branches(devices, "in", m.R_COMPLIANCE), t_stop, m.T_STEP, notes)


def netlists() -> dict:
    return {"delay_relaxation.cir": netlist(**FULL)}


def analyse(res, params, pulses, switch=SWITCH) -> dict:
    """Delay and relaxation of every device of a bridge result (see the module docstring)."""
    level = m.relaxation_level(params)
    reads = [p for p in pulses if p.start >= switch.end]
    t_read = np.array([p.top_end - 0.05 * p.width for p in reads])
    g_dev = res.device_conductance
    # The paper's read: device current over device voltage at the end of each read's flat top.
    i_read = an.values_at(res.time, res.current, t_read)
    v_read = an.values_at(res.time, res.voltage, t_read)
    with np.errstate(divide="ignore", invalid="ignore"):
        g_read = np.where(np.abs(v_read) > 0, i_read / v_read, np.nan)
    delays, relax, relax_cont = [], [], []
    for k in range(g_dev.shape[0]):
        d = an.first_crossing(res.time, g_dev[k], level, start=switch.start, rising=True, stop=switch.end)
        delays.append(d - switch.start if np.isfinite(d) else np.nan)
        on_at_end = an.values_at(res.time, g_dev[k], switch.top_end) >= level
        if not on_at_end:
            relax.append(np.nan)
            relax_cont.append(np.nan)
            continue
        below = np.nonzero(g_read[k] < level)[0]
        relax.append(t_read[below[0]] - switch.end if below.size else np.inf)
        c = an.first_crossing(res.time, g_dev[k], level, start=switch.end, rising=False)
        relax_cont.append(c - switch.end if np.isfinite(c) else np.inf)
    delays, relax, relax_cont = map(np.asarray, (delays, relax, relax_cont))
    return {"level_s": level, "t_read_s": t_read, "g_read_s": g_read,
            "delay_per_device_s": delays, "relaxation_per_device_s": relax,
            "relaxation_continuous_per_device_s": relax_cont,
            "delay_s": _median(delays), "relaxation_s": _median(relax),
            "relaxation_continuous_s": _median(relax_cont),
            "switched": int(np.sum(np.isfinite(delays)))}


def _median(x) -> float:
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    return float(np.median(x)) if x.size else float("nan")  # inf (censored) sorts last


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None) -> dict:
    size = dict(QUICK if quick else FULL)
    if realizations:
        size["devices"] = int(realizations)
    text = netlist(**size)
    res = m.run(text, seed=seed, name="delay_relaxation.cir", progress=progress)
    params = m.preset(PRESET)
    pulses = [SWITCH] + read_pulses(SWITCH.end, size["t_stop"])
    out = analyse(res, params, pulses)
    keep = np.unique(np.linspace(0, res.time.size - 1, min(res.time.size, 4000)).astype(int))
    out.update({
        "preset": PRESET, "devices": size["devices"], "t_stop_s": size["t_stop"],
        "compliance_ohm": m.R_COMPLIANCE, "pulse": {"amplitude_v": SWITCH.amplitude, "width_s": SWITCH.width,
                                                   "start_s": SWITCH.start},
        "read": {"amplitude_v": READ_AMPLITUDE, "width_s": READ_WIDTH},
        "t_s": res.time[keep], "source_v": res.vectors.get("v(in)", np.zeros(res.time.size))[keep],
        "g_s": res.device_conductance[:, keep], "temperature_k": res.temperature[:, keep],
        "bridge": {"accepted_steps": res.steps["accepted"], "wall_time_s": res.wall_time},
        "paper": {"pulse": "0.75 V, 5 ms", "delay": "finite (Fig. 3a)", "relaxation": "tens of ms (Fig. 3b)"},
    })
    return out


def plot(result: dict, path) -> None:
    from matplotlib.figure import Figure

    from ..io import atomic_savefig

    t = np.asarray(result["t_s"]) * 1e3
    fig = Figure(figsize=(7, 6))
    (a1, a2) = fig.subplots(2, 1)
    g = np.asarray(result["g_s"])
    for k in range(g.shape[0]):
        a1.semilogy(t, g[k], lw=0.7)
    a1.axhline(result["level_s"], color="k", ls="--", lw=0.8, label="ON/OFF level")
    a1.set_ylabel("device conductance (S)")
    a1.set_xlabel("time (ms)")
    av = a1.twinx()
    av.plot(t, result["source_v"], color="C3", lw=0.6)
    av.set_ylabel("source (V)", color="C3")
    a1.legend(loc="upper right")
    a1.set_title(f"{result['preset']}: delay {result['delay_s'] * 1e3:.2g} ms, relaxation "
                 f"{result['relaxation_s'] * 1e3:.3g} ms (medians)")
    tr = np.asarray(result["t_read_s"]) * 1e3
    gr = np.asarray(result["g_read_s"])
    for k in range(gr.shape[0]):
        a2.semilogy(tr, gr[k], "o-", ms=2, lw=0.6)
    a2.axhline(result["level_s"], color="k", ls="--", lw=0.8)
    a2.set_xlabel("time of the read pulse (ms)")
    a2.set_ylabel("read conductance (S)")
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)
