"""Measurement protocols beyond relaxation (issue 18 B): quasi-static I-V loops through ngspice,
pulse responses, paired-pulse facilitation; their data files, their statistics, and the
simulation that produces the same statistics from the model (docs/fit.md, "Data kinds").

One function reduces a curve to its statistics, and it is applied to the measured curve and to
every simulated one alike (:func:`loop_statistics`, :func:`pulse_events`), so the data and the
model are compared through exactly the same definitions.

I-V loops
---------
A cycle is a staircase 0 -> V_max -> 0 (and, for a bipolar loop, 0 -> V_min -> 0), sampled
once per step.  The circuit limits the current: ``compliance_a`` (an SMU compliance, modelled
as in :mod:`spicemem.experiments.iv_loop` by two depletion NMOS in anti-series) or
``series_ohm`` (a series resistor).  Per cycle, from source voltage V and current I only:

* ``threshold_voltage``: the first |V| of the positive up-sweep at which the current reaches
  half the circuit's limit (I_cc/2, or |V|/(2 R_s): the device then takes less than half the
  voltage), interpolated in ln(|I|/limit) between the two samples around it
  (:func:`spicemem.experiments.analysis.first_crossing`, over the sample index);
* ``hold_voltage`` (unipolar loops): the last |V| of the positive down-sweep at which the
  conductance |I/V| is still above the ON/OFF level sqrt(g_off g_on) (g_off: median over
  the OFF up-sweep at 25-75 % of the threshold; g_on: at the top of the sweep); 0 if never;
* ``reset_voltage`` (bipolar loops): the first |V| of the negative sweep at which |I/V| falls
  below that level;
* ``ln_on_off_ratio``: ln of g_on over g_off (the resistance ratio of the paper's Fig. 1b as
  the circuit shows it: under a compliance, g_on is the limited ON state).

Over the cycles (and, for the model, over devices x cycles): the mean of each, and for three
or more measured cycles the standard deviation of the voltages (the cycle-to-cycle spread).

Pulse responses
---------------
A file holds time, source voltage and current of one or several pulses through a series
resistor R_s (``series_ohm``); after each pulse a small read voltage lets the relaxation be
seen (without it only the delay is measured).  The device conductance is
g = I/(V - I R_s); the device is ON when g >= 1/R_s (the device takes less than half the
source voltage).  Per pulse, with :func:`~spicemem.experiments.analysis.first_crossing`:
the delay (pulse start to ON) and the relaxation time (pulse end to OFF).  The statistic of a
condition (amplitude, temperature) is the interquartile mean of ln(time) over events
(:func:`spicemem.fit.spec.ln_median_and_se`), for delays and for relaxation times.
The model runs the same pulse (amplitude, width, read level, record) through the same series
resistor on the standalone path (:func:`spicemem.devices.ensemble.simulate`, which takes the
series resistance; a source and a resistor need no circuit solver).
"""

from __future__ import annotations

import math

import numpy as np

#: Gate overdrive of the NMOS current limiter, V (as experiments.iv_loop).
V_LIMITER = 0.1
#: Output samples per simulated pulse record.
PULSE_OUT = 2001


# -- statistics of one curve (data and model alike) ------------------------------------------
def _crossing_index(y, level, rising) -> float:
    """Fractional sample index at which ``y`` first crosses ``level`` (NaN if never)."""
    from ..experiments.analysis import first_crossing

    idx = np.arange(len(y), dtype=float)
    return first_crossing(idx, y, level, start=0.0, rising=rising)


def _at(v, k: float) -> float:
    """|V| at a fractional sample index."""
    return float(np.interp(k, np.arange(len(v)), np.abs(v)))


def loop_statistics(v, i, *, compliance_a=None, series_ohm=None, v_device=None) -> dict:
    """The statistics of one measured or simulated cycle (see the module docstring); NaN
    for a statistic the cycle does not show (e.g. no switching).

    With ``v_device`` (the voltage across the device, known in a simulation) also
    ``ln_resistance_ratio``: ln of the device's resistance |V_dev/I| OFF (median over the
    up-sweep at 25-75 % of the threshold) over ON (median over the positive down-sweep while
    above the ON/OFF level), the "resistance ratio between the conducting and insulating
    states" that papers quote (Wang et al. 2017, Fig. 1b: five orders for SiOxNy:Ag)."""
    v = np.asarray(v, dtype=float)
    i = np.abs(np.asarray(i, dtype=float))
    out = {"threshold_voltage": math.nan, "hold_voltage": math.nan, "reset_voltage": math.nan,
           "ln_on_off_ratio": math.nan, "ln_resistance_ratio": math.nan}
    neg = np.nonzero(v < -1e-9)[0]
    k_neg = int(neg[0]) if neg.size else v.size
    pv, pi = v[:k_neg], i[:k_neg]
    if pv.size < 4:
        return out
    top = int(np.argmax(pv))
    up_v, up_i = pv[: top + 1], pi[: top + 1]
    av = np.abs(up_v)
    limit = np.full(av.shape, compliance_a) if compliance_a else np.maximum(av, 1e-12) / series_ohm
    ratio = np.log(np.maximum(up_i, 1e-300) / limit)
    k = _crossing_index(ratio, math.log(0.5), True)
    if not math.isfinite(k):
        return out
    vth = _at(up_v, k)
    out["threshold_voltage"] = vth
    with np.errstate(divide="ignore", invalid="ignore"):
        g = i / np.maximum(np.abs(v), 1e-12)
    sel = (av >= 0.25 * vth) & (av <= 0.75 * vth) & (np.arange(av.size) < k)
    if not sel.any():
        return out
    g_off = float(np.median(g[: top + 1][sel]))
    g_on = float(g[top])
    if not (g_off > 0 and g_on > g_off):
        return out
    out["ln_on_off_ratio"] = math.log(g_on / g_off)
    level = math.log(math.sqrt(g_on * g_off))
    lg = np.log(np.maximum(g, 1e-300))
    down = lg[top:k_neg]
    kd = _crossing_index(down, level, False)
    out["hold_voltage"] = 0.0 if not math.isfinite(kd) else _at(pv[top:], kd)
    if v_device is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            r_dev = np.abs(np.asarray(v_device, dtype=float)[:k_neg]) / np.maximum(pi, 1e-300)
        on = np.arange(top, k_neg)[down >= level]
        if on.size:
            out["ln_resistance_ratio"] = math.log(float(np.median(r_dev[: top + 1][sel]))
                                                  / float(np.median(r_dev[on])))
    if neg.size:
        nv, nlg = v[k_neg:], lg[k_neg:]
        bottom = int(np.argmin(nv))
        kr = _crossing_index(nlg[: bottom + 1], level, False)
        if math.isfinite(kr):
            out["reset_voltage"] = _at(nv, kr)
    return out


#: Statistics of an I-V data block: name -> (per-cycle key, reduction).
LOOP_STATS = ("threshold_voltage", "hold_voltage", "reset_voltage", "ln_on_off_ratio", "ln_resistance_ratio")


def summarize_cycles(rows: list, *, spreads: bool) -> dict:
    """{stat: (value, standard error)} over cycles: means of every loop statistic present and,
    if ``spreads``, standard deviations of the voltages (``<stat>_sd``).

    A cycle that did not switch has no threshold; a model cycle like that counts at the top of
    the sweep (``v_top`` in the row), so that a parameter that stops switching is penalised
    instead of dropping out of the mean."""
    out = {}
    for key in LOOP_STATS:
        x = np.array([r[key] for r in rows], dtype=float)
        if key == "threshold_voltage":
            x = np.where(np.isfinite(x), x, [r.get("v_top", math.nan) for r in rows])
        x = x[np.isfinite(x)]
        if x.size == 0:
            continue
        sd = float(np.std(x, ddof=1)) if x.size > 1 else math.nan
        out[key] = (float(np.mean(x)), sd / math.sqrt(x.size) if x.size > 1 else math.nan)
        if spreads and not key.startswith("ln_") and x.size >= 3:
            # se of a normal sample's sd: sd / sqrt(2 (n - 1))
            out[f"{key}_sd"] = (sd, sd / math.sqrt(2.0 * (x.size - 1)))
    return out


def split_cycles(v, i, cycle) -> list:
    """[(v, i)] per cycle, in the order they appear."""
    v, i, cycle = map(np.asarray, (v, i, cycle))
    out = []
    for c in dict.fromkeys(cycle.tolist()):
        sel = cycle == c
        out.append((v[sel], i[sel]))
    return out


# -- the I-V loop through ngspice --------------------------------------------------------------
def _card_value(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:.17g}"
    if isinstance(v, str):
        return v
    return None


def model_card(device: str, params, name: str = "dev", temperature: float | None = None) -> str:
    """A ``.model`` card giving every field of ``params`` (the device type's SI parameter
    object) explicitly, over continuation lines; ``temp=`` through the type's ``temp`` key."""
    import dataclasses

    from ..bridge.devices import registry

    dtype = registry()[device]
    items = []
    for f in dataclasses.fields(params):
        if f.name == dtype.temp_field and temperature is not None:
            continue
        s = _card_value(getattr(params, f.name))
        if s is not None:
            items.append(f"{f.name}={s}")
    if temperature is not None:
        items.append(f"temp={temperature:.12g}" if dtype.temp_field else "")
    items = [x for x in items if x]
    lines = [f".model {name} {device} ("]
    lines += ["+ " + " ".join(items[k:k + 4]) for k in range(0, len(items), 4)]
    lines[-1] += " )"
    return "\n".join(lines)


def loop_schedule(proto: dict):
    """Breakpoints and sample points (t, v_source, cycle) of ``proto['cycles']`` cycles."""
    from ..experiments.measured import staircase

    step, dwell, edge = proto["step_v"], proto["step_v"] / proto["sweep_rate_v_per_s"], 1e-6
    dwell = max(dwell - edge, edge)
    pts, samples = [(0.0, 0.0)], []
    t = 0.0
    for c in range(proto["cycles"]):
        for amp in [proto["v_max"]] + ([proto["v_min"]] if proto.get("v_min") else []):
            p, s = staircase(amp, step, dwell, edge, t0=t)
            pts += p[1:]
            samples += [(ts, vs, c) for ts, vs in s]
            t = p[-1][0]
        t += proto["pause_s"]
        pts.append((t, 0.0))
    return pts, samples, t


def loop_netlist(device: str, params, proto: dict, devices: int) -> str:
    """``devices`` independent devices, each behind its own compliance (or series resistor),
    all driven by one staircase source (an ideal source: they do not interact)."""
    from ..experiments.measured import T_STEP, _compress, _fmt, _pwl, netlist_text

    pts, _, t_stop = loop_schedule(proto)
    from ..bridge.devices import registry

    # every device starts in its type's OFF state (the first positive sweep SETs it)
    stuck = registry()[device].stuck_states
    init = f" state={stuck[1]}" if stuck else ""
    body = []
    if proto.get("compliance_a"):
        kp = 2.0 * proto["compliance_a"] / V_LIMITER ** 2
        body.append(f".model nlim nmos (level=1 vto={_fmt(-V_LIMITER)} kp={_fmt(kp)})")
        for k in range(1, devices + 1):
            body += [f"Mca{k} in x{k} x{k} x{k} nlim", f"Mcb{k} m{k} x{k} x{k} x{k} nlim", f"N{k} m{k} 0 dev{init}"]
    else:
        for k in range(1, devices + 1):
            body += [f"Rs{k} in m{k} {_fmt(proto['series_ohm'])}", f"N{k} m{k} 0 dev{init}"]
    card = model_card(device, params, temperature=proto.get("temperature_k"))
    return netlist_text("spicemem fit: I-V loops", [card], _pwl(_compress(pts)), body, t_stop,
                        min(T_STEP, proto["step_v"] / proto["sweep_rate_v_per_s"] / 4))


def simulate_loop_curves(device: str, params, proto: dict, devices: int, seed: int, *, device_voltage=False):
    """(source voltage (K,), cycle index (K,), device currents (devices, K)) at the sample
    points of the staircase: the simulated measurement, through ngspice; with
    ``device_voltage`` also the voltages across the devices (devices, K)."""
    import warnings

    from ..bridge import run_netlist
    from ..experiments.analysis import values_at

    _, samples, _ = loop_schedule(proto)
    ts = np.array([s[0] for s in samples])
    vs = np.array([s[1] for s in samples])
    cyc = np.array([s[2] for s in samples])
    with warnings.catch_warnings():
        # the validity warnings of hot devices: a fit evaluates many parameter sets, some of
        # them outside the model's validity range on the way (the fitted one is checked when
        # the user runs it)
        warnings.simplefilter("ignore")
        res = run_netlist(loop_netlist(device, params, proto, devices), seed=seed, name="fit-iv-loop.cir")
    cur = np.array([values_at(res.time, res.current[d], ts) for d in range(devices)])
    if device_voltage:
        return vs, cyc, cur, np.array([values_at(res.time, res.voltage[d], ts) for d in range(devices)])
    return vs, cyc, cur


def simulate_loops(device: str, params, proto: dict, devices: int, seed: int) -> list:
    """Per-cycle statistics of ``devices`` simulated devices x ``proto['cycles']`` cycles."""
    vs, cyc, cur, vd = simulate_loop_curves(device, params, proto, devices, seed, device_voltage=True)
    rows = []
    for d in range(devices):
        for c in range(proto["cycles"]):
            sel = cyc == c
            r = loop_statistics(vs[sel], cur[d][sel], compliance_a=proto.get("compliance_a"),
                                series_ohm=proto.get("series_ohm"), v_device=vd[d][sel])
            r["v_top"] = proto["v_max"]
            rows.append(r)
    return rows


def _simulate(params, t, v, **kw):
    """:func:`spicemem.devices.ensemble.simulate` without its validity warnings: a fit
    evaluates many parameter sets, some of them outside the validity range on the way (as
    the I-V path above; the fitted preset is checked when the user runs it)."""
    import warnings

    from ..devices.ensemble import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulate(params, t, v, **kw)


# -- pulse responses ----------------------------------------------------------------------------
def pulse_events(t, v, i, series_ohm: float) -> list:
    """Per pulse of a record: {'amplitude', 'start', 'end', 'width', 'read', 'delay',
    'relaxation', 'record'} (s, V); delay/relaxation NaN if not seen, relaxation inf if the
    device is still ON at the end of the read (censored)."""
    from ..experiments.analysis import first_crossing

    t, v, i = (np.asarray(a, dtype=float) for a in (t, v, i))
    amp_all = float(np.max(np.abs(v)))
    hi = np.abs(v) >= 0.5 * amp_all
    edges = np.diff(hi.astype(int))
    starts = list(np.nonzero(edges == 1)[0] + 1)
    ends = list(np.nonzero(edges == -1)[0] + 1)
    if hi[0]:
        starts = [0] + starts
    if hi[-1]:
        ends = ends + [t.size - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        vd = v - i * series_ohm
        g = np.where(np.abs(vd) > 1e-12, i / vd, np.nan)
    level = 1.0 / series_ohm
    out = []
    for n, (a, b) in enumerate(zip(starts, ends)):
        nxt = starts[n + 1] if n + 1 < len(starts) else t.size
        t_on = float(t[a - 1] + (t[a] - t[a - 1]) * 0.5) if a > 0 else float(t[0])
        t_off = float(t[b - 1] + (t[b] - t[b - 1]) * 0.5)
        amp = float(np.median(v[a:b])) if b > a else amp_all
        after = slice(b, nxt)
        read = float(np.median(v[after])) if nxt > b else 0.0
        gg = np.nan_to_num(g, nan=0.0)
        delay = first_crossing(t, gg, level, start=t_on, rising=True, stop=t_off) - t_on
        relax = math.nan
        rec = float(t[nxt - 1]) - t_off
        if math.isfinite(delay) and abs(read) > 1e-3 * abs(amp):
            tr = first_crossing(t, gg, level, start=t_off, rising=False, stop=float(t[nxt - 1]))
            # already below the level at the end of the pulse: relaxed within one sample
            # (half a sample, not 0, whose ln the statistic could not take)
            relax = max(tr - t_off, 0.5 * float(t[b] - t[b - 1])) if math.isfinite(tr) else math.inf
        out.append({"amplitude": amp, "start": t_on, "end": t_off, "width": t_off - t_on, "read": read,
                    "delay": delay, "relaxation": relax, "record": rec,
                    "pre": float(np.median(v[:a])) if a > 0 else 0.0})
    return out


def simulate_pulses(params, proto: dict, devices: int, seed: int) -> list:
    """Delay and relaxation of ``devices`` devices under the protocol's pulse (amplitude,
    width, read level, record) through the series resistor, standalone path."""
    t, src, cur = simulate_pulse_curves(params, proto, devices, seed)
    return [pulse_events(t, src[d], cur[d], proto["series_ohm"])[0] for d in range(devices)]


def simulate_pulse_curves(params, proto: dict, devices: int, seed: int):
    """(t (K,), source voltage (devices, K), current (devices, K)) of the protocol's pulse:
    the simulated measurement."""
    amp, width, read, rec, r_s = (proto[k] for k in ("amplitude", "width", "read", "record", "series_ohm"))
    edge = min(1e-8, 0.01 * width)
    pre = max(0.05 * width, 4 * edge)
    t = [0.0, pre, pre + edge, pre + edge + width, pre + 2 * edge + width, pre + 2 * edge + width + rec]
    v = [read, read, amp, amp, read, read]
    t_out = np.concatenate([np.linspace(0.0, pre + 2 * edge + width, PULSE_OUT // 2, endpoint=False),
                            pre + 2 * edge + width + np.linspace(0.0, rec, PULSE_OUT - PULSE_OUT // 2)])
    p = params.replace(t_ambient=proto["temperature_k"]) if proto.get("temperature_k") else params
    res = _simulate(p, t, v, realizations=devices, seed=seed, series_resistance=r_s, t_out=t_out)
    cur = res.current
    return res.t, np.broadcast_to(res.source_voltage, cur.shape), cur


# -- paired-pulse facilitation --------------------------------------------------------------------
def ppf_conductances(params, proto: dict, k: int, devices: int, seed: int):
    """(ln G1, ln G2) per device (arrays of ``devices``): two pulses (amplitude, width) through
    the series resistor, the second ``proto['intervals'][k]`` s after the end of the first;
    G_n is the device conductance at the end of pulse n (as :mod:`spicemem.experiments.ppf_tzero`
    reads the weight).  Every interval uses the same seed: its devices share their random
    streams up to the second pulse."""
    amp, width, r_s = proto["amplitude"], proto["width"], proto["series_ohm"]
    edge = min(1e-6, 0.01 * width)
    p = params.replace(t_ambient=proto["temperature_k"]) if proto.get("temperature_k") else params
    gap = proto["intervals"][k]
    e1 = edge + width
    s2 = e1 + edge + gap
    e2 = s2 + edge + width
    t = [0.0, edge, e1, e1 + edge, s2, s2 + edge, e2, e2 + edge]
    v = [0.0, amp, amp, 0.0, 0.0, amp, amp, 0.0]
    res = _simulate(p, t, v, realizations=devices, seed=seed, series_resistance=r_s, t_out=[e1, e2])
    lg = np.log(np.maximum(res.conductance, 1e-300))
    return lg[:, 0], lg[:, 1]


def ppf_ratio(lg1, lg2) -> tuple:
    """(G2/G1, its standard error) of an ensemble: exp(<ln G2> - <ln G1>) over devices (the
    pairing removes each device's own scatter of G1 from the ratio: its standard error, 0.21
    at 32 devices, is the smallest of the ratio statistics compared in
    ``examples/fit_wang2017/ppf_scan.py``)."""
    d = np.asarray(lg2) - np.asarray(lg1)
    ratio = math.exp(float(np.mean(d)))
    se = ratio * float(np.std(d, ddof=1)) / math.sqrt(d.size) if d.size > 1 else 0.0
    return ratio, se
