"""Fig. 1c of Wang et al. (2017): 500 ns, 1.5 V switching pulses at 600 K, each followed by
0.2 V, 500 ns read pulses, for SiOxNy:Ag through ngspice.

Each cycle is one switching pulse followed by read pulses every ``READ_PERIOD`` (the first
``READ_PERIOD`` after the switching pulse ends, as in the paper's "within 5 us") until the
next cycle.  Devices sit behind the 1 MOhm compliance resistor.

* ``switched_fraction``: switching pulses after which the device conductance exceeded the
  ON/OFF level 1/sqrt(R_min R_OFF) during the pulse;
* ``relaxed_within_s``: median over switching events of the time from the end of the pulse
  to the first read that finds the device below that level (paper: within 5 us);
* ``relaxed_at_first_read``: the fraction of events already relaxed at the first read.
"""

from __future__ import annotations

import numpy as np

from . import analysis as an
from . import measured as m

DESCRIPTION = "Fig. 1c: 500 ns/1.5 V switching pulses with 0.2 V reads at 600 K (ngspice)"

PRESET = "SiOxNy_Ag"
TEMPERATURE = 600.0  # K
SWITCH_V, SWITCH_W = 1.5, 500e-9
READ_V, READ_W = 0.2, 500e-9
EDGE = 20e-9
READ_PERIOD = 5e-6
CYCLE = 400e-6  # s from one switching pulse to the next
FULL = dict(devices=32, cycles=3)
QUICK = dict(devices=2, cycles=1)


def pulses(cycles: int):
    out, switches = [], []
    t = 2e-6
    for _ in range(cycles):
        sw = m.pulse(t, SWITCH_W, SWITCH_V, EDGE)
        out.append(sw)
        switches.append(sw)
        r = sw.end + READ_PERIOD
        while r + READ_W + 2 * EDGE < t + CYCLE:
            out.append(m.pulse(r, READ_W, READ_V, EDGE))
            r += READ_PERIOD
        t += CYCLE
    return out, switches, t


def netlist(*, devices: int, cycles: int, preset: str = PRESET) -> str:
    ps, _, t_stop = pulses(cycles)
    notes = [f"Wang et al. 2017 Fig. 1c at {TEMPERATURE:g} K: {SWITCH_V} V/{SWITCH_W * 1e9:g} ns switching "
             f"pulses, {READ_V} V/{READ_W * 1e9:g} ns reads every {READ_PERIOD * 1e6:g} us; "
             f"{devices} devices behind {m.R_COMPLIANCE:.0e} Ohm"]
    return m.netlist_text(f"fast switching of {preset} at {TEMPERATURE:g} K (Fig. 1c)",
                          [m.model_line(preset, temp=TEMPERATURE)], m._pwl(m.pulses_to_pwl(ps, t_stop)),
                          m.branches(devices, "in", m.R_COMPLIANCE), t_stop, 0.1e-6, notes)


def netlists() -> dict:
    return {"fast_switching.cir": netlist(**FULL)}


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None) -> dict:
    size = dict(QUICK if quick else FULL)
    if realizations:
        size["devices"] = int(realizations)
    ps, switches, t_stop = pulses(size["cycles"])
    res = m.run(netlist(**size), seed=seed, name="fast_switching.cir", progress=progress)
    params = m.preset(PRESET, t_ambient=TEMPERATURE)
    level = m.relaxation_level(params)
    reads = [p for p in ps if p.amplitude == READ_V]
    t_read = np.array([p.top_end - 0.05 * p.width for p in reads])
    i_r = an.values_at(res.time, res.current, t_read)
    v_r = an.values_at(res.time, res.voltage, t_read)
    with np.errstate(divide="ignore", invalid="ignore"):
        g_read = np.where(np.abs(v_r) > 0, i_r / v_r, np.nan)
    relaxed, first, switched = [], [], []
    for d in range(res.device_conductance.shape[0]):
        for k, sw in enumerate(switches):
            nxt = switches[k + 1].start if k + 1 < len(switches) else t_stop
            on = an.first_crossing(res.time, res.device_conductance[d], level, start=sw.start, rising=True,
                                  stop=sw.end)
            switched.append(bool(np.isfinite(on)))
            if not np.isfinite(on):
                continue
            sel = np.nonzero((t_read > sw.end) & (t_read < nxt))[0]
            below = sel[g_read[d, sel] < level]
            relaxed.append(t_read[below[0]] - sw.end if below.size else np.inf)
            first.append(bool(below.size and below[0] == sel[0]))
    relaxed = np.asarray(relaxed)
    keep = np.unique(np.linspace(0, res.time.size - 1, min(res.time.size, 6000)).astype(int))
    return {
        "preset": PRESET, "temperature_k": TEMPERATURE, "devices": size["devices"], "cycles": size["cycles"],
        "relaxed_within_s": float(np.median(relaxed)) if relaxed.size else float("nan"),
        "relaxed_within_per_event_s": relaxed,
        "relaxed_at_first_read": float(np.mean(first)) if first else float("nan"),
        "switched_fraction": float(np.mean(switched)),
        "first_read_after_s": READ_PERIOD,
        "level_s": level, "t_read_s": t_read, "g_read_s": g_read,
        "t_s": res.time[keep], "source_v": res.vectors.get("v(in)", np.zeros(res.time.size))[keep],
        "g_s": res.device_conductance[:, keep], "temperature_device_k": res.temperature[:, keep],
        "compliance_ohm": m.R_COMPLIANCE,
        "paper": {"relaxed_within_s": 5e-6, "switching": "1.5 V, 500 ns at 600 K"},
        "bridge": {"accepted_steps": res.steps["accepted"], "wall_time_s": res.wall_time},
    }


def plot(result: dict, path) -> None:
    from matplotlib.figure import Figure

    from ..io import atomic_savefig

    t = np.asarray(result["t_s"]) * 1e6
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    g = np.asarray(result["g_s"])
    for k in range(g.shape[0]):
        ax.semilogy(t, g[k], lw=0.6)
    ax.semilogy(np.asarray(result["t_read_s"]) * 1e6, np.asarray(result["g_read_s"]).T, "k.", ms=2)
    ax.axhline(result["level_s"], color="k", ls="--", lw=0.8)
    ax.set_xlabel("time (us)")
    ax.set_ylabel("device conductance (S); dots: reads")
    av = ax.twinx()
    av.plot(t, result["source_v"], color="C3", lw=0.5)
    av.set_ylabel("source (V)", color="C3")
    ax.set_title(f"{result['preset']} at {result['temperature_k']:g} K: relaxed within "
                 f"{result['relaxed_within_s'] * 1e6:.3g} us (median; paper: 5 us)")
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)
