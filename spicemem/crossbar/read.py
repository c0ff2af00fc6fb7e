"""One read (or write) of one cell: run the crossbar netlist, measure what the sense
amplifier sees.

1R arrays with fixed resistors are linear and have no dynamics: their operating point
(``.op``) at the pulse plateau is the read.  1S1R arrays run the pulse as a transient
with every selector a live diffusive device (:func:`spicemem.bridge.run_netlist`).

What is measured (SI)
---------------------
* sensed current: the mean current into the selected column's sense amplifier over the
  sense window, the second half of the plateau (after the selector's delay);
* the selected cell's own current over the same window; the sneak current is the
  difference (what reaches the sense amplifier through other cells);
* the largest |V_row - V_col| across a half-selected cell (same row or column as the
  selected one) during the pulse;
* a selector counts as ON once its conductance exceeds ``ON_FRACTION`` x G_max (its
  resistance below 10 R_min; OFF it sits near 1e-3 G_max);
* with memristor memories (``memory='rram'``, ...), whether a read moved any of them: the
  largest |ln(G(t) / G(0))| of the conductance the bridge records for each memory, over
  every cell and every time point of the run (for the RRAM it is the zero-bias G0 =
  I0 exp(-gap/g0) / V0, so g0 times it is the largest gap change, in m).

The sense window is where a sense amplifier samples: the last ``SENSE_FRACTION`` of the
plateau, ``[t_off - SENSE_FRACTION * width, t_off]``.  Everything about the selectors is
judged inside it, never on the edges: whether the selected selector was ON at every point
of the window (a read is only a read if it was), when it first turned ON after the plateau
began (None if not before the window ended), the largest half-selected conductance inside
the window, and which other selectors were ON inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .netlist import col_node, memory_name, netlist_text, row_node, selector_name, sense_source
from .spec import Crossbar

#: A selector is ON when G > ON_FRACTION * G_max.
ON_FRACTION = 0.1
#: The sense window: the last SENSE_FRACTION of the plateau.
SENSE_FRACTION = 0.5


@dataclass
class ReadResult:
    """What one read gave (SI units; see the module docstring).

    Attributes
    ----------
    spec : Crossbar
    time : ndarray (K,)                s ([0] for an operating point)
    sense_current : ndarray (K,)       A, into the sense amplifier
    cell_current : ndarray (K,)        A, through the selected cell (row to column)
    sensed : float                     A, sense_current averaged over the sense window
    cell : float                       A, cell_current averaged over the sense window
    half_selected_max_v : float        V
    window : (float, float)            s, the sense window (see the module docstring)
    selected_on_throughout : bool or None  the selected selector was ON at every point of the
                                       window (None: no selectors)
    half_selected_on : bool or None    any half-selected selector ON inside the window
    half_g_max_window : float or None  S, the largest half-selected selector conductance
                                       inside the window
    memory_log_g_change : float or None  the largest |ln(G(t)/G(0))| of any memristor memory
                                       over the run (0: no memory moved; None: fixed resistors)
    selectors_on : int or None         selectors other than the selected one ON inside the window
    t_selected_on : float or None      s from the start of the plateau to the selected
                                       selector's first ON point before the window ended
                                       (None: not by then / no selector)
    selected_g : ndarray (K,) or None  S, the selected selector's conductance
    half_g_max : ndarray (K,) or None  S, the largest half-selected selector conductance
    g_max : float or None              S, the selector's G_max
    wall_s, run_s : float              s, the whole run and ngspice's ``run`` alone
    steps : dict                       the bridge's step counts
    """

    spec: Crossbar
    time: np.ndarray
    sense_current: np.ndarray
    cell_current: np.ndarray
    sensed: float
    cell: float
    half_selected_max_v: float
    half_selected_on: bool | None
    selectors_on: int | None
    t_selected_on: float | None
    selected_g: np.ndarray | None
    half_g_max: np.ndarray | None
    g_max: float | None
    wall_s: float
    run_s: float
    steps: dict = field(default_factory=dict)
    window: tuple = (0.0, 0.0)
    selected_on_throughout: bool | None = None
    half_g_max_window: float | None = None
    memory_log_g_change: float | None = None

    @property
    def sneak(self) -> float:
        """Sensed current that did not flow through the selected cell, in A."""
        return self.sensed - self.cell


def _window_mean(t, y, t0, t1) -> float:
    if t.size == 1:
        return float(y[0])
    k = (t >= t0 - 1e-15) & (t <= t1 + 1e-15)
    if k.sum() < 2:
        return float(np.interp(0.5 * (t0 + t1), t, y))
    tt, yy = t[k], y[k]
    return float(np.sum(0.5 * (yy[1:] + yy[:-1]) * np.diff(tt)) / (tt[-1] - tt[0]))


def read(spec: Crossbar, *, seed: int = 0, step=None) -> ReadResult:
    """Run ``spec``'s pulse and measure the read (see the module docstring).

    Parameters
    ----------
    spec : Crossbar
        A 1R (or fixed-selector) array of fixed memory resistors is solved at its operating
        point unless ``spec.analysis`` is ``'tran'`` and it has live selectors; an array of
        memristor memories (``memory='rram'``, ...) is always a transient, every memory a
        live device.
    seed : int
        Base seed of the selectors.
    step : spicemem.bridge.StepControl, optional
    """
    from ..bridge import run_netlist

    memristors = spec.memory != "resistor"
    if memristors and spec.analysis != "tran":
        spec = spec.replace(analysis="tran")  # the memories are live: an operating point is not a read
    elif not memristors and not spec.live_selectors and spec.analysis != "op":
        spec = spec.replace(analysis="op")
    res = run_netlist(netlist_text(spec), seed=seed, step=step, name=f"crossbar {spec.tag()}")
    vec = res.vectors
    t = res.time if spec.analysis == "tran" else np.zeros(1)
    i0, j0 = spec.selected
    p = spec.pulse

    def v(node):
        return vec[f"v({node})"]

    isense = vec[f"i({sense_source(spec)})"]
    if spec.analysis == "tran":
        w0, w1 = p.t_off - SENSE_FRACTION * p.width, p.t_off
        during = (t >= p.delay) & (t <= p.t_off + p.fall)
    else:
        w0 = w1 = 0.0
        during = np.ones(1, bool)
    half = spec.half_selected()
    vmax = 0.0
    for (i, j) in half:
        dv = np.abs(v(row_node(spec, i, j)) - v(col_node(spec, i, j)))[during]
        vmax = max(vmax, float(dv.max()) if dv.size else 0.0)
    names = {n.lower(): k for k, n in enumerate(res.device_names)}
    sel_g = half_g = g_max = half_g_win = mem_change = None
    if memristors:
        km = [names[memory_name(i, j).lower()] for i in range(spec.rows) for j in range(spec.cols)]
        gm = res.device_conductance[km]
        mem_change = float(np.abs(np.log(gm / gm[:, :1])).max())
    half_on = sel_on = t_on = throughout = None
    if spec.live_selectors:
        ks = names[selector_name(i0, j0).lower()]
        kh = [names[selector_name(i, j).lower()] for (i, j) in half]
        g = res.device_conductance
        g_max = float(res.devices[ks]["g_scale"])
        on = g > ON_FRACTION * g_max
        # the selector's n+ is the column when reversed: its current runs col -> row
        sign = -1.0 if spec.selector_reversed else 1.0
        icell = sign * res.voltage[ks] * res.conductance[ks]
        sel_g = g[ks]
        half_g = g[kh].max(axis=0) if kh else np.zeros_like(t)
        win = (t >= w0 - 1e-15) & (t <= w1 + 1e-15)
        throughout = bool(on[ks][win].all()) if win.any() else False
        half_on = bool(on[kh][:, win].any()) if kh and win.any() else False
        half_g_win = float(half_g[win].max()) if win.any() else 0.0
        # the other selectors (not the memories: a memristor memory is a device too)
        others = [names[selector_name(i, j).lower()] for i in range(spec.rows)
                  for j in range(spec.cols) if (i, j) != (i0, j0)]
        sel_on = int(on[others][:, win].any(axis=1).sum()) if win.any() and others else 0
        k_on = np.flatnonzero(on[ks] & (t >= p.t_on - 1e-15) & (t <= w1 + 1e-15))
        t_on = float(t[k_on[0]] - p.t_on) if k_on.size else None
    elif memristors:  # 1R (or fixed selector): the memory's own current
        km0 = names[memory_name(i0, j0).lower()]
        sign = -1.0 if spec.memory_reversed else 1.0
        icell = sign * res.current[km0]
    else:
        r_cell = spec.memory_resistance(i0, j0)
        if spec.cell == "1S1R":
            r_cell += spec.selector_resistance
        icell = (v(row_node(spec, i0, j0)) - v(col_node(spec, i0, j0))) / r_cell
    return ReadResult(
        spec=spec, time=t, sense_current=isense, cell_current=icell,
        sensed=_window_mean(t, isense, w0, w1), cell=_window_mean(t, icell, w0, w1),
        half_selected_max_v=vmax, half_selected_on=half_on, selectors_on=sel_on,
        t_selected_on=t_on, selected_g=sel_g, half_g_max=half_g, g_max=g_max,
        wall_s=res.wall_time, run_s=float(res.extra.get("run_time_s", res.wall_time)),
        steps=dict(res.steps), window=(float(w0), float(w1)), selected_on_throughout=throughout,
        half_g_max_window=half_g_win, memory_log_g_change=mem_change)


def read_margin(i_lrs: float, i_hrs: float) -> float:
    """(I_LRS - I_HRS) / I_LRS of the sensed currents: 1 for a perfect read, 0 when the
    two states give the same current (negative if the HRS reads higher)."""
    if i_lrs == 0.0:
        return float("nan")
    return (i_lrs - i_hrs) / i_lrs
