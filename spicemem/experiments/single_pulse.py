"""One switching pulse: delayed switch-on, Joule heating, relaxation (issue 2 example).

Adapted from Fig. 4a of Wang et al., Nat. Mater. 16, 101 (2017): the ensemble-mean
conductance G/G_max and temperature of independent realizations under one pulse.
"""

from __future__ import annotations

import numpy as np

from ..devices.diffusive import DiffusiveParams
from ..devices.ensemble import simulate
from ..devices.waveforms import pulse_train

DESCRIPTION = "one pulse: G/G_max and temperature vs time, ensemble of realizations"

#: Parameters: the Fig. 4 calibration (docs/calibration.md) at k_B T0/w_p = 0.35.
PARAMS = dict(preset="wang2017_fig4", theta_ambient=0.35)
PULSE = dict(amplitude=2.5, width=3e-6, delay=1e-6, rise=0.05e-6, tail=20e-6)  # V, s


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None) -> dict:
    overrides = {k: v for k, v in PARAMS.items() if k != "preset"}
    params = DiffusiveParams.from_preset(PARAMS["preset"], **overrides)
    realizations = realizations or (8 if quick else 30)
    pulse = PULSE.copy()
    amp = pulse.pop("amplitude") * params.v_threshold
    t, v = pulse_train(amp, pulse["width"], 0.0, 1, rise=pulse["rise"], delay=pulse["delay"],
                       tail=pulse["tail"])
    res = simulate(params, t, v, realizations=realizations, seed=seed, n_out=600 if quick else 1500)
    g = res.g_norm
    t_on, t_off = pulse["delay"], pulse["delay"] + pulse["width"] + 2 * pulse["rise"]
    g_mean = g.mean(axis=0)
    k_off = np.searchsorted(res.t, t_off)
    return {
        "params": {**PARAMS, "pulse": PULSE, "dt_s": res.dt, "g_max_s": res.g_max},
        "realizations": realizations,
        "t_s": res.t,
        "source_voltage_v": res.source_voltage,
        "g_mean": g_mean,
        "g_stderr": g.std(axis=0, ddof=1) / np.sqrt(realizations) if realizations > 1 else 0 * g_mean,
        "temperature_mean_k": res.temperature.mean(axis=0),
        "g_peak": float(g_mean.max()),
        "g_at_pulse_end": float(g_mean[k_off]),
        "pulse_on_s": t_on,
        "pulse_off_s": t_off,
    }


def plot(result: dict, path) -> None:
    from matplotlib.figure import Figure

    from ..io import atomic_savefig

    t = np.asarray(result["t_s"]) * 1e6
    fig = Figure(figsize=(6.4, 5.6))
    (a1, a2) = fig.subplots(2, 1, sharex=True)
    g = np.asarray(result["g_mean"])
    se = np.asarray(result["g_stderr"])
    a1.fill_between(t, g - se, g + se, color="C0", alpha=0.3, lw=0)
    a1.plot(t, g, color="C0", label=f"G/G_max, mean of {result['realizations']}")
    a1.set_ylabel("G / G_max")
    av = a1.twinx()
    av.plot(t, result["source_voltage_v"], color="C3", lw=1)
    av.set_ylabel("source voltage (V)", color="C3")
    a1.legend(loc="upper right")
    a2.plot(t, result["temperature_mean_k"], color="C1")
    a2.set_ylabel("temperature (K)")
    a2.set_xlabel("time (us)")
    a1.set_title("Diffusive memristor, one pulse (cf. Wang et al. 2017, Fig. 4a)")
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)
