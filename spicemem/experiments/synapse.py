"""The diffusive + drift synapse of Wang et al. 2017, Fig. 6: SRDP and STDP in ngspice.

A diffusive Ag memristor in series with a non-volatile weight device: in the default
circuit (:data:`HFOX`) the Stanford/PKU HfOx RRAM (the paper's Supp. Fig. 10 uses a
Pt/HfOx/TiN drift device), in :data:`TAOX` the TaOx drift memristor of Fig. 6.  The
weight (the device's conductance read at 0.1 V) changes only while the diffusive device
conducts, and the diffusive device's own dynamics -- a delay before it switches ON,
facilitation when pulses come faster than it relaxes, relaxation over ~20/kappa after a
pulse -- decide when that is.  Both protocols are netlists run through ngspice by the
bridge (:func:`spicemem.bridge.run_netlist`); one netlist holds R independent copies of
the synapse (subcircuit instances X1..XR: each device has its own random stream), all
driven by the same ideal sources.

* SRDP (Fig. 6b, Methods): weight device in its HRS as a RESET leaves it, 15 pulses of 2.5 V and 40 us
  across the series pair with t_zero between them, a 0.1 V read of the drift device before
  and after.  Weight change = G_after / G_before - 1.
* STDP (Fig. 6c,d): a pre-spike on the pre terminal and a post-spike on the post terminal,
  each a short high pulse followed by a long low pulse; across the synapse they have equal
  magnitude and opposite polarity.  Delta t: from the end of the first spike to the start
  of the second, positive when the pre-spike comes first.

A full run repeats every point with FULL_SEEDS independent seeds of FULL_REALIZATIONS
synapses each; the quoted standard error is over the seeds' means, and every synapse's
value is in the result.

The devices and why each number was chosen: ``docs/synapse.md``.  The netlists in
``netlists/`` are this module's :func:`srdp_netlist` and :func:`stdp_netlist` at their
default arguments (a test keeps them equal).

References
----------
Z. Wang et al., "Memristors with diffusive dynamics as synaptic emulators for neuromorphic
computing", Nat. Mater. 16, 101 (2017), Fig. 6 and Methods.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..seeds import derive_seed

#: The diffusive device: the paper's own model as calibrated to its Fig. 4
#: (``wang2017_fig4``) with wells at a node of the pinning potential (both clusters equally
#: deep) and the SI anchors the paper does not give: R_min = 1 kOhm, V_th = 0.6 V,
#: 1/kappa = 800 us.  Why not ``SiOxNy_Ag``, and every number: docs/synapse.md.
DIFFUSIVE_MODEL = ("preset=wang2017_fig4 cluster_position_ratio=0.825 r_tunnel=19.111 "
                   "v_threshold=0.6 tau_thermal=800u")
#: The drift device: the TaOx preset (Strachan et al. 2013) unchanged.
DRIFT_MODEL = "preset=TaOx"
#: Read switch: connects the read source to the node between the two devices.
SWITCH_MODEL = "vt=0.5 vh=0.1 ron=1 roff=1e12"

V_READ = 0.1  # V across the drift device during a read
READ_WIDTH = 10e-6  # s
LEAD = 20e-6  # s from t = 0 (first read) to the first pulse
GAP_READ = 20e-6  # s from the end of the programming to the second read
EDGE = 0.4e-6  # s, rise and fall of every pulse

#: Start state of the drift device in both protocols: its high-resistance state as a RESET
#: leaves it (Methods: "first initialized to its high-resistance state").  A -0.45 V, 1 ms
#: RESET from the LRS (x = 1) ends at x = 0.1299 (305 Ohm at 0.1 V; tests/test_synapse.py);
#: the model's bound x = 0 (31 kOhm) is not reached by any RESET (the OFF window
#: exp(-(x_off/x)^2) vanishes there), and from it every SET is a x100 change
#: (docs/synapse.md).
X0_HRS = 0.13
#: The RESET that prepares X0_HRS (V, s), from x = 1, on the isolated drift device.
HRS_RESET = dict(amplitude=-0.45, width=1e-3)

#: SRDP (Methods): 15 pulses of 2.5 V and 40 us across the series pair.
SRDP = dict(amplitude=2.5, width=40e-6, count=15)
#: SRDP start state of the drift device.
SRDP_X0 = X0_HRS
#: t_zero values (s): full run and --quick.
SRDP_T_ZERO = (10e-6, 30e-6, 60e-6, 100e-6, 200e-6, 300e-6, 1e-3, 3e-3, 10e-3)
SRDP_T_ZERO_QUICK = (10e-6, 100e-6, 3e-3)

#: STDP spike (each): short high pulse, then long low pulse (V, s).  The long pulse
#: (2.67 V_th for 1/kappa) turns the diffusive device ON and, through it, leaves the drift
#: device unchanged with a margin; the short one (6.7 V_th for 2 us = 0.0025/kappa) is far
#: shorter than the diffusive device's delay and writes the drift device only while the
#: diffusive device still conducts (see docs/synapse.md for the numbers behind each value).
STDP = dict(v_high=4.0, w_high=2e-6, v_low=1.6, w_low=0.8e-3, x0=X0_HRS)
#: Delta t values (s): full run and --quick (both signs of each).
STDP_DELTA_T = (0.1e-3, 0.3e-3, 1e-3, 3e-3, 10e-3, 30e-3, 100e-3)
STDP_DELTA_T_QUICK = (0.1e-3, 50e-3)

#: The HfOx circuit's RRAM start gap: the state a -1.1 V RESET leaves from the LRS
#: (J16's multilevel RESET: at constant |V| the gap grows until gamma(g) |V| = F_min t_ox,
#: g = ((gamma0 - F_min t_ox / |V|) / beta)^(1/alpha) = 0.9687 nm; 11.7 kOhm at 0.1 V).
HFOX_RESET_V = -1.1
HFOX_GAP0 = 0.9687e-9


@dataclass(frozen=True)
class Circuit:
    """One synapse circuit: the two devices' model cards, the weight device's start state
    and the spikes of both protocols (SI: V, s).  docs/synapse.md gives the source of every
    number.

    Attributes
    ----------
    name : str                  registry key (``"hfox"``, ``"taox"``)
    diffusive_model : str       parameters of the ``.model ag diffusive (...)`` card
    weight_model : str          ``TYPE (PARAMS)`` of the weight device's model card
    weight_state : str          instance parameter of the start state (``x0=..``, ``gap0=..``)
    srdp_amplitude, srdp_width : float   V, s (15 pulses, Methods)
    v_high, w_high, edge_high : float    STDP short pulse: V, s, rise/fall s
    v_low, w_low : float                 STDP long pulse: V, s
    edge : float                         rise/fall of the SRDP pulses and the long pulse, s
    """

    name: str
    diffusive_model: str
    weight_model: str
    weight_state: str
    srdp_amplitude: float
    srdp_width: float
    v_high: float
    w_high: float
    edge_high: float
    v_low: float
    w_low: float
    edge: float = EDGE

    @property
    def weight_type(self) -> str:
        return self.weight_model.split("(", 1)[0].strip()


#: The diffusive device of the HfOx circuit: as DIFFUSIVE_MODEL but V_th = 0.4 V.  The
#: RRAM's sinh I-V clamps its own voltage near ~1 V, so the 1.6 V long pulse leaves the
#: diffusive device ~0.6 V once it conducts: with V_th = 0.6 V it stalled at 0.3-0.6 G_max
#: and no second spike wrote; with 0.4 V it reaches 0.7-0.95 G_max (docs/synapse.md).
HFOX_DIFFUSIVE_MODEL = ("preset=wang2017_fig4 cluster_position_ratio=0.825 r_tunnel=19.111 "
                        "v_threshold=0.4 tau_thermal=800u")
#: The default circuit: the gradual Stanford/PKU HfOx RRAM (the paper's Supp. Fig. 10 uses
#: a Pt/HfOx/TiN drift device) as the weight.  R_ON(diffusive) = 1 kOhm < R(weight) =
#: 11.7 kOhm < R_OFF(diffusive) ~ 55 kOhm at 0.1 V.  STDP short pulse 2.5 V (the paper's
#: only amplitude, that of the SRDP pulses) for 100 ns (the pulse width with which the
#: model's user guide switches it), long pulse 1.6 V for 1/kappa = 0.8 ms as in the TaOx
#: circuit.
HFOX = Circuit(name="hfox", diffusive_model=HFOX_DIFFUSIVE_MODEL,
               weight_model="rram (preset=stanford_hfox)",
               weight_state=f"gap0={HFOX_GAP0 * 1e9:g}n", srdp_amplitude=2.5, srdp_width=40e-6,
               v_high=2.5, w_high=100e-9, edge_high=10e-9, v_low=1.6, w_low=0.8e-3)
#: The former circuit: the TaOx drift device (Strachan et al. 2013) from x0 = 0.13.
TAOX = Circuit(name="taox", diffusive_model=DIFFUSIVE_MODEL, weight_model=f"drift ({DRIFT_MODEL})",
               weight_state=f"x0={X0_HRS:g}", srdp_amplitude=SRDP["amplitude"],
               srdp_width=SRDP["width"], v_high=STDP["v_high"], w_high=STDP["w_high"],
               edge_high=EDGE, v_low=STDP["v_low"], w_low=STDP["w_low"])
CIRCUITS = {c.name: c for c in (HFOX, TAOX)}
DEFAULT_CIRCUIT = "hfox"


def circuit(name) -> Circuit:
    """The circuit registered as ``name`` (a :class:`Circuit` is returned as is)."""
    if isinstance(name, Circuit):
        return name
    if name not in CIRCUITS:
        raise ValueError(f"unknown synapse circuit {name!r} (known: {', '.join(sorted(CIRCUITS))})")
    return CIRCUITS[name]


FULL_REALIZATIONS = 16
QUICK_REALIZATIONS = 8
#: Independent seeds of a full run (each a netlist of FULL_REALIZATIONS synapses per point);
#: the quoted standard error is over their means.  The quick run (tests) uses one.
FULL_SEEDS = 5
QUICK_SEEDS = 1


# -- netlists ------------------------------------------------------------------------------
def _num(x: float) -> str:
    """A float for a netlist (SI seconds or volts), 10 significant digits."""
    return f"{float(x):.10g}"


def _pwl(points, t_end) -> str:
    pts = [(0.0, points[0][1] if points and points[0][0] == 0.0 else 0.0)]
    pts += [p for p in points if p[0] > 0.0]
    if pts[-1][0] < t_end:
        pts.append((t_end, pts[-1][1]))
    return "pwl(" + " ".join(f"{_num(t)} {_num(v)}" for t, v in pts) + ")"


def _read_control(t_second: float, t_stop: float) -> str:
    """Switch control: closed (1 V) for the first read [0, READ_WIDTH] and the second
    [t_second, t_second + READ_WIDTH]; open (0 V) in between."""
    e = 0.1e-6
    pts = [(0.0, 1.0), (READ_WIDTH, 1.0), (READ_WIDTH + e, 0.0), (t_second - e, 0.0),
           (t_second, 1.0), (t_stop, 1.0)]
    return _pwl(pts, t_stop)


def read_times(t_second: float) -> tuple[float, float]:
    """Sampling times (s) of the two reads: the middle of each window."""
    return 0.5 * READ_WIDTH, t_second + 0.5 * READ_WIDTH


def srdp_timing(t_zero: float, circ="hfox") -> dict:
    """Times (s) of the SRDP protocol: pulse starts, end of programming, reads, stop."""
    c = circuit(circ)
    w, n = c.srdp_width, SRDP["count"]
    period = w + 2 * c.edge + t_zero
    starts = LEAD + period * np.arange(n)
    t_prog_end = starts[-1] + w + 2 * c.edge
    t_second = t_prog_end + GAP_READ
    return {"starts": starts, "period": period, "programming_end": t_prog_end,
            "second_read": t_second, "stop": t_second + READ_WIDTH}


def _weight_lines(c: Circuit, plus: str, minus: str) -> list:
    """The weight device's model card and instance line (N2, n+ = ``plus``)."""
    card = "tao" if c.weight_type == "drift" else "hfo"
    return [f".model {card} {c.weight_model}", f"N2 {plus} {minus} {card} {c.weight_state}"]


def _device_comment(c: Circuit) -> str:
    if c.weight_type == "drift":
        return f"drift device (TaOx) from its HRS ({c.weight_state})"
    return f"weight device (HfOx RRAM) from its HRS ({c.weight_state})"


def srdp_netlist(t_zero: float = 100e-6, copies: int = 1, circ="hfox") -> str:
    """The SRDP netlist for one t_zero (s) with ``copies`` independent synapses."""
    c = circuit(circ)
    tm = srdp_timing(t_zero, c)
    model, inst = _weight_lines(c, "mid", "0")
    lines = [
        f"* Diffusive + drift synapse, SRDP (Wang et al. 2017, Fig. 6b): t_zero = {t_zero * 1e6:g} us",
        f"* 15 pulses of {c.srdp_amplitude:g} V and {c.srdp_width * 1e6:g} us across the series pair, "
        f"{_device_comment(c)};",
        "* the weight device is read at 0.1 V (switch S1 to node mid) before and after.",
        "* Devices and the reasons for every number: docs/synapse.md",
        f".model ag diffusive ({c.diffusive_model})",
        model,
        f".model sread sw ({SWITCH_MODEL})",
        ".subckt synapse in rd ctl",
        "N1 in mid ag",
        inst,
        "S1 rd mid ctl 0 sread",
        ".ends",
        f"Vp in 0 pulse(0 {_num(c.srdp_amplitude)} {_num(LEAD)} {_num(c.edge)} {_num(c.edge)} "
        f"{_num(c.srdp_width)} {_num(tm['period'])} {SRDP['count']})",
        f"Vr rd 0 dc {_num(V_READ)}",
        f"Vc ctl 0 {_read_control(tm['second_read'], tm['stop'])}",
    ]
    lines += [f"X{k + 1} in rd ctl synapse" for k in range(copies)]
    lines += [f".tran 20u {_num(tm['stop'])}", ".end"]
    return "\n".join(lines) + "\n"


def _spike(start: float, c: Circuit) -> list:
    t1 = start + c.edge_high
    t2 = t1 + c.w_high
    t3 = t2 + c.edge_high
    t4 = t3 + c.w_low
    return [(start, 0.0), (t1, c.v_high), (t2, c.v_high), (t3, c.v_low),
            (t4, c.v_low), (t4 + c.edge, 0.0)]


def spike_length(circ="hfox") -> float:
    """Duration of one STDP spike, s."""
    c = circuit(circ)
    return 2 * c.edge_high + c.edge + c.w_high + c.w_low


def stdp_timing(delta_t: float, circ="hfox") -> dict:
    """Times (s) of the STDP protocol for ``delta_t`` (s; > 0: pre first)."""
    s = spike_length(circ)
    first = LEAD
    second = LEAD + s + abs(delta_t)
    pre, post = (first, second) if delta_t >= 0 else (second, first)
    t_prog_end = second + s
    t_second = t_prog_end + GAP_READ
    return {"pre": pre, "post": post, "first_end": first + s, "second_start": second,
            "programming_end": t_prog_end, "second_read": t_second, "stop": t_second + READ_WIDTH}


def _us(t: float) -> str:
    return f"{t * 1e3:g} ms" if t >= 1e-4 else (f"{t * 1e6:g} us" if t >= 1e-7 else f"{t * 1e9:g} ns")


def stdp_netlist(delta_t: float = 1e-3, copies: int = 1, circ="hfox") -> str:
    """The STDP netlist for one Delta t (s; > 0: pre before post) with ``copies`` synapses."""
    c = circuit(circ)
    tm = stdp_timing(delta_t, c)
    model, inst = _weight_lines(c, "post", "mid")
    lines = [
        f"* Diffusive + drift synapse, STDP (Wang et al. 2017, Fig. 6c,d): Delta t = {delta_t * 1e3:+g} ms",
        f"* Each spike: {c.v_high:g} V for {_us(c.w_high)}, then {c.v_low:g} V for "
        f"{_us(c.w_low)}; pre-spike on node pre, post-spike on node post,",
        "* so across the synapse (pre - post) they are equal and opposite.  Delta t runs from",
        "* the end of the first spike to the start of the second (> 0: pre first).  The weight",
        "* device (n+ at post) is SET by a post-spike and RESET by a pre-spike, but only while",
        "* the diffusive device still conducts; it is read at 0.1 V before and after.",
        "* Devices and the reasons for every number: docs/synapse.md",
        f".model ag diffusive ({c.diffusive_model})",
        model,
        f".model sread sw ({SWITCH_MODEL})",
        ".subckt synapse pre post rd ctl",
        "N1 pre mid ag",
        inst,
        "S1 rd mid ctl 0 sread",
        ".ends",
        f"Vpre pre 0 {_pwl(_spike(tm['pre'], c), tm['stop'])}",
        f"Vpost post 0 {_pwl(_spike(tm['post'], c), tm['stop'])}",
        f"Vr rd 0 dc {_num(-V_READ)}",
        f"Vc ctl 0 {_read_control(tm['second_read'], tm['stop'])}",
    ]
    lines += [f"X{k + 1} pre post rd ctl synapse" for k in range(copies)]
    lines += [f".tran 10u {_num(tm['stop'])}", ".end"]
    return "\n".join(lines) + "\n"


# -- reading the result ----------------------------------------------------------------------
def drift_reads(result, t_second: float) -> np.ndarray:
    """(R, 2) read conductances (S) of every copy's drift device: i/v at the two reads.

    The current is the device's own (nonlinear) law with the state ngspice held, so the
    diffusive device's current through the read source does not enter.
    """
    names = [n.upper() for n in result.device_names]
    idx = [k for k, n in enumerate(names) if n.endswith(".N2")]
    times = read_times(t_second)
    out = np.empty((len(idx), 2))
    cur = result.current
    for j, k in enumerate(idx):
        for m, t in enumerate(times):
            i = np.interp(t, result.time, cur[k])
            v = np.interp(t, result.time, result.voltage[k])
            out[j, m] = i / v
    return out


def diffusive_conductance_at(result, t: float) -> np.ndarray:
    """(R,) committed conductance (S) of every copy's diffusive device at time t (s)."""
    names = [n.upper() for n in result.device_names]
    idx = [k for k, n in enumerate(names) if n.endswith(".N1")]
    return np.array([np.interp(t, result.time, result.device_conductance[k]) for k in idx])


def _point_seed(seed: int, k: int) -> int:
    """An independent base seed for point k of an experiment (devices of one netlist share
    it and differ by their stream, i.e. by name): the project's one seed derivation,
    :func:`spicemem.seeds.derive_seed` ([seed, 0x5E1A, k])."""
    return derive_seed([int(seed), 0x5E1A, int(k)])


def group_seeds(seed: int, groups: int) -> list:
    """The independent seeds of the ``groups`` repetitions of an experiment: the first is
    ``seed`` itself (so a one-group run is the run of that seed), group g >= 1 gets the
    project's one derived seed, :func:`spicemem.sweep.seeding.task_seed` (seed, 0, g)."""
    from ..sweep.seeding import task_seed

    return [int(seed)] + [task_seed(int(seed), 0, g) for g in range(1, groups)]


def _summary(w: np.ndarray) -> tuple[float, float]:
    n = w.size
    return float(w.mean()), float(w.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0


def _realizations(realizations, quick: bool) -> int:
    return int(realizations) if realizations else (QUICK_REALIZATIONS if quick else FULL_REALIZATIONS)


def _sweep(label, points, make_netlist, timing, *, seed, n, groups, progress, probe):
    """``groups`` independent seeds x one netlist of ``n`` synapses per point, through ngspice.

    Returns a dict of per-point lists: the mean weight change over all synapses, its
    standard error over the seed groups (the spread of the group means; over the synapses
    if there is one group), the per-synapse changes (all groups), ``probe(result, timing,
    g)`` per group, the per-group means, and the runs' diagnostics.
    """
    from ..bridge import run_netlist
    from ..progress import Progress

    seeds = group_seeds(seed, groups)
    per = [[] for _ in points]
    probed = [[] for _ in points]
    means = [[] for _ in points]
    diag = [[] for _ in points]
    with Progress(len(points) * groups, label, enabled=progress) as bar:
        for sg in seeds:
            for k, x in enumerate(points):
                tm = timing(x)
                r = run_netlist(make_netlist(x, n), seed=_point_seed(sg, k), name=f"{label} {x:g}")
                g = drift_reads(r, tm["second_read"])
                w = g[:, 1] / g[:, 0] - 1.0
                per[k].append(w)
                means[k].append(float(w.mean()))
                probed[k].append(probe(r, tm, g))
                diag[k].append({"seed": sg, "accepted_steps": r.steps["accepted"],
                                "run_time_s": r.extra.get("run_time_s"),
                                "drift_time_dropped_s": r.extra.get("drift_time_dropped_s", 0.0),
                                "drift_beyond_ceiling": r.extra.get("drift_beyond_ceiling", []),
                                "rram_time_dropped_s": r.extra.get("rram_time_dropped_s", 0.0)})
                bar.update()
    out = {"mean": [], "stderr": [], "stderr_synapses": [], "synapses": [], "group_means": means,
           "probe": [], "diag": diag, "seeds": seeds}
    for k in range(len(points)):
        w = np.concatenate(per[k])
        m, e_syn = _summary(w)
        e = float(np.std(means[k], ddof=1) / np.sqrt(groups)) if groups > 1 else e_syn
        out["mean"].append(m)
        out["stderr"].append(e)
        out["stderr_synapses"].append(e_syn)
        out["synapses"].append(w)
        out["probe"].append(np.concatenate(probed[k]))
    return out


def _groups(seeds, quick: bool) -> int:
    if seeds is not None:
        return int(seeds)
    return QUICK_SEEDS if quick else FULL_SEEDS


def _result(key, points, sw, n, extra_key, protocol) -> dict:
    return {
        key: list(points),
        "weight_change": sw["mean"],
        "weight_change_stderr": sw["stderr"],
        "weight_change_stderr_synapses": sw["stderr_synapses"],
        "weight_change_realizations": sw["synapses"],
        "weight_change_seed_means": sw["group_means"],
        extra_key: sw["probe"],
        "realizations": n,
        "seeds": sw["seeds"],
        "statistics": ("mean over all synapses (realizations per seed x seeds); standard error "
                       "over the seeds' means (weight_change_stderr) and over the synapses "
                       "(weight_change_stderr_synapses); weight_change_realizations holds every "
                       "synapse, seed after seed"),
        "protocol": protocol,
        "runs": sw["diag"],
    }


def _protocol(c: Circuit) -> dict:
    return {"circuit": c.name, "diffusive_model": c.diffusive_model, "weight_model": c.weight_model,
            "weight_start": c.weight_state, "edge_s": c.edge, "v_read": V_READ,
            "weight_change": "G_read_after / G_read_before - 1 of the weight device, read at 0.1 V"}


def run_srdp(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None,
             seeds: int | None = None, circ="hfox") -> dict:
    """SRDP: weight change against t_zero (see the module docstring) in circuit ``circ``."""
    c = circuit(circ)
    n = _realizations(realizations, quick)
    t_zero = SRDP_T_ZERO_QUICK if quick else SRDP_T_ZERO
    sw = _sweep(f"srdp ({c.name}) t_zero", t_zero, lambda x, k: srdp_netlist(x, k, c),
                lambda x: srdp_timing(x, c), seed=seed, n=n,
                groups=_groups(seeds, quick), progress=progress, probe=lambda r, tm, g: g[:, 0])
    protocol = {**_protocol(c), "amplitude": c.srdp_amplitude, "width": c.srdp_width,
                "count": SRDP["count"]}
    return _result("t_zero", t_zero, sw, n, "g_read_before_s", protocol)


def run_stdp(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None,
             seeds: int | None = None, circ="hfox") -> dict:
    """STDP: weight change against Delta t, both orders, in circuit ``circ``."""
    c = circuit(circ)
    n = _realizations(realizations, quick)
    mags = STDP_DELTA_T_QUICK if quick else STDP_DELTA_T
    delta_t = sorted([-m for m in mags] + list(mags))
    # the probe: the diffusive device's conductance when the second spike arrives (what gates it)
    sw = _sweep(f"stdp ({c.name}) dt", delta_t, lambda x, k: stdp_netlist(x, k, c),
                lambda x: stdp_timing(x, c), seed=seed, n=n,
                groups=_groups(seeds, quick), progress=progress,
                probe=lambda r, tm, g: diffusive_conductance_at(r, tm["second_start"]))
    protocol = {**_protocol(c), "v_high": c.v_high, "w_high": c.w_high, "edge_high_s": c.edge_high,
                "v_low": c.v_low, "w_low": c.w_low,
                "delta_t": "end of the first spike to start of the second, s; > 0: pre first"}
    return _result("delta_t", delta_t, sw, n, "diffusive_g_at_second_spike_s", protocol)


# -- plots -------------------------------------------------------------------------------------
def _figure(x, result):
    """A figure with the per-synapse weight changes at positions ``x`` drawn in grey."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.0, 4.2))
    ax = fig.subplots()
    for k, ws in enumerate(result.get("weight_change_realizations", [])):
        ax.plot(np.full(len(ws), x[k]), np.asarray(ws) * 100, ".", color="0.7", ms=4,
                label="realizations" if k == 0 else None)
    return fig, ax


def _save(fig, path) -> None:
    from ..io import atomic_savefig

    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)


def plot_srdp(result: dict, path) -> None:
    tz = np.asarray(result["t_zero"]) * 1e3
    w = np.asarray(result["weight_change"]) * 100
    e = np.asarray(result["weight_change_stderr"]) * 100
    fig, ax = _figure(tz, result)
    ax.errorbar(tz, w, yerr=e, fmt="o-", color="C0", capsize=3,
                label=f"mean +- s.e. ({len(result.get('seeds', [0]))} seeds x {result['realizations']} synapses)")
    ax.set_xscale("log")
    ax.set_ylim(bottom=-2.0)  # SRDP only potentiates (from the HRS)
    ax.set_xlabel("t_zero (ms)")
    ax.set_ylabel("weight change (%)")
    circ = result.get("protocol", {}).get("circuit", "")
    ax.set_title(f"SRDP, {circ} circuit: 15 x 2.5 V / 40 us (cf. Wang et al. 2017, Fig. 6b)",
                 fontsize=10)
    ax.axhline(0.0, color="k", lw=0.5)
    ax.legend(loc="upper right", fontsize=8)
    _save(fig, path)


def plot_stdp(result: dict, path) -> None:
    dt = np.asarray(result["delta_t"]) * 1e3
    w = np.asarray(result["weight_change"]) * 100
    e = np.asarray(result["weight_change_stderr"]) * 100
    fig, ax = _figure(dt, result)
    for side, colour, label in ((dt < 0, "C3", "post before pre"), (dt > 0, "C0", "pre before post")):
        ax.errorbar(dt[side], w[side], yerr=e[side], fmt="o-", color=colour, capsize=3,
                    label=f"{label}: mean +- s.e.")
    ax.set_xscale("symlog", linthresh=0.1)
    ax.axhline(0.0, color="k", lw=0.5)
    ax.axvline(0.0, color="k", lw=0.5)
    ax.set_xlabel("Delta t (ms)   (< 0: post before pre)")
    ax.set_ylabel("weight change (%)")
    circ = result.get("protocol", {}).get("circuit", "")
    ax.set_title(f"STDP, {circ} circuit (cf. Wang et al. 2017, Fig. 6d): {len(result.get('seeds', [0]))} x "
                 f"{result['realizations']} synapses", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    _save(fig, path)


# -- the committed netlists ---------------------------------------------------------------------
NETLIST_FILES = {"synapse_srdp.cir": lambda: srdp_netlist(), "synapse_stdp.cir": lambda: stdp_netlist(),
                 "synapse_srdp_taox.cir": lambda: srdp_netlist(circ="taox"),
                 "synapse_stdp_taox.cir": lambda: stdp_netlist(circ="taox")}


def write_netlists(directory) -> list:
    """Write ``netlists/synapse_srdp.cir`` and ``synapse_stdp.cir`` (the default protocol
    points, one synapse each) into ``directory``; returns the paths."""
    from pathlib import Path

    from ..io import atomic_write_text

    return [atomic_write_text(Path(directory) / name, make()) for name, make in NETLIST_FILES.items()]
