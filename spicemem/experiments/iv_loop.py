"""Fig. 1b of Wang et al. (2017): repeated threshold-switching I-V loops under a compliance
current, for each material preset, through ngspice.

The sweep is an SMU staircase (``STEP`` V steps held ``DWELL`` s each, sampled at the end of
every step as an SMU measures): ``LOOPS`` positive-only loops 0 -> V_MAX -> 0, then
``NEG_LOOPS`` loops to -V_MAX (the paper's symmetric loops, Supplementary Fig. 3).  The
compliance is a circuit element in series with the device, an SMU-like current limiter: two
depletion-mode NMOS transistors in anti-series, each with its gate tied to its source
(I_CC = 1 uA in either direction, ~50-100 kOhm below the limit).

Per loop:

* ``threshold_voltage``: the first up-sweep step whose current reaches I_CC/2;
* ``hold_voltage``: the last down-sweep step at which the device is still ON (conductance
  above the ON/OFF level 1/sqrt(R_min R_OFF)); 0 if it is still ON at 0 V;
* ``on_off_ratio``: device resistance (device voltage over current) in the OFF branch
  (median over 0.1-0.3 V of the up-sweep) over that in the ON branch (median over the
  down-sweep steps above the hold voltage);
* ``turn_on_slope_mv_per_decade``: the steepest rise of the sampled curve,
  min over consecutive steps of dV / dlog10(I).  The model switches within microseconds,
  so this is the step size over the decades jumped in one step -- resolution-limited, as a
  staircase measurement is (and as the paper's ~10 and ~1 mV/decade presumably are).
"""

from __future__ import annotations

import numpy as np

from . import analysis as an
from . import measured as m

DESCRIPTION = "Fig. 1b: repeated positive and negative I-V loops under a compliance current, each preset (ngspice)"

V_MAX = 1.0  # V
STEP = 0.01  # V, the staircase step
DWELL = 0.5e-3  # s per step
EDGE = 1e-6  # s
#: s at 0 V between loops.  The device relaxes in tens of ms; 50 ms left a SiOxNy_Ag device
#: ON at the start of the next loop (seed 7).  At rest the bridge's steps are cheap.
PAUSE = 200e-3
FULL = dict(loops=6, neg_loops=3, dwell=DWELL)
QUICK = dict(loops=1, neg_loops=1, dwell=0.1e-3)


def schedule(loops: int, neg_loops: int, dwell: float, pause: float = PAUSE):
    """Breakpoints, samples (t, v_source, loop index) and loop boundaries of the sweep."""
    pts = [(0.0, 0.0)]
    samples = []
    t = 0.0
    bounds = []
    for k, sign in enumerate([1.0] * loops + [-1.0] * neg_loops):
        t += pause
        p, s = m.staircase(sign * V_MAX, STEP, dwell, EDGE, t0=t)
        pts += p[1:]
        samples += [(ts, vs, k) for ts, vs in s]
        bounds.append((t, p[-1][0]))
        t = p[-1][0]
    t += pause
    pts.append((t, 0.0))
    return pts, samples, bounds, t


def netlist(preset: str, *, loops: int, neg_loops: int, dwell: float, pause: float = PAUSE) -> str:
    pts, _, _, t_stop = schedule(loops, neg_loops, dwell, pause)
    notes = [f"Wang et al. 2017 Fig. 1b: {loops} positive and {neg_loops} negative staircase loops to "
             f"+-{V_MAX} V, {STEP * 1e3:g} mV steps of {dwell * 1e3:g} ms, SMU-like compliance "
             f"{m.I_COMPLIANCE:.0e} A"]
    kp = 2.0 * m.I_COMPLIANCE / m.V_LIMITER ** 2
    body = [
        # The compliance: two depletion NMOS in anti-series, gate tied to source, each a
        # current source I_CC = (KP/2) V_TO^2 in its own direction and a ~50 kOhm resistor
        # in the other.  Behavioural limiters (I = I_CC tanh(V/V0), I_CC x/sqrt(1+x^2)) made
        # ngspice 39 stop with "timestep too small" at the limiter node while an ON device
        # relaxed under the limit; the MOSFET's own Newton-step limiting converges.
        f".model nlim nmos (level=1 vto={m._fmt(-m.V_LIMITER)} kp={m._fmt(kp)})",
        "Mcc1 in x x x nlim",
        "Mcc2 m1 x x x nlim",
        "N1 m1 0 dev"]
    return m.netlist_text(f"I-V loops of {preset} under compliance (Fig. 1b)", [m.model_line(preset)],
                          m._pwl(m._compress(pts)), body, t_stop, m.T_STEP, notes)


def netlists() -> dict:
    return {f"iv_loop_{p}.cir": netlist(p, **FULL) for p in m.PRESETS}


def analyse_loop(v, i, g, vd, level: float) -> dict:
    """One loop from its samples (source V, device current A, conductance S, device V)."""
    v, i, g, vd = map(np.asarray, (v, i, g, vd))
    av, ai = np.abs(v), np.abs(i)
    top = int(np.argmax(av))
    up, down = slice(0, top + 1), slice(top, v.size)
    on = ai >= 0.5 * m.I_COMPLIANCE
    k_on = int(np.argmax(on[up])) if on[up].any() else -1
    vth = float(av[k_on]) if k_on >= 0 else float("nan")
    slope = float("nan")
    if k_on > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            dv = np.diff(av[: k_on + 1])
            dlog = np.diff(np.log10(np.maximum(ai[: k_on + 1], 1e-30)))
            s = np.where(dlog > 0.05, dv / dlog, np.inf)
        slope = float(np.min(s) * 1e3) if np.isfinite(s).any() else float("nan")
    gd = g[down]
    avd = av[down]
    off_idx = np.nonzero(gd < level)[0]
    if k_on < 0:
        hold = float("nan")
    elif off_idx.size == 0:
        hold = 0.0
    else:
        hold = float(avd[off_idx[0] - 1]) if off_idx[0] > 0 else float(avd[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        r_dev = np.abs(vd) / np.maximum(ai, 1e-300)
    sel_off = (np.arange(v.size) <= top) & (av >= 0.1) & (av <= 0.3)
    if k_on >= 0:
        sel_off &= np.arange(v.size) < k_on
    sel_on = (np.arange(v.size) >= top) & (g >= level) & (av >= max(hold, 0.1))
    r_off = float(np.median(r_dev[sel_off])) if sel_off.any() else float("nan")
    r_on = float(np.median(r_dev[sel_on])) if sel_on.any() else float("nan")
    return {"threshold_voltage": vth, "hold_voltage": hold, "turn_on_slope_mv_per_decade": slope,
            "r_off_ohm": r_off, "r_on_ohm": r_on, "on_off_ratio": r_off / r_on}


def run_preset(preset: str, *, seed: int, loops: int, neg_loops: int, dwell: float,
               pause: float = PAUSE) -> dict:
    params = m.preset(preset)
    level = m.relaxation_level(params)
    res = m.run(netlist(preset, loops=loops, neg_loops=neg_loops, dwell=dwell, pause=pause), seed=seed,
                name=f"iv_loop_{preset}.cir")
    _, samples, _, _ = schedule(loops, neg_loops, dwell, pause)
    ts = np.array([s[0] for s in samples])
    vs = np.array([s[1] for s in samples])
    loop = np.array([s[2] for s in samples])
    i = an.values_at(res.time, res.current[0], ts)
    g = an.values_at(res.time, res.conductance[0], ts)
    vd = an.values_at(res.time, res.voltage[0], ts)
    per_loop = [analyse_loop(vs[loop == k], i[loop == k], g[loop == k], vd[loop == k], level)
                for k in range(loops + neg_loops)]
    pos, neg = per_loop[:loops], per_loop[loops:]

    def avg(rows, key):
        x = np.array([r[key] for r in rows], dtype=float)
        return float(np.nanmean(x)) if np.isfinite(x).any() else float("nan")

    keys = ("threshold_voltage", "hold_voltage", "turn_on_slope_mv_per_decade", "on_off_ratio")
    return {"preset": preset, "v": vs, "i": i, "loop": loop, "g": g,
            "model_on_off_ratio": m.on_off_ratio(params),
            **{k: avg(pos, k) for k in keys},
            **{f"negative_{k}": avg(neg, k) for k in keys},
            "loops": per_loop, "wall_time_s": res.wall_time, "accepted_steps": res.steps["accepted"]}


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None,
        presets=m.PRESETS) -> dict:
    from ..progress import Progress

    size = dict(QUICK if quick else FULL)
    if realizations:
        size["loops"] = int(realizations)
    rows = []
    with Progress(len(presets), "iv-loop", enabled=progress) as bar:
        for p in presets:
            rows.append(run_preset(p, seed=seed, **size))
            bar.update(1)
    out = {k: [r[k] for r in rows] for k in rows[0]}
    out.update({"compliance_a": m.I_COMPLIANCE, "step_v": STEP, "dwell_s": size["dwell"], "v_max": V_MAX,
                "paper": {"on_off_ratio": {"SiOxNy_Ag": 1e5, "HfOx_Ag": 1e10},
                          "turn_on_slope_mv_per_decade": {"SiOxNy_Ag": 10, "MgOx_Ag": 10, "HfOx_Ag": 1}}})
    return out


def plot(result: dict, path) -> None:
    from matplotlib.figure import Figure

    from ..io import atomic_savefig

    n = len(result["preset"])
    fig = Figure(figsize=(4.5 * n, 4))
    axes = fig.subplots(1, n, squeeze=False)
    for k, ax in enumerate(axes[0]):
        v = np.asarray(result["v"][k])
        i = np.abs(np.asarray(result["i"][k]))
        loop = np.asarray(result["loop"][k])
        for q in np.unique(loop):
            ax.semilogy(v[loop == q], np.maximum(i[loop == q], 1e-16), ".-", ms=2, lw=0.6)
        ax.set_xlabel("source voltage (V)")
        ax.set_ylabel("|current| (A)")
        ax.set_title(f"{result['preset'][k]}: V_th {result['threshold_voltage'][k]:.2f} V, "
                     f"{result['turn_on_slope_mv_per_decade'][k]:.2g} mV/dec\n"
                     f"ON/OFF {result['on_off_ratio'][k]:.1e} (model bound {result['model_on_off_ratio'][k]:.1e})",
                     fontsize=9)
    fig.suptitle("Threshold-switching I-V loops under compliance (cf. Wang et al. 2017, Fig. 1b)")
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)
