"""Fig. 5b of Wang et al. (2017): paired-pulse facilitation and depression of SiOxNy:Ag
under 3 V, 1 ms pulses separated by t_zero from 1 ms to 160 ms, through ngspice.

For each t_zero one netlist (``netlists/ppf_tzero.cir`` is the 1 ms one) drives a group of
devices, each behind a 100 MOhm series resistor (30 nA at 3 V), with ``PULSES`` pulses.
The paper does not give the compliance of Fig. 5b.  100 MOhm is where a single pulse
leaves a partial bridge (G ~ 1.5 uS, below the ON/OFF level 2.1 uS) -- the paper's
"a single short pulse cannot excite enough particles to form a complete conducting path"
(Fig. 4b) -- so that residual particles can facilitate the next pulse.  The dependence on
this choice is measured (``examples/compliance_scan.py --figure 5b``, docs/presets.md): behind
3 MOhm every pulse saturates the device and all t_zero depress; behind 30 MOhm only
t_zero = 1 ms facilitates; behind 300 MOhm every t_zero facilitates.

The weight of a device after pulse n is its conductance at the end of the pulse (device
current over device voltage, as the paper reads it from the current response); the
weight change is that of the ensemble's geometric mean (a device's conductance is
log-normally scattered, and one strongly ON device would dominate an arithmetic mean),

    weight_change_percent[t_zero][n] = 100 (exp(<ln G_n> - <ln G_1>) - 1).

Paper (inset of Fig. 5b): facilitation that grows with the pulse number for short t_zero,
slowing down as t_zero grows and turning negative (depression) for the longest.
"""

from __future__ import annotations

import numpy as np

from . import analysis as an
from . import measured as m

DESCRIPTION = "Fig. 5b: weight change vs pulse number for 3 V/1 ms pulses, t_zero 1-160 ms (ngspice)"

PRESET = "SiOxNy_Ag"
AMPLITUDE, WIDTH, EDGE = 3.0, 1e-3, 1e-6
R_SERIES = 100e6  # Ohm (see the module docstring)
T_ZERO = (1e-3, 5e-3, 20e-3, 80e-3, 160e-3)
T_ZERO_QUICK = (1e-3, 160e-3)
FULL = dict(devices=64, pulses=8)
QUICK = dict(devices=32, pulses=6)
LEAD = 0.1e-3


def pulse_list(t_zero: float, n: int):
    return [m.pulse(LEAD + k * (WIDTH + 2 * EDGE + t_zero), WIDTH, AMPLITUDE, EDGE) for k in range(n)]


def netlist(*, t_zero: float, devices: int, pulses: int, preset: str = PRESET) -> str:
    ps = pulse_list(t_zero, pulses)
    t_stop = ps[-1].end + 0.1e-3
    notes = [f"Wang et al. 2017 Fig. 5b: {pulses} pulses of {AMPLITUDE} V/{WIDTH * 1e3:g} ms, "
             f"t_zero = {t_zero * 1e3:g} ms; {devices} devices behind {R_SERIES:.0e} Ohm"]
    return m.netlist_text(f"paired-pulse plasticity of {preset}, t_zero {t_zero * 1e3:g} ms (Fig. 5b)",
                          [m.model_line(preset)], m._pwl(m.pulses_to_pwl(ps, t_stop)),
                          m.branches(devices, "in", R_SERIES), t_stop, m.T_STEP, notes)


def netlists() -> dict:
    return {"ppf_tzero.cir": netlist(t_zero=T_ZERO[0], **FULL)}


def weights(res, ps) -> np.ndarray:
    """(devices, pulses): conductance at the end of each pulse's flat top, S."""
    t = np.array([p.top_end - 2e-6 for p in ps])
    i = an.values_at(res.time, res.current, t)
    v = an.values_at(res.time, res.voltage, t)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(v) > 0, i / v, np.nan)


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None) -> dict:
    from ..progress import Progress

    size = dict(QUICK if quick else FULL)
    if realizations:
        size["devices"] = int(realizations)
    tzs = T_ZERO_QUICK if quick else T_ZERO
    change, mean_g, per_device, walls = [], [], [], []
    with Progress(len(tzs), "ppf-tzero", enabled=progress) as bar:
        for tz in tzs:
            ps = pulse_list(tz, size["pulses"])
            res = m.run(netlist(t_zero=tz, **size), seed=seed, name=f"ppf_tzero_{tz * 1e3:g}ms.cir")
            w = weights(res, ps)
            g = np.exp(np.nanmean(np.log(w), axis=0))
            mean_g.append(g)
            change.append(100.0 * (g / g[0] - 1.0))
            per_device.append(w)
            walls.append(res.wall_time)
            bar.update(1)
    change = np.array(change)
    half = max(size["pulses"] // 2, 1)
    late = change[:, -half:].mean(axis=1)  # mean change over the second half of the train
    return {
        "preset": PRESET,
        "t_zero_s": np.array(tzs),
        "pulse_number": np.arange(1, size["pulses"] + 1),
        "weight_change_percent": change,
        "late_weight_change_percent": late,
        "geometric_mean_conductance_s": np.array(mean_g),
        "conductance_per_device_s": np.array(per_device),
        "devices": size["devices"],
        "pulse": {"amplitude_v": AMPLITUDE, "width_s": WIDTH},
        "compliance_ohm": R_SERIES,
        "bridge_wall_time_s": walls,
        "paper": "facilitation growing with pulse number at t_zero = 1 ms, slowing with t_zero, "
                 "negative (depression) at 160 ms (Fig. 5b inset)",
    }


def plot(result: dict, path) -> None:
    import matplotlib
    from matplotlib.figure import Figure

    from ..io import atomic_savefig

    fig = Figure(figsize=(10, 4))
    (a1, a2) = fig.subplots(1, 2)
    n = np.asarray(result["pulse_number"])
    ch = np.asarray(result["weight_change_percent"])
    tz = np.asarray(result["t_zero_s"])
    cmap = matplotlib.colormaps["viridis"]
    for k, t in enumerate(tz):
        a1.plot(n, ch[k], "o-", ms=3, color=cmap(k / max(len(tz) - 1, 1)), label=f"{t * 1e3:g} ms")
    a1.axhline(0, color="k", lw=0.6)
    a1.set_xlabel("pulse number")
    a1.set_ylabel("weight change (%)")
    a1.legend(title="t_zero", fontsize=8)
    a2.semilogx(tz * 1e3, result["late_weight_change_percent"], "o-")
    a2.axhline(0, color="k", lw=0.6)
    a2.set_xlabel("t_zero (ms)")
    a2.set_ylabel("mean weight change, 2nd half of the train (%)")
    fig.suptitle(f"{result['preset']}: 3 V/1 ms pulses (cf. Wang et al. 2017, Fig. 5b)")
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)
