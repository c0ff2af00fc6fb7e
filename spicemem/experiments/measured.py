"""Measured-device behaviour (issue 7): the material presets, their netlists, and the
analysis shared by the experiments that reproduce Figs. 1, 3 and 5 of Wang et al. (2017).

Every experiment runs a netlist through ngspice with the bridge
(:func:`spicemem.bridge.run_netlist`); the compliance is a circuit element (a series
resistor for pulses, a current limiter for the SMU-style I-V sweeps), never a clamp inside
the model.  The netlists are generated here (:func:`netlist`) and written to ``netlists/``
at their full size by :func:`spicemem.experiments.measured_netlists.write_netlists`; the tests check that the files in
``netlists/`` are exactly what the experiments run.

The presets and the model numbers that need no simulation (the OFF configuration of eq. 3,
the ON/OFF ratio, the relaxation level) are in the first section; docs/presets.md says
where every preset number comes from.

References
----------
Z. Wang et al., "Memristors with diffusive dynamics as synaptic emulators for neuromorphic
computing", Nat. Mater. 16, 101 (2017).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..crossbar.spec import Pulse
from ..devices.diffusive import DiffusiveParams
from .analysis import fit_arrhenius

#: The material presets of issue 7 (spicemem/devices/presets.toml).
PRESETS = ("SiOxNy_Ag", "MgOx_Ag", "HfOx_Ag")

#: Compliance of the pulse experiments: a series resistor, in Ohm (the burst that switches
#: the device is limited once R_M < R_S; with R_S >> R_ON the ON state is a cool, frozen
#: chain of particles that outlives the pulse by the relaxation time).
R_COMPLIANCE = 1.0e6
#: Compliance current of the SMU-style I-V sweeps, in A: two depletion-mode NMOS
#: transistors in anti-series, each with its gate tied to its source, saturate at
#: I_CC = (KP/2) V_TO^2 in either direction (see iv_loop.netlist); V_LIMITER = -V_TO.
I_COMPLIANCE = 1.0e-6
V_LIMITER = 0.1

#: ngspice's TSTEP on the .tran lines, in s: the largest step while every device is at rest
#: (and so the resolution of the records between pulses).  Under bias the bridge caps the
#: steps at feedback_time/2 = 0.25 us, the presets' own number (see DiffusiveParams and
#: docs/presets.md); at rest it lifts the cap (spicemem.bridge.stepping), and ngspice's
#: maximum step is min(TSTEP, span/50).
T_STEP = 10e-6

#: Where the committed netlists live (repository root / netlists).
NETLIST_DIR = Path(__file__).resolve().parents[2] / "netlists"


# -- model numbers that need no simulation -----------------------------------------------------
def cluster_minima(params: DiffusiveParams) -> tuple[float, float]:
    """Positions (in L) of the minima of U in the left and right interfacial wells.

    The minimum of U = U_i + U_p near -x_c and near +x_c, found on a fine grid and polished
    by a bounded scalar minimisation (to 1e-12 L).
    """
    from scipy.optimize import minimize_scalar

    from ..kernels.diffusive import potential

    core = params.core
    out = []
    for sign in (-1.0, 1.0):
        xc = sign * core.x_c
        grid = np.linspace(xc - 2 * core.r_1, xc + 2 * core.r_1, 40001)
        grid = grid[np.abs(grid) <= 1.0]
        u = potential(grid, core.w_i, core.r_1, core.x_c, core.r_p)
        k = int(np.argmin(u))
        lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
        res = minimize_scalar(lambda x: float(potential(np.array([x]), core.w_i, core.r_1, core.x_c,
                                                         core.r_p)[0]),
                              bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
        out.append(float(res.x))
    return out[0], out[1]


def off_configuration(params: DiffusiveParams) -> np.ndarray:
    """The OFF configuration, positions in L: the particles at the bottoms of the two
    interfacial wells (half in each; eq. 3 does not depend on the split while both wells
    are occupied), i.e. the zero-temperature rest state of both clusters."""
    x_l, x_r = cluster_minima(params)
    n = params.n_particles
    return np.concatenate([np.full(n // 2, x_l), np.full(n - n // 2, x_r)])


def off_resistance(params: DiffusiveParams) -> float:
    """Eq. 3 in the OFF configuration, in Ohm:
    R_t [exp((1 + x_L)/lam) + (N - 2) + exp((x_R - x_L)/lam) + exp((1 - x_R)/lam)]."""
    x_l, x_r = cluster_minima(params)
    lam = params.tunnel_length_ratio
    n = params.n_particles
    return params.r_tunnel * (math.exp((1.0 + x_l) / lam) + (n - 2) + math.exp((x_r - x_l) / lam)
                              + math.exp((1.0 - x_r) / lam))


def on_off_ratio(params: DiffusiveParams) -> float:
    """R_OFF / R_min: eq. 3 in the OFF configuration over its minimum (evenly spaced
    particles), dimensionless.  The largest resistance ratio the model can show."""
    return off_resistance(params) / params.r_min


def relaxation_level(params: DiffusiveParams) -> float:
    """The conductance (S) that separates ON from OFF: 1/sqrt(R_min R_OFF), halfway between
    the model's two limits in decades.  Delays are the first crossing upwards, relaxation
    times the first crossing downwards after the pulse."""
    return 1.0 / math.sqrt(params.r_min * off_resistance(params))


def preset(name: str, **overrides) -> DiffusiveParams:
    if name not in PRESETS:
        raise ValueError(f"unknown measured-device preset {name!r}; known: {', '.join(PRESETS)}")
    return DiffusiveParams.from_preset(name, **overrides)


# -- netlists ------------------------------------------------------------------------------------
def _fmt(x: float) -> str:
    """A time or voltage for a netlist, exact to 1e-12 relative."""
    return f"{x:.12g}"


def _pwl(points, per_line: int = 6) -> str:
    """``pwl(t v ...)`` over continuation lines (``+``), as ngspice reads them."""
    body = [f"{_fmt(t)} {_fmt(v)}" for t, v in points]
    lines = ["+ " + "  ".join(body[i:i + per_line]) for i in range(0, len(body), per_line)]
    return "pwl(\n" + "\n".join(lines) + " )"


def _compress(points):
    """Drop breakpoints that lie on the straight line through their neighbours."""
    out = [points[0]]
    for k in range(1, len(points) - 1):
        (t0, v0), (t1, v1), (t2, v2) = out[-1], points[k], points[k + 1]
        if t2 > t0 and abs(v0 + (v2 - v0) * (t1 - t0) / (t2 - t0) - v1) < 1e-15 and v0 == v1 == v2:
            continue
        out.append(points[k])
    out.append(points[-1])
    return out


def pulse(start: float, width: float, amplitude: float, edge: float) -> Pulse:
    """A pulse of the source: ``start`` of the rising edge (s), ``width`` at full amplitude
    (s), ``amplitude`` (V), rise and fall time ``edge`` (s) (:class:`spicemem.crossbar.Pulse`,
    with ``start``, ``top_end`` and ``end``)."""
    return Pulse(kind="read", amplitude=amplitude, delay=start, rise=edge, width=width, fall=edge)


def pulses_to_pwl(pulses, t_stop: float):
    """Breakpoints (t, v) of non-overlapping pulses on a 0 V baseline."""
    pts = [(0.0, 0.0)]
    for p in sorted(pulses, key=lambda p: p.start):
        if p.start < pts[-1][0]:
            raise ValueError(f"pulses overlap at t = {p.start!r} s")
        if p.start > pts[-1][0]:
            pts.append((p.start, 0.0))
        pts += [(p.start + p.rise, p.amplitude), (p.top_end, p.amplitude), (p.end, 0.0)]
    if t_stop > pts[-1][0]:
        pts.append((t_stop, 0.0))
    return pts


def staircase(v_max: float, step: float, dwell: float, edge: float, *, t0: float = 0.0):
    """An SMU staircase 0 -> v_max -> 0: steps of ``step`` V held ``dwell`` s, edges ``edge`` s.

    Returns breakpoints and the times at which each step is sampled (the end of its dwell,
    as an SMU measures after its delay) with the source voltage there.
    """
    n = int(round(abs(v_max) / step))
    sign = 1.0 if v_max >= 0 else -1.0
    levels = [sign * step * k for k in range(1, n + 1)] + [sign * step * k for k in range(n - 1, -1, -1)]
    pts = [(t0, 0.0)]
    t = t0 + dwell
    samples = []
    prev = 0.0
    for lev in levels:
        pts.append((t, prev))
        pts.append((t + edge, lev))
        t += edge + dwell
        samples.append((t - 0.02 * dwell, lev))
        prev = lev
    pts.append((t, prev))
    return pts, samples


def _header(title: str, model_lines, notes=()):
    lines = [f"* {title}"]
    lines += [f"* {n}" for n in notes]
    lines += ["* Generated by spicemem.experiments.measured.netlist(); run: spicemem run <this file>"]
    return lines + list(model_lines)


def model_line(preset_name: str, name: str = "dev", temp: float | None = None) -> str:
    t = "" if temp is None else f" temp={_fmt(temp)}"
    return f".model {name} diffusive (preset={preset_name}{t})"


def branches(n: int, source: str, r_series: float, model: str = "dev", *, temps=None) -> list[str]:
    """``n`` devices, each behind its own series resistor from node ``source``."""
    out = []
    for k in range(1, n + 1):
        t = "" if temps is None else f" temp={_fmt(temps[k - 1])}"
        out.append(f"Rs{k} {source} m{k} {_fmt(r_series)}")
        out.append(f"N{k} m{k} 0 {model}{t}")
    return out


def netlist_text(title, model_lines, source_pwl, body, t_stop, t_step=T_STEP, notes=(), t_max=None) -> str:
    """A netlist: title and notes, models, source V1 (node ``in``), body, ``.tran`` with
    TSTEP = ``t_step`` and TMAX = ``t_max`` (omitted when None)."""
    lines = _header(title, model_lines, notes)
    lines.append("V1 in 0 " + source_pwl)
    lines += body
    tmax = "" if t_max is None else f" 0 {_fmt(t_max)}"
    lines.append(f".tran {_fmt(t_step)} {_fmt(t_stop)}{tmax}")
    lines.append(".end")
    return "\n".join(lines) + "\n"


# -- reading results ----------------------------------------------------------------------------
def arrhenius_fit(temperature_k, tau_s, tau_stderr=None) -> dict:
    """Fit ln tau = ln tau0 + E_a/(k_B T): returns E_a (eV), its standard error and tau0 (s).

    :func:`spicemem.experiments.analysis.fit_arrhenius` with theta = k_B T in eV, weighted
    by 1/var(ln tau) when standard errors are given, its errors never smaller than the
    scatter shows.
    """
    from ..devices.units import K_B_EV

    t = np.asarray(temperature_k, dtype=float)
    a, b, _, sb = fit_arrhenius(K_B_EV * t, tau_s, tau_stderr, scatter_floor=True)
    return {"activation_energy_ev": b, "activation_energy_stderr_ev": sb,
            "tau0_s": float(math.exp(a)) if math.isfinite(a) else float("nan")}


def mean_stderr(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    se = float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 1 else float("nan")
    return float(np.mean(v)), se


def run(text: str, *, seed: int, name: str, progress=False):
    """Run a netlist through the bridge (the one entry point of the experiments); ``progress``
    as in :func:`spicemem.bridge.run_netlist` (experiments of one long run pass theirs)."""
    from ..bridge import run_netlist

    return run_netlist(text, seed=seed, name=name, progress=progress)
