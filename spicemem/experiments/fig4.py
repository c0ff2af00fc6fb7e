"""The common protocol of the Fig. 4 experiments (Wang et al., Nat. Mater. 16, 101 (2017)).

Shared by :mod:`.fig4a`, :mod:`.fig4a_tau`, :mod:`.fig4b` and :mod:`.ppd_low_frequency`:

* parameters: the preset ``wang2017_fig4`` (docs/calibration.md says why each value departs
  from the literal ``wang2017_paper`` set);
* circuit: the pulse trains (Fig. 4b, Supp. Fig. 7c) drive the bare device, as the paper's
  equations do; the single pulse of Fig. 4a and its inset drives it through a load
  R_L = R_min / 2 (a current compliance, as in the paper's measurements), which holds the
  ON state until the pulse ends at every temperature of the inset (docs/calibration.md);
* start: two clusters of N/2 particles, each in local equilibrium at T0
  (:func:`.analysis.two_cluster_start`);
* units: the paper's: time in 1/kappa, voltage in V_th, conductance in G_max = 1/R_min,
  temperature as k_B T/w_p, positions in L.  :func:`drive` is the one place that converts
  them to and from the SI of :func:`spicemem.devices.ensemble.simulate`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .analysis import two_cluster_start

PRESET = "wang2017_fig4"
#: Compliance load of the single-pulse experiments (Fig. 4a and its inset), in units of R_min.
COMPLIANCE_LOAD = 0.5
#: Full-size ensemble (the paper averages over 30 realizations) and the --quick one.
FULL_REALIZATIONS = 30
QUICK_REALIZATIONS = 8


def params(**overrides):
    """The Fig. 4 preset, with ``overrides`` (e.g. ``theta_ambient``)."""
    from ..devices.diffusive import DiffusiveParams

    return DiffusiveParams.from_preset(PRESET, **overrides)


def realization_count(realizations, quick: bool) -> int:
    return int(realizations) if realizations else (QUICK_REALIZATIONS if quick else FULL_REALIZATIONS)


def params_record(p, *, load: float, **protocol) -> dict:
    """Everything needed to rerun: preset, every field, derived ratios, load, the protocol."""
    return {
        "preset": PRESET,
        "fields": dataclasses.asdict(p),
        "theta_ambient": p.theta_ambient,
        "heating_ratio": p.heating_ratio,
        "g_max_s": p.g_max,
        "r_min_ohm": p.r_min,
        "load_over_r_min": load,
        "load_ohm": load * p.r_min,
        "start": "two clusters of N/2 particles, each Boltzmann at T0 within its half",
        "units": {"t": "1/kappa", "v": "V_th", "g": "G_max = 1/R_min", "theta": "k_B T / w_p",
                  "x": "L"},
        "protocol": protocol,
    }


def pulse(amplitude, width, interval=0.0, count=1, *, rise, lead, tail):
    """Pulse-train breakpoints in the paper's units (t in 1/kappa, v in V_th).

    Returns ``(t, v, t_on, t_top_end, t_off)``: each pulse starts rising at ``t_on[k]``,
    leaves full amplitude at ``t_top_end[k]`` and is back at zero at ``t_off[k]``.
    """
    from ..devices.waveforms import pulse_train

    t, v = pulse_train(amplitude, width, interval, count, rise=rise, delay=lead, tail=tail)
    period = width + 2 * rise + interval
    t_on = lead + period * np.arange(count)
    return t, v, t_on, t_on + rise + width, t_on + 2 * rise + width


def drive(p, t, v, *, realizations: int, seed: int, t_out, snapshot_times=(), x0=None,
          theta0=None, first_stream: int = 0, load: float = 0.0) -> dict:
    """Run the ensemble; everything in and out in the paper's units.

    ``t``, ``v``: waveform (1/kappa, V_th); ``t_out``, ``snapshot_times`` in 1/kappa;
    ``x0`` (R, N) in L (default: :func:`two_cluster_start` on the same streams); ``theta0``: initial k_B T/w_p;
    ``load``: series resistance in units of R_min (0: the bare device).

    Returns a dict with ``t`` (K,), ``g`` (R, K) in G_max, ``theta`` (R, K), ``v_source``
    (K,) and ``v_device`` (R, K) in V_th, ``snapshots`` (R, S, N) in L, ``dt`` in 1/kappa.
    """
    from ..devices.ensemble import simulate

    sc = p.scales
    if x0 is None:
        x0_l = two_cluster_start_l(p, realizations, seed, first_stream)
    else:  # positions carried over from a previous run; clip the last-bit rounding at the walls
        x0_l = np.clip(np.asarray(x0, dtype=float), -1.0, 1.0)
    temperature0 = None if theta0 is None else sc.kelvin(theta0)
    res = simulate(p, np.asarray(t) * sc.time, np.asarray(v) * sc.voltage,
                   realizations=realizations, seed=seed,
                   series_resistance=load * p.r_min,
                   t_out=np.asarray(t_out) * sc.time,
                   snapshot_times=np.asarray(snapshot_times, dtype=float) * sc.time,
                   x0=x0_l * p.half_length, temperature0=temperature0, first_stream=first_stream)
    return {
        "t": res.t / sc.time,
        "g": res.g_norm,
        "theta": sc.theta(res.temperature),
        "v_source": res.source_voltage / sc.voltage,
        "v_device": res.voltage / sc.voltage,
        "snapshots": res.snapshots / p.half_length,
        "dt": res.dt / sc.time,
    }


def two_cluster_start_l(p, realizations: int, seed: int, first_stream: int = 0) -> np.ndarray:
    """:func:`.analysis.two_cluster_start` in units of L (what :func:`drive` starts from)."""
    return two_cluster_start(p, realizations, seed, first_stream=first_stream) / p.half_length


def time_grid(t_end: float, step: float, extra=()) -> np.ndarray:
    """A uniform output grid on [0, t_end] merged with the times ``extra`` (sorted)."""
    grid = np.arange(0.0, t_end + 0.5 * step, step)
    return np.unique(np.concatenate([grid, np.asarray(extra, dtype=float)]))


def density(x_over_l, bins: int = 80):
    """Particle density (particles per unit L, per realization) of positions (..., N).

    Returns bin centres in L and the density: the average number of particles per unit
    length over all leading axes (realizations, times), so that it integrates to N.
    """
    x = np.asarray(x_over_l, dtype=float)
    n = x.shape[-1]
    groups = max(x.size // max(n, 1), 1)
    hist, edges = np.histogram(x.ravel(), bins=bins, range=(-1.0, 1.0))
    width = edges[1] - edges[0]
    return 0.5 * (edges[1:] + edges[:-1]), hist / (groups * width)


def none_if_nan(x):
    """A float, or None for NaN and +-inf (JSON has neither)."""
    x = float(x)
    return None if not np.isfinite(x) else x


def new_figure(*args, **kwargs):
    """matplotlib (Agg) and a new figure: imported only when a plot is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, plt.figure(*args, **kwargs)
