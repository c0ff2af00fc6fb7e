"""Read and write disturb over time in crossbars, with and without diffusive selectors
(issue 16, item 5).

The paper proposes the diffusive memristor as a selector for non-volatile memory arrays
(Wang et al., Nat. Mater. 16, 101 (2017), last paragraph): it should block the half-selected
cells while the selected one is read or written.  Its switching is volatile, but it does not
turn off at once: after a read it stays ON until its particles diffuse apart.  Two studies:

**Repeated reads on a shared column.**  Cell A = (0, N-1) (LRS) is read, then after an
interval dt cell B = (1, N-1) (HRS, same column, so A is half-selected during B's read, at
V/2 in the V/2 scheme and V/3 in the V/3 scheme) is read with the same 4 V / 2 us pulse.
If A's selector is still ON, A's LRS current flows into the sense amplifier and B's HRS
reads high.  Per interval and scheme, over ``realizations`` selector seeds: the second
read's sensed current as a fraction of the read window,
``shift = (I_2 - I_HRS) / (I_LRS - I_HRS)`` with I_HRS and I_LRS fresh reads of B (no
earlier read), its 95 % Student-t interval, the fraction of second reads misread as LRS
(``shift > 1/2``: above a threshold half-way between the fresh reads), whether A's selector
was ON inside B's sense window, and A's relaxation time (first point after the first read at
which G < 0.1 G_max).  The *minimum independent interval* is the shortest interval of the
grid from which on (at it and every longer one) no realization had A's selector ON in B's
window and the mean shift's 95 % interval lies inside +-0.1.  The selector's relaxation after the same read is also
simulated with the standalone model (:func:`spicemem.simulate`, the first read's source
waveform through the series resistance of A's path) as a reference.

**Writes into non-volatile cells.**  TaOx drift memories (``.model mem drift
(preset=TaOx)``), every cell in the HRS (x = 0), the same cell (0, N-1) SET ``n_writes``
times (1 us plateau, 1 us apart) in the V/2 or V/3 scheme; after each write the state x of
every memory is recorded.  Half-select disturb is the largest state reached by a
half-selected (same row or column) cell and its read conductance at 0.1 V relative to the
HRS; ``writes_to_disturb`` is the first write after which that conductance has risen by
10 %.  1R arrays at several amplitudes (deterministic: one run each); 1S1R at 4 V over
``realizations`` selector seeds.  The 1S1R write uses the study's selector card with
``r_tunnel=20`` (R_min = 1.1 kOhm instead of 5.7 kOhm): the TaOx HRS conducts ~1.3 kOhm at
1 V (Frenkel-Poole), so behind a 5.7 kOhm ON selector a 4-5 V write leaves it below its SET
voltage (measured: x = 5e-6 after three 4 V writes, 9e-5 at 5 V); resistances scale with
R_t at fixed dimensionless dynamics, so the threshold voltages are those of the study's card.

Arrays: 2 Ohm per wire segment, 100 Ohm drivers and sense (``crossbar_sneak.ARRAY``).
Parameters and their reasons: ``docs/crossbar.md``.
"""

from __future__ import annotations

import numpy as np

from ..crossbar import HRS, LRS, SELECTOR_MODEL, Crossbar, worst_case_pattern
from ..crossbar.schedule import Event, Schedule
from .crossbar_sneak import ARRAY, PULSE, _ci95, _seed

DESCRIPTION = ("crossbar disturb over time: a second read on a shared column vs the interval "
               "(selector still ON), and half-select disturb of TaOx cells after N writes, 1R vs 1S1R")

#: A selector counts as ON above this fraction of G_max (as crossbar.read).
ON_FRACTION = 0.1
#: Reads: array size, schemes, intervals between the end of the first read and the start of
#: the second (s).
READ_SIZE = 4
SCHEMES = ("v/2", "v/3")
READ_INTERVALS = (1e-6, 10e-6, 100e-6, 1e-3, 3e-3, 10e-3, 30e-3)
QUICK_READ = dict(size=2, schemes=("v/2",), intervals=(1e-6, 100e-6))
#: |shift| below which a second read counts as independent of the first (10 % of the window).
INDEPENDENT_SHIFT = 0.1
#: Standalone relaxation reference: devices and how long after the read (s).
RELAX_DEVICES = 16
RELAX_SPAN = 10e-3
#: Writes: size, pulse, spacing (s), number of writes, amplitudes (V).
WRITE_SIZE = 4
WRITE_WIDTH = 1e-6
WRITE_SPACING = 1e-6
N_WRITES = 10
WRITE_AMPLITUDES_1R = (1.2, 1.6, 1.8, 2.0, 4.0)
WRITE_AMPLITUDE_1S1R = 4.0
#: Driver and sense resistances of the write study (Ohm): the study's 100 Ohm, and ideal
#: voltage sources (0), the textbook V/2 and V/3 analysis.  With 100 Ohm drivers a TaOx cell
#: that SETs (40 Ohm) pulls its row and column towards each other, and the half-selected
#: cells see far less than V/2 for the rest of the pulse.
WRITE_DRIVERS = (100.0, 0.0)
QUICK_WRITE = dict(size=2, n_writes=2, amplitudes_1r=(2.0,), schemes=("v/2",), drivers=(0.0,))
#: The write study's selector: the study's card with r_tunnel = 20 Ohm (module docstring).
WRITE_SELECTOR_MODEL = SELECTOR_MODEL.replace("r_tunnel=100", "r_tunnel=20")
#: Read voltage of the disturb measure (V) and the conductance rise that counts as disturbed.
DISTURB_READ_V = 0.1
DISTURB_RISE = 0.10


# -- repeated reads ------------------------------------------------------------------------------
def read_cells(size: int) -> tuple:
    """(A, B): the first and second read cells, sharing the last column."""
    return (0, size - 1), (1, size - 1)


def _read_event(cell, start) -> Event:
    return Event(cell, start, PULSE.amplitude, rise=PULSE.rise, width=PULSE.width, fall=PULSE.fall)


def read_pair(size: int, scheme: str, interval, *, seed: int, b_state: int = HRS,
              first: bool = True) -> dict:
    """Read A then, ``interval`` s after the first read ended, B (``first=False``: B alone,
    a fresh read).  Every cell but B is LRS; B holds ``b_state``."""
    from ..bridge import run_netlist
    from ..crossbar.netlist import netlist_text, selector_name, sense_source

    a, b = read_cells(size)
    spec = Crossbar(size, size, cell="1S1R", scheme=scheme, selected=b,
                    pattern=worst_case_pattern(size, size, b, b_state), pulse=PULSE, **ARRAY)
    events = []
    t = PULSE.delay
    if first:
        events.append(_read_event(a, t))
        t = events[-1].end + float(interval)
    events.append(_read_event(b, t))
    sched = Schedule(tuple(events), tail=0.5e-6)
    res = run_netlist(netlist_text(spec, sched), seed=seed, name=f"crossbar-disturb read {spec.tag()}")
    time = res.time
    names = {n.lower(): k for k, n in enumerate(res.device_names)}
    ka, kb = (names[selector_name(*c).lower()] for c in (a, b))
    g = res.device_conductance
    g_max = float(res.devices[ka]["g_scale"])
    isense = res.vectors[f"i({sense_source(spec)})"]
    e2 = events[-1]
    w0, w1 = e2.window
    win = (time >= w0 - 1e-15) & (time <= w1 + 1e-15)
    k = win.nonzero()[0]
    tt, ii = time[k], isense[k]
    sensed = float(np.sum(0.5 * (ii[1:] + ii[:-1]) * np.diff(tt)) / (tt[-1] - tt[0]))
    out = {"sensed_a": sensed,
           "b_selector_on_throughout": bool((g[kb][win] > ON_FRACTION * g_max).all()),
           "points": int(time.size), "wall_s": float(res.wall_time)}
    if first:
        e1 = events[0]
        on_a = g[ka] > ON_FRACTION * g_max
        k2 = int(np.searchsorted(time, e2.start - 1e-15))
        gap = (time > e1.end) & (time < e2.start)
        off = np.flatnonzero(gap & ~on_a)
        out.update({
            "a_g_norm_at_second": float(g[ka][min(k2, time.size - 1)] / g_max),
            "a_on_in_window": bool(on_a[win].any()),
            "a_g_norm_max_window": float(g[ka][win].max() / g_max),
            # first point after the first read with A's selector below the ON threshold
            # (None: still ON when the second read began); resolution: the step there
            "a_relax_s": float(time[off[0]] - e1.end) if off.size else None,
            "a_on_end_of_first": bool(on_a[int(np.searchsorted(time, e1.t_off - 1e-15))]),
        })
    return out


def _series_resistance(size: int) -> float:
    """Resistance in series with A's selector during its read (Ohm): its LRS memory, the row
    driver, the sense resistance and one wire segment per cell pitch along its row and
    column (cell (0, N-1): N row segments, N column segments)."""
    return ARRAY["r_lrs"] + ARRAY["r_driver"] + ARRAY["r_sense"] + 2 * size * ARRAY["r_wire"]


def selector_params(card: str = SELECTOR_MODEL):
    """The DiffusiveParams of a selector card's ``key=value`` text."""
    from ..devices.diffusive import DiffusiveParams

    items = dict(tok.split("=", 1) for tok in card.split())
    preset = items.pop("preset")
    return DiffusiveParams.from_preset(preset, **{k: float(v) for k, v in items.items()})


def standalone_relaxation(size: int, *, seed: int, devices: int = RELAX_DEVICES,
                          span: float = RELAX_SPAN, n_out: int = 3001) -> dict:
    """The first read's waveform on standalone selectors through A's series resistance:
    the relaxation time of each device (s after the pulse ended; inf: still ON at ``span``).

    The generator connects the selector's n+ to the column, so the device sees minus the
    row pulse."""
    from ..devices.ensemble import simulate

    p = PULSE
    t_end = p.delay + p.rise + p.width + p.fall
    t = [0.0, p.delay, p.t_on, p.t_off, t_end, t_end + span]
    v = [0.0, 0.0, -p.amplitude, -p.amplitude, 0.0, 0.0]
    res = simulate(selector_params(), t, v, realizations=devices, seed=seed,
                   series_resistance=_series_resistance(size), n_out=n_out)
    gn, tt = res.g_norm, res.t
    after = tt > t_end
    relax = []
    for d in range(devices):
        off = np.flatnonzero(after & (gn[d] < ON_FRACTION))
        relax.append(float(tt[off[0]] - t_end) if off.size else float("inf"))
    k_end = int(np.searchsorted(tt, p.t_off - 1e-15))
    return {"relax_s": relax, "on_at_end_of_read": [bool(gn[d][k_end] > ON_FRACTION) for d in range(devices)],
            "series_resistance_ohm": _series_resistance(size), "span_s": span,
            "resolution_s": float(tt[1] - tt[0])}


def read_study(*, seed: int, realizations: int, size: int, schemes, intervals, progress=None) -> dict:
    from ..progress import Progress

    rows = []
    jobs = [(s, dt) for s in schemes for dt in (None, *intervals)]
    with Progress(len(jobs), "crossbar-disturb reads", enabled=progress) as bar:
        fresh = {}
        for scheme, dt in jobs:
            si = SCHEMES.index(scheme)
            if dt is None:
                hrs = [read_pair(size, scheme, None, seed=_seed(seed, 1, si, 0, r), first=False)
                       for r in range(realizations)]
                lrs = [read_pair(size, scheme, None, seed=_seed(seed, 1, si, 1, r), first=False,
                                 b_state=LRS) for r in range(realizations)]
                fresh[scheme] = {"hrs_a": [x["sensed_a"] for x in hrs],
                                 "lrs_a": [x["sensed_a"] for x in lrs],
                                 "hrs_selector_on_throughout": [x["b_selector_on_throughout"] for x in hrs],
                                 "lrs_selector_on_throughout": [x["b_selector_on_throughout"] for x in lrs]}
                bar.update(1)
                continue
            i_hrs, i_lrs = np.mean(fresh[scheme]["hrs_a"]), np.mean(fresh[scheme]["lrs_a"])
            k = intervals.index(dt)
            pairs = [read_pair(size, scheme, dt, seed=_seed(seed, 2, si, k, r))
                     for r in range(realizations)]
            shift = [(x["sensed_a"] - i_hrs) / (i_lrs - i_hrs) for x in pairs]
            m, half = _ci95(shift)
            relaxed = [x["a_relax_s"] for x in pairs]
            rows.append({
                "scheme": scheme, "interval_s": dt, "realizations": realizations,
                "sensed_a": [x["sensed_a"] for x in pairs],
                "shift": m, "shift_ci95": half, "shift_per_realization": [float(s) for s in shift],
                "misread_fraction": float(np.mean([s > 0.5 for s in shift])),
                "a_on_in_window_fraction": float(np.mean([x["a_on_in_window"] for x in pairs])),
                "a_g_norm_at_second": [x["a_g_norm_at_second"] for x in pairs],
                "a_g_norm_max_window": [x["a_g_norm_max_window"] for x in pairs],
                "a_relax_s": relaxed,
                "a_on_end_of_first": [x["a_on_end_of_first"] for x in pairs],
                "b_selector_on_throughout": [x["b_selector_on_throughout"] for x in pairs],
                # A's selector OFF in B's window in every realization, and the mean shift's
                # 95 % interval inside +-INDEPENDENT_SHIFT (one read's own scatter -- B's
                # selector near its ON threshold behind the HRS cell -- reaches 0.1 alone)
                "independent": bool(all(not x["a_on_in_window"] for x in pairs)
                                    and abs(m) + (half if np.isfinite(half) else 0.0) < INDEPENDENT_SHIFT),
                "points": [x["points"] for x in pairs],
            })
            bar.update(1)
    minimum = {}
    for scheme in schemes:
        rs = sorted((r for r in rows if r["scheme"] == scheme), key=lambda r: r["interval_s"])
        best = None
        for r in reversed(rs):
            if not r["independent"]:
                break
            best = r["interval_s"]
        minimum[scheme] = best
    return {"size": size, "cells": {"first": list(read_cells(size)[0]), "second": list(read_cells(size)[1])},
            # A's relaxation after its read, where the interval left room for it to relax
            # (intervals >= RELAX_SPAN), compared with the standalone model's in run()
            "relax_s": [v for r in rows if r["interval_s"] >= RELAX_SPAN for v in r["a_relax_s"]
                        if v is not None],
            "intervals_s": list(intervals), "fresh": fresh, "rows": rows,
            "min_independent_interval_s": minimum}


# -- writes ----------------------------------------------------------------------------------------
def drift_state(params, g0):
    """Drift state x from the zero-bias conductance G0 the bridge records (S)."""
    return (np.asarray(g0) - params.a_fp) / (params.g_m - params.a_fp)


def rram_state(params, g0):
    """RRAM state on the drift state's scale, (g_max - gap) / (g_max - g_min): 0 at the HRS
    gap, 1 at the LRS gap, from the zero-bias conductance G0 the bridge records (S)."""
    from ..bridge.devices_rram import gap

    return (params.g_max - gap(params, g0)) / (params.g_max - params.g_min)


def rram_set_threshold(params=None) -> float:
    """The smallest forward voltage that moves an RRAM gap at its HRS value g_max, in V:
    F_min t_ox / gamma(g_max), gamma(g) = gamma0 - beta (g / 1 nm)^alpha (the Stanford model's
    field threshold of vacancy generation; below it dg/dt = 0 exactly without variation).
    A half-selected HRS cell is disturbed by a write of amplitude V_w when V_w/2 (V/2 scheme)
    or V_w/3 (V/3) exceeds it: 1.392 V for ``stanford_hfox`` (docs/crossbar.md)."""
    from ..devices.rram import RRAMParams

    p = RRAMParams.from_preset("stanford_hfox") if params is None else params
    return p.f_min * p.tox / (p.gamma0 - p.beta * (p.g_max / 1e-9) ** p.alpha)


def write_run(size: int, cell: str, scheme: str, amplitude: float, n_writes: int, *, seed: int,
              r_wire: float | None = None, r_driver: float | None = None,
              r_sense: float | None = None, memory: str = "drift") -> dict:
    """``n_writes`` SET pulses on cell (0, N-1) of an all-HRS array of TaOx (``memory=
    "drift"``) or Stanford RRAM (``"rram"``) memories; the state of every memory after each
    write (sampled half-way to the next): drift x, or for RRAM :func:`rram_state`."""
    from ..bridge import run_netlist
    from ..crossbar.netlist import netlist_text, selector_name

    sel = (0, size - 1)
    array = dict(ARRAY)
    for k, v in (("r_wire", r_wire), ("r_driver", r_driver), ("r_sense", r_sense)):
        if v is not None:
            array[k] = v
    spec = Crossbar(size, size, cell=cell, memory=memory, scheme=scheme, selected=sel,
                    pattern=[[HRS] * size] * size, selector_model=WRITE_SELECTOR_MODEL, **array)
    events, t = [], PULSE.delay
    for _ in range(n_writes):
        events.append(Event(sel, t, amplitude, rise=50e-9, width=WRITE_WIDTH, fall=50e-9))
        t = events[-1].end + WRITE_SPACING
    sched = Schedule(tuple(events), tail=0.5 * WRITE_SPACING)
    res = run_netlist(netlist_text(spec, sched), seed=seed, name=f"crossbar-disturb write {spec.tag()}")
    if memory == "drift":
        from ..devices.drift import DriftParams, conductance

        params = DriftParams.from_preset("TaOx")
        state = drift_state
        g_hrs = float(conductance(params, 0.0, DISTURB_READ_V))

        def g_at(x):
            return conductance(params, x, DISTURB_READ_V)
    else:
        from ..devices.rram import RRAMParams

        params = RRAMParams.from_preset("stanford_hfox")
        state = rram_state
        g_hrs = 1.0

        def g_at(x):  # G0 relative to the HRS gap's (exp(-gap/g0)); the read is ohmic
            return np.exp(np.asarray(x) * (params.g_max - params.g_min) / params.g0)
    names = {n.lower(): k for k, n in enumerate(res.device_names)}
    time = res.time
    samples = [int(np.searchsorted(time, e.end + 0.5 * WRITE_SPACING - 1e-15)) for e in events]
    samples = [min(k, time.size - 1) for k in samples]

    def mem(i, j):
        return state(params, res.device_conductance[names[f"x{i}_{j}.nmem"]][samples])

    half = spec.half_selected()
    x = np.array([[mem(i, j) for j in range(size)] for i in range(size)])  # (R, C, writes)
    x_half = np.array([x[i, j] for (i, j) in half])
    others = [(i, j) for i in range(size) for j in range(size) if (i, j) != sel and (i, j) not in half]
    x_other = np.array([x[i, j] for (i, j) in others]) if others else np.zeros((1, n_writes))
    rise = g_at(x_half.max(axis=0)) / g_hrs - 1.0
    hit = np.flatnonzero(rise >= DISTURB_RISE)
    out = {"cell": cell, "memory": memory, "scheme": scheme, "amplitude_v": amplitude, "n_writes": n_writes,
           "r_driver_ohm": array["r_driver"], "r_sense_ohm": array["r_sense"],
           "seed": seed, "selected_x": x[sel].tolist(), "half_selected_x_max": x_half.max(axis=0).tolist(),
           "half_selected_x_mean": x_half.mean(axis=0).tolist(),
           "unselected_x_max": x_other.max(axis=0).tolist(),
           "half_selected_g_rise": rise.tolist(),
           "writes_to_disturb": int(hit[0] + 1) if hit.size else None,
           "x_final": x[:, :, -1].tolist(),
           "beyond_ceiling": list(res.extra.get("drift_beyond_ceiling", [])),
           "points": int(time.size), "wall_s": float(res.wall_time)}
    if cell == "1S1R":
        g = res.device_conductance
        ks = names[selector_name(*sel).lower()]
        g_max = float(res.devices[ks]["g_scale"])
        kh = [names[selector_name(i, j).lower()] for (i, j) in half]
        during = np.zeros(time.size, bool)
        for e in events:
            during |= (time >= e.t_on) & (time <= e.t_off)
        out["half_selected_selector_g_norm_max"] = float(g[kh][:, during].max() / g_max)
        out["selected_selector_on"] = [bool((g[ks][(time >= e.t_on) & (time <= e.t_off)] >
                                             ON_FRACTION * g_max).any()) for e in events]
    return out


def write_study(*, seed: int, realizations: int, size: int, n_writes: int, amplitudes_1r,
                schemes, drivers=WRITE_DRIVERS, progress=None) -> dict:
    from ..progress import Progress

    jobs = [("1R", s, a, d, 0) for d in drivers for s in schemes for a in amplitudes_1r]
    jobs += [("1S1R", s, WRITE_AMPLITUDE_1S1R, d, r) for d in drivers for s in schemes
             for r in range(realizations)]
    runs = []
    with Progress(len(jobs), "crossbar-disturb writes", enabled=progress) as bar:
        for cell, scheme, amp, drv, r in jobs:
            s = _seed(seed, 3, ("1R", "1S1R").index(cell), SCHEMES.index(scheme), r)
            runs.append(write_run(size, cell, scheme, amp, n_writes, seed=s, r_driver=drv, r_sense=drv))
            bar.update(1)
    summary = []
    for cell, scheme, amp, drv in dict.fromkeys((c, s, a, d) for c, s, a, d, _ in jobs):
        rs = [x for x in runs
              if (x["cell"], x["scheme"], x["amplitude_v"], x["r_driver_ohm"]) == (cell, scheme, amp, drv)]
        last = [x["half_selected_x_max"][-1] for x in rs]
        summary.append({
            "cell": cell, "scheme": scheme, "amplitude_v": amp, "r_driver_ohm": drv, "runs": len(rs),
            "selected_x_final": [x["selected_x"][-1] for x in rs],
            "half_selected_x_max_final": last,
            "half_selected_g_rise_final": [x["half_selected_g_rise"][-1] for x in rs],
            "unselected_x_max_final": [x["unselected_x_max"][-1] for x in rs],
            "writes_to_disturb": [x["writes_to_disturb"] for x in rs],
            "disturbed_fraction": float(np.mean([x["writes_to_disturb"] is not None for x in rs])),
        })
    return {"size": size, "n_writes": n_writes, "write_width_s": WRITE_WIDTH,
            "write_spacing_s": WRITE_SPACING, "selector_model": WRITE_SELECTOR_MODEL,
            "memory_model": "preset=TaOx", "runs": runs, "summary": summary}


# -- the experiment --------------------------------------------------------------------------------
def statement(reads: dict, writes: dict) -> str:
    parts = []
    for scheme, dt in reads["min_independent_interval_s"].items():
        rs = [r for r in reads["rows"] if r["scheme"] == scheme]
        worst = max(rs, key=lambda r: r["shift"])
        say = "none of the intervals run" if dt is None else f"{dt * 1e6:g} us"
        parts.append(f"{scheme}: second read independent from {say} on (largest mean shift "
                     f"{worst['shift']:.2f} of the read window at {worst['interval_s'] * 1e6:g} us, "
                     f"misread in {worst['misread_fraction']:.0%})")
    w = []
    for s in writes["summary"]:
        x = s["half_selected_x_max_final"]
        w.append(f"{s['cell']} {s['scheme']} {s['amplitude_v']:g} V, {s['r_driver_ohm']:g} Ohm drivers: "
                 f"half-selected x <= {max(x):.2g} "
                 f"after {writes['n_writes']} writes (selected x {np.mean(s['selected_x_final']):.2g})")
    return ("Repeated reads of cells sharing a column (" + "; ".join(parts) + ").  Writes into TaOx "
            "cells: " + "; ".join(w) + ".")


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None,
        parts=("reads", "writes")) -> dict:
    """Both studies (``parts``); ``realizations`` selector seeds per 1S1R point (default 3,
    quick 1)."""
    realizations = realizations or (1 if quick else 3)
    out = {"realizations": realizations,
           "params": {"array": ARRAY, "selector_model": SELECTOR_MODEL,
                      "read_pulse": {k: getattr(PULSE, k) for k in ("amplitude", "delay", "rise",
                                                                    "width", "fall")},
                      "on_fraction": ON_FRACTION, "sense_window": "second half of the plateau",
                      "independent_shift": INDEPENDENT_SHIFT,
                      "shift": "(I_2 - I_HRS,fresh) / (I_LRS,fresh - I_HRS,fresh) of the second read",
                      "disturb": f"read conductance at {DISTURB_READ_V} V of the most disturbed "
                                 f"half-selected cell relative to the HRS; disturbed at "
                                 f"+{DISTURB_RISE:.0%}",
                      "confidence": "mean and 95 % Student-t interval over realizations"}}
    if "reads" in parts:
        q = QUICK_READ if quick else dict(size=READ_SIZE, schemes=SCHEMES, intervals=READ_INTERVALS)
        out["reads"] = read_study(seed=seed, realizations=realizations, progress=progress, **q)
        ref = standalone_relaxation(q["size"], seed=_seed(seed, 4), devices=4 if quick else RELAX_DEVICES,
                                    span=20e-6 if quick else RELAX_SPAN)
        out["reads"]["standalone_relaxation"] = ref
        ours = out["reads"]["relax_s"]
        if len(ours) >= 2:
            from scipy.stats import ks_2samp

            theirs = np.asarray(ref["relax_s"])
            out["reads"]["relaxation_comparison"] = {
                "crossbar_median_s": float(np.median(ours)), "crossbar_n": len(ours),
                "standalone_median_s": float(np.median(theirs)), "standalone_n": int(theirs.size),
                # censored standalone devices (inf: still ON at the span) count as the longest
                "ks_pvalue": float(ks_2samp(ours, theirs).pvalue)}
    if "writes" in parts:
        q = QUICK_WRITE if quick else dict(size=WRITE_SIZE, n_writes=N_WRITES,
                                           amplitudes_1r=WRITE_AMPLITUDES_1R, schemes=SCHEMES)
        out["writes"] = write_study(seed=seed, realizations=realizations, progress=progress, **q)
    if "reads" in out and "writes" in out:
        out["statement"] = statement(out["reads"], out["writes"])
    return out


def plot(result: dict, path) -> None:
    """Second-read shift vs interval (left) and half-select disturb vs write number (right)."""
    from matplotlib.figure import Figure

    from ..io import atomic_savefig

    reads, writes = result.get("reads"), result.get("writes")
    n = int(bool(reads)) + int(bool(writes))
    fig = Figure(figsize=(5.6 * max(n, 1), 4.4))
    axes = list(np.atleast_1d(fig.subplots(1, max(n, 1))))
    a1 = axes.pop(0) if reads else None
    a2 = axes.pop(0) if writes else None
    if reads:
        for scheme, color in zip(SCHEMES, ("C0", "C1")):
            rs = sorted((r for r in reads["rows"] if r["scheme"] == scheme), key=lambda r: r["interval_s"])
            if not rs:
                continue
            dt = np.array([r["interval_s"] for r in rs]) * 1e6
            m = np.array([r["shift"] for r in rs])
            ci = np.array([r["shift_ci95"] if np.isfinite(r["shift_ci95"]) else 0.0 for r in rs])
            a1.errorbar(dt, m, yerr=ci, color=color, marker="o", capsize=3, label=f"{scheme}: shift")
            a1.plot(dt, [r["a_on_in_window_fraction"] for r in rs], color=color, ls=":", marker="s",
                    label=f"{scheme}: first cell's selector ON in the window")
        a1.axhline(0.5, color="0.5", lw=0.8)
        a1.axhspan(-INDEPENDENT_SHIFT, INDEPENDENT_SHIFT, color="0.92", zorder=0)
        a1.set_xscale("log")
        a1.set_xlabel("interval between the reads (us)")
        a1.set_ylabel("second read: (I - I_HRS) / (I_LRS - I_HRS)")
        a1.set_title(f"Read (0,{reads['size'] - 1}) LRS, then (1,{reads['size'] - 1}) HRS, "
                     f"{reads['size']}x{reads['size']} 1S1R", fontsize=9)
        a1.legend(fontsize=7)
    if writes:
        styles = {"v/2": "-", "v/3": "--"}
        for k, run in enumerate(writes["runs"]):
            n = np.arange(1, run["n_writes"] + 1)
            y = np.maximum(np.asarray(run["half_selected_x_max"]), 1e-16)
            color = ("C3" if run["r_driver_ohm"] == 0 else "C1") if run["cell"] == "1R" else \
                ("C0" if run["r_driver_ohm"] == 0 else "C2")
            key = (run["cell"], run["scheme"], run["amplitude_v"], run["r_driver_ohm"])
            label = f"{run['cell']} {run['scheme']} {run['amplitude_v']:g} V, R_drv {run['r_driver_ohm']:g}"
            first = all((r["cell"], r["scheme"], r["amplitude_v"], r["r_driver_ohm"]) != key
                        for r in writes["runs"][:k])
            alpha = 0.4 + 0.6 * (run["amplitude_v"] / 4.0) if run["cell"] == "1R" else 1.0
            a2.semilogy(n, y, color=color, ls=styles[run["scheme"]], marker=".", alpha=min(alpha, 1.0),
                        label=label if first else None)
        a2.set_xlabel("write number")
        a2.set_ylabel("largest half-selected state x")
        a2.set_title(f"SET writes on cell (0,{writes['size'] - 1}), {writes['size']}x{writes['size']} "
                     "TaOx array, all HRS", fontsize=9)
        a2.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)
