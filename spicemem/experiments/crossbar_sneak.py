"""Sneak paths in crossbar arrays, with and without diffusive selectors (issue 8).

The paper proposes the diffusive memristor as a selector (Wang et al., Nat. Mater. 16, 101
(2017), last paragraph): its threshold switching, delayed and volatile, should suppress
the sneak currents that limit the size of a crossbar.  For N x N arrays (2 ... 64), cells
``1R`` (a memory resistor) and ``1S1R`` (a live diffusive selector in series with it), and
the biasing schemes floating, V/2 and V/3, the farthest cell (row 0, last column) is read
under three stored patterns, and three read margins follow (each named in the result):

* ``margin_fixed_threshold`` (the conclusion uses it): a sense amplifier with one fixed
  threshold must separate the *lowest* LRS reading (every other cell HRS: least sneak
  current) from the *highest* HRS reading (every other cell LRS): (I_LRS,min - I_HRS,max) /
  I_LRS,min, the worst-case patterns of A. Flocke and T. G. Noll, ESSCIRC 2007;
* ``margin_voltage``: the same two worst cases read as a voltage on a pull-up (sense)
  resistor R_pu = sqrt(R_LRS R_HRS), (V_LRS - V_HRS) / V_read with V = R_pu I, as J. Liang
  and H.-S. P. Wong, IEEE Trans. Electron Devices 57, 2531 (2010) define it; usable above
  10 %;
* ``read_margin``: (I_LRS - I_HRS) / I_LRS with every other cell LRS in both reads (the
  earlier definition, kept for comparison: it ignores that the background changes).

Live selectors make every read random: each margin is the mean over ``realizations``
independent selector seeds with its 95 % Student-t interval, the per-realization values in
the JSON; a size is usable when the lower end of the fixed-threshold margin's interval
exceeds 10 %.  Also per row: the sneak current (HRS read), the half-selected cells' largest
voltage, and -- inside the sense window only -- whether a half-selected selector was ON,
the largest half-selected conductance, and the fraction of reads whose selected selector
was ON at every point of the window (``spicemem.crossbar.read``).

1R arrays are linear and static: their operating point is the read (ngspice ``.op``,
checked against the direct nodal solution).  1S1R reads are transients through the
bridge: the 4 V pulse must outlast the selected selector's delay (about 0.4 us), and the
sensed current is averaged over the second half of the 2 us plateau.  Parameters and
their reasons: ``docs/crossbar.md``.
"""

from __future__ import annotations

import numpy as np

from ..crossbar import HRS, LRS, SELECTOR_MODEL, Crossbar, Pulse, worst_case_pattern
from ..crossbar.spec import SCHEMES
from ..seeds import derive_seed

DESCRIPTION = "crossbar sneak paths: read margin vs size (2x2..64x64), 1R vs 1S1R, floating/V2/V3"

SIZES = (2, 4, 8, 16, 32, 64)
QUICK_SIZES = (2, 4, 8)
CELLS = ("1R", "1S1R")
#: A read is usable above this margin (the literature's 10 %).
USABLE_MARGIN = 0.10
#: The pull-up (sense) resistance of the voltage-margin reads, Ohm: sqrt(R_LRS R_HRS), which
#: maximises the voltage margin of a single cell.
R_PU = float(np.sqrt(10e3 * 100e3))
#: The array parameters of the study (Ohm) and the read pulse.
ARRAY = dict(r_lrs=10e3, r_hrs=100e3, r_wire=2.0, r_driver=100.0, r_sense=100.0)
PULSE = Pulse(kind="read", amplitude=4.0, delay=0.1e-6, rise=50e-9, width=2.0e-6, fall=50e-9)
#: The read shown time-resolved (the second figure): size, scheme.
TRACE = (16, "v/2")
QUICK_TRACE = (8, "v/2")


#: The memories of the study: fixed resistors (``ARRAY``), or Stanford RRAM cells
#: (``.model mem rram (preset=stanford_hfox)``, gaps g_min / g_max) read through the load.
MEMORIES = ("resistor", "rram")
POLARITIES = ("forward", "reverse")
#: The RRAM study's read (docs/crossbar.md, "The RRAM 1S1R study"): reverse (the memory's
#: RESET polarity, where an HRS cell cannot SET), 4 V, a 10 kOhm sense load that holds the
#: LRS cell's selector ON.
RRAM_READ = {"read_polarity": "reverse", "v_read": 4.0, "r_load": 10e3}
#: Accepted read voltage magnitudes (V) and sense loads (Ohm).
V_READ_RANGE = (0.1, 20.0)
R_LOAD_RANGE = (1.0, 10e6)
#: A read moved a memory when its gap changed by more than this (m): 1e-6 nm, six orders
#: below the RRAM's gap range (1.5 nm); below the field threshold dg/dt is exactly 0.
GAP_TOL = 1e-15


def _card_params(kind: str, text: str):
    """The SI parameter object of a ``key=value`` card of device type ``kind`` (random
    parameters at their nominal value)."""
    from ..bridge.devices import registry
    from ..bridge.variability import protect, split

    where = f"{kind} card"
    nominal, _ = split(dict(kv.split("=", 1) for kv in protect(text).split()), where)
    return registry()[kind].make_params(nominal, where)


def rram_read_limits(cell: str = "1S1R", scheme: str = "v/2", r_load: float = RRAM_READ["r_load"],
                     selector_model: str = SELECTOR_MODEL, rram_model: str | None = None) -> dict:
    """The read voltages (V) above which a read of an RRAM array *can* move a gap, from the
    memory's field threshold and the least series resistance of the read path (derivation:
    docs/crossbar.md, "The RRAM 1S1R study").

    The selected memory sees at most V_read - I_mem (R_sel,min + R_driver + R_load): every
    other current adds to the drops on the driver and the load, and the selector's resistance
    is never below R_min = 1 / G_max (0 for a 1R cell).  The memory's current is monotone in
    its voltage, so it stays below its threshold V_th while V_read < V_th + I_mem(V_th) R_s:

    * ``forward_set_v``: forward (SET polarity), the HRS cell at g_max and V_th = F_min t_ox /
      gamma(g_max) (1.392 V for stanford_hfox);
    * ``reverse_reset_v``: reverse, the LRS cell at g_min and the RESET threshold (1.050 V);
    * ``half_selected_forward_v``, ``half_selected_reverse_v`` (V/2, V/3; floating: None, the
      sneak paths have no fixed bias): below these no half-selected cell can move, even with
      its selector ON (R_min) between two drivers.  A half-selected cell on the selected row
      sees at most (1 - f_col) V_read in the read's own direction (towards an unselected
      column at f_col V_read); one on the selected column at most (1 - f_row) V_read in the
      *other* direction, because the sense load lifts the selected column towards V_read
      (unselected rows at f_row V_read).  So a reverse read must keep LRS cells on the row
      below their RESET threshold and HRS cells on the column below their SET threshold,
      and a forward read the other way round.  These are sufficient bounds, not refusals:
      above them the read-disturb measurement of every read decides (a 1R reverse 4 V V/2
      read on a 10 kOhm load SETs the HRS cells of the selected column: its column rises to
      3.5 V against the 2 V rows).

    The nonlinear memory matters: the HRS cell's chord resistance at 1.392 V is 9.5 kOhm,
    not its 224 kOhm at 0 V.
    """
    from ..crossbar.spec import bias_levels, memory_types

    rram = _card_params("rram", rram_model or memory_types()["rram"].model)
    r_min = float(_card_params("diffusive", selector_model).r_min) if cell == "1S1R" else 0.0
    v_set = float(rram.threshold_voltage(rram.g_max))
    v_reset = float(rram.threshold_voltage(rram.g_min, reset=True))

    def through(v_th, gap, r_series):
        return v_th + v_th / float(rram.resistance(gap, v_th)) * r_series

    r_drv = ARRAY["r_driver"]
    out = {"set_threshold_v": v_set, "reset_threshold_v": v_reset, "selector_r_min_ohm": r_min,
           "forward_set_v": through(v_set, rram.g_max, r_min + r_drv + r_load),
           "reverse_reset_v": through(v_reset, rram.g_min, r_min + r_drv + r_load)}
    f_row, f_col = bias_levels(scheme)
    if f_row is None:
        out["half_selected_forward_v"] = out["half_selected_reverse_v"] = None
    else:
        r_half = r_min + 2 * r_drv
        set_half = through(v_set, rram.g_max, r_half)  # an HRS cell's SET, at the cell
        reset_half = through(v_reset, rram.g_min, r_half)  # an LRS cell's RESET
        # forward: row cells in the SET direction, column cells in the RESET direction
        out["half_selected_forward_v"] = min(set_half / (1.0 - f_col), reset_half / (1.0 - f_row))
        out["half_selected_reverse_v"] = min(reset_half / (1.0 - f_col), set_half / (1.0 - f_row))
    return out


def read_setup(memory: str = "resistor", read_polarity: str | None = None, v_read: float | None = None,
               r_load: float | None = None, *, cell: str = "1S1R", scheme: str = "v/2",
               selector_model: str = SELECTOR_MODEL) -> dict:
    """The validated read of a study row: {memory, read_polarity, v_read, r_load}.

    ``memory="resistor"`` (the fixed ``ARRAY`` resistors): a 4 V read on the 100 Ohm sense
    amplifier by default; a polarity is meaningless and refused.  ``memory="rram"``:
    defaults :data:`RRAM_READ`; a read that :func:`rram_read_limits` shows moves the selected
    cell's gap once its selector is ON (a forward read above ``forward_set_v``, a reverse one
    above ``reverse_reset_v``) is refused in one line naming the numbers.  Half-selected
    cells are not refused on their (sufficient) bounds: every read measures whether a gap
    moved (``gap_moved_max_m``), and a row where one did is not usable.
    """
    from ..devices import params as _v

    memory = str(memory).lower()
    _v.check_choice("memory", memory, set(MEMORIES))
    _v.check_choice("cell", cell, set(CELLS))
    _v.check_choice("scheme", scheme, set(SCHEMES))
    rram = memory == "rram"
    if read_polarity is not None:
        read_polarity = str(read_polarity).lower()
        _v.check_choice("read_polarity", read_polarity, set(POLARITIES))
        if not rram:
            raise ValueError("parameter 'read_polarity' applies to an RRAM memory (memory='rram'); "
                             "fixed memory resistors have no polarity")
    polarity = (read_polarity or RRAM_READ["read_polarity"]) if rram else None
    v = _v.check_finite("v_read", RRAM_READ["v_read"] if v_read is None and rram else
                        PULSE.amplitude if v_read is None else v_read)
    if not V_READ_RANGE[0] <= v <= V_READ_RANGE[1]:
        raise ValueError(f"parameter 'v_read' must be in [{V_READ_RANGE[0]:g}, {V_READ_RANGE[1]:g}] V "
                         f"(the read's magnitude: the polarity is read_polarity), got {v:g}")
    r = _v.check_finite("r_load", (RRAM_READ["r_load"] if rram else ARRAY["r_sense"])
                        if r_load is None else r_load)
    if not R_LOAD_RANGE[0] <= r <= R_LOAD_RANGE[1]:
        raise ValueError(f"parameter 'r_load' must be in [{R_LOAD_RANGE[0]:g}, {R_LOAD_RANGE[1]:g}] Ohm "
                         f"(the sense amplifier's input resistance), got {r:g}")
    if rram:
        lim = rram_read_limits(cell, scheme, r, selector_model)
        if polarity == "forward" and v > lim["forward_set_v"]:
            raise ValueError(
                f"a forward {v:g} V read SETs an HRS RRAM cell: with its selector ON (R_min "
                f"{lim['selector_r_min_ohm']:.0f} Ohm) and {r:g} Ohm load the memory passes its "
                f"{lim['set_threshold_v']:.3f} V SET threshold above {lim['forward_set_v']:.2f} V; "
                f"read below that or reverse (read_polarity='reverse')")
        if polarity == "reverse" and v > lim["reverse_reset_v"]:
            raise ValueError(
                f"a reverse {v:g} V read RESETs an LRS RRAM cell: with its selector ON and {r:g} Ohm "
                f"load the memory passes its {lim['reset_threshold_v']:.3f} V RESET threshold above "
                f"{lim['reverse_reset_v']:.2f} V")
    return {"memory": memory, "read_polarity": polarity, "v_read": float(v), "r_load": float(r)}


def spec_for(size: int, cell: str, scheme: str, pattern, setup: dict | None = None) -> Crossbar:
    """A read of cell (0, N-1) of the study with the stored ``pattern``, or (an int state) the
    selected cell in that state with every other cell LRS; ``setup`` (:func:`read_setup`,
    default: the resistor study's 4 V read) chooses the memory and the read."""
    import dataclasses

    s = read_setup() if setup is None else setup
    selected = (0, size - 1)
    if isinstance(pattern, int):
        pattern = worst_case_pattern(size, size, selected, pattern)
    kw = {**ARRAY, "r_sense": s["r_load"]}
    pulse = dataclasses.replace(PULSE, amplitude=s["v_read"])
    if s["memory"] == "resistor":
        return Crossbar(size, size, cell=cell, scheme=scheme, selected=selected, pattern=pattern,
                        pulse=pulse, analysis="tran" if cell == "1S1R" else "op", **kw)
    del kw["r_lrs"], kw["r_hrs"]
    return Crossbar(size, size, cell=cell, scheme=scheme, selected=selected, pattern=pattern,
                    pulse=pulse, analysis="tran", memory=s["memory"],
                    memory_reversed=s["read_polarity"] == "reverse", **kw)


def _seed(seed: int, *keys) -> int:
    return derive_seed([int(seed), *[int(k) for k in keys]])


def _trace(lrs, hrs) -> dict:
    def g(r, arr):
        return None if arr is None else arr / r.g_max

    return {
        "lrs": {"time_s": lrs.time, "sense_current_a": lrs.sense_current,
                "cell_current_a": lrs.cell_current, "selected_g_norm": g(lrs, lrs.selected_g),
                "half_selected_g_norm_max": g(lrs, lrs.half_g_max)},
        "hrs": {"time_s": hrs.time, "sense_current_a": hrs.sense_current,
                "cell_current_a": hrs.cell_current, "selected_g_norm": g(hrs, hrs.selected_g),
                "half_selected_g_norm_max": g(hrs, hrs.half_g_max)},
    }


def _patterns(size: int):
    """The three stored patterns of a read study, selected cell (0, N-1):

    * ``lrs_same``: selected LRS, every other cell LRS (today's ratio's LRS read);
    * ``lrs_worst``: selected LRS, every other cell HRS: the *lowest* LRS reading (least
      sneak current);
    * ``hrs_worst``: selected HRS, every other cell LRS: the *highest* HRS reading.
    """
    sel = (0, size - 1)
    return {"lrs_same": worst_case_pattern(size, size, sel, LRS),
            "lrs_worst": tuple(tuple(LRS if (i, j) == sel else HRS for j in range(size))
                               for i in range(size)),
            "hrs_worst": worst_case_pattern(size, size, sel, HRS)}


def _ci95(values) -> tuple:
    """Mean and the half-width of its 95 % confidence interval (Student t over the
    realizations; 0 for one deterministic value, NaN for one random value)."""
    from scipy.stats import t as student

    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size == 0:
        return float("nan"), float("nan")
    if v.size == 1:
        return float(v[0]), float("nan")
    return float(v.mean()), float(student.ppf(0.975, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))


def _reads(size: int, cell: str, scheme: str, seed: int, selector_model: str = SELECTOR_MODEL,
           worst_only: bool = False, voltage_only: bool = False, setup: dict | None = None) -> dict:
    """The five reads of one realization (every read with the same base seed); with live
    selectors, ``worst_only`` makes only the two that the fixed-threshold margin needs and
    ``voltage_only`` only the two on the pull-up that the voltage margin needs (the same
    seed, so they pair with a ``worst_only`` row of the same seed).

    An RRAM array (``setup``, :func:`read_setup`) makes three reads (two with
    ``worst_only``): its sense load is already the pull-up of the voltage margin, so the
    two worst-case reads give both margins."""
    from ..crossbar.read import read

    if worst_only and voltage_only:
        raise ValueError("worst_only and voltage_only exclude each other: each keeps only the "
                         "two reads of its own margin")
    s = read_setup(selector_model=selector_model, cell=cell, scheme=scheme) if setup is None else setup
    rram = s["memory"] != "resistor"
    if rram and voltage_only:
        raise ValueError("voltage_only applies to fixed memory resistors: an RRAM row's voltage "
                         "margin comes from its own two worst-case reads on the load")
    pats = _patterns(size)
    live = cell == "1S1R" or rram  # 1R resistor reads are operating points: always all five

    def spec(pat):
        return spec_for(size, cell, scheme, pat, s).replace(selector_model=selector_model)

    got = {}
    if not (voltage_only and live):
        keep = ("lrs_worst", "hrs_worst") if worst_only and live else tuple(pats)
        got = {k: read(spec(pats[k]), seed=seed) for k in keep}
    if not (worst_only and live) and not rram:
        for k in ("lrs_worst", "hrs_worst"):
            got[k + "_pu"] = read(spec(pats[k]).replace(r_sense=R_PU), seed=seed)
    return got


def _margins(got: dict, setup: dict | None = None) -> dict:
    """{same, fixed, voltage}: the three margins of one realization's reads (NaN for those
    whose reads were not made).  An RRAM row's voltage margin is R_load (I_LRS,min -
    I_HRS,max) / V_read of its own worst-case reads."""
    from ..crossbar.read import read_margin

    s = read_setup() if setup is None else setup
    nan = float("nan")
    if s["memory"] != "resistor":
        voltage = (voltage_margin(got["lrs_worst"].sensed, got["hrs_worst"].sensed, s["r_load"],
                                  s["v_read"]) if "lrs_worst" in got else nan)
    else:
        voltage = (voltage_margin(got["lrs_worst_pu"].sensed, got["hrs_worst_pu"].sensed, R_PU,
                                  s["v_read"]) if "lrs_worst_pu" in got else nan)
    return {"same": read_margin(got["lrs_same"].sensed, got["hrs_worst"].sensed) if "lrs_same" in got else nan,
            "fixed": read_margin(got["lrs_worst"].sensed, got["hrs_worst"].sensed) if "lrs_worst" in got else nan,
            "voltage": voltage}


def _gap_moved(got: dict, setup: dict) -> float:
    """The largest gap change of any RRAM memory in any of the reads, in m (NaN for fixed
    resistors): g0 |ln(G0(t) / G0(0))| (``ReadResult.memory_log_g_change``)."""
    if setup["memory"] != "rram":
        return float("nan")
    from ..crossbar.spec import memory_types

    g0 = _card_params("rram", memory_types()["rram"].model).g0
    return float(max(g0 * x.memory_log_g_change for x in got.values()))


#: The metrics of :func:`sweep_realization` (one row of a ``spicemem sweep`` table).
SWEEP_METRICS = ("margin_fixed_threshold", "margin_voltage", "read_margin", "sense_current_lrs_worst_a",
                 "sense_current_hrs_a", "sneak_current_a", "half_selected_on",
                 "half_selected_g_norm_max_window", "reads_selector_on_throughout",
                 "lrs_selector_on_throughout", "hrs_selector_on_throughout", "selector_switched",
                 "gap_moved_max_m")
#: Metrics that a study row reports as the largest over its realizations, not the mean.
_MAX_METRICS = ("gap_moved_max_m",)


def sweep_realization(*, seed: int, size: int, cell: str, scheme: str,
                      selector_model: str = SELECTOR_MODEL, worst_only: bool = False,
                      voltage_only: bool = False, memory: str = "resistor",
                      read_polarity: str | None = None, v_read: float | None = None,
                      r_load: float | None = None) -> dict:
    """One realization of one row of the study, for ``spicemem sweep`` (``target = "python"``,
    ``function = "spicemem.experiments.crossbar_sneak:sweep_realization"``): the five reads of
    cell (0, N-1) with the bridge's base seed ``seed`` (the selectors' random streams and, for
    a ``selector_model`` with ``agauss``/``gauss``/``aunif``/``unif`` parameters, every
    selector's draw), and the scalar metrics :data:`SWEEP_METRICS` (``half_selected_on`` 0/1;
    ``reads_selector_on_throughout`` the fraction of the five reads; NaN for 1R).
    :func:`summarize_table` turns the sweep's table into the study's rows.  ``worst_only``
    makes only the two reads of the fixed-threshold margin (the others NaN) of a 1S1R row: for
    the largest arrays, where one 1S1R read takes minutes (1R rows, operating points, always
    make all five).  ``voltage_only`` makes only the two pull-up reads of the voltage margin
    of a 1S1R row (the sense and sneak currents are then those of the pull-up reads' sense
    resistor, so NaN here: they belong to the 100 Ohm reads).

    ``memory="rram"`` reads Stanford RRAM cells instead of fixed resistors (``read_polarity``,
    ``v_read`` in V, ``r_load`` in Ohm: :func:`read_setup`, which refuses a read that can
    move a gap); ``gap_moved_max_m`` is the largest gap change of any memory in any of the
    reads (0 when the read is read-safe), ``lrs_``/``hrs_selector_on_throughout`` whether the
    selected selector held ON through the window in the LRS / HRS worst-case read, and
    ``selector_switched`` whether it turned ON in every read."""
    setup = read_setup(memory, read_polarity, v_read, r_load, cell=str(cell), scheme=str(scheme),
                       selector_model=selector_model)
    got = _reads(int(size), str(cell), str(scheme), int(seed), selector_model, bool(worst_only),
                 bool(voltage_only), setup)
    m = _margins(got, setup)
    nan = float("nan")
    live = [x for x in got.values() if x.selected_on_throughout is not None]
    lrs, hrs = got.get("lrs_worst"), got.get("hrs_worst")

    def held(x):
        return nan if x is None or x.selected_on_throughout is None else float(x.selected_on_throughout)

    return {"margin_fixed_threshold": m["fixed"], "margin_voltage": m["voltage"], "read_margin": m["same"],
            "sense_current_lrs_worst_a": lrs.sensed if lrs is not None else nan,
            "sense_current_hrs_a": hrs.sensed if hrs is not None else nan,
            "sneak_current_a": hrs.sneak if hrs is not None else nan,
            "half_selected_on": float(any(x.half_selected_on for x in live)) if live else nan,
            "half_selected_g_norm_max_window": (max(x.half_g_max_window / x.g_max for x in live)
                                                if live else nan),
            "reads_selector_on_throughout": (float(np.mean([x.selected_on_throughout for x in live]))
                                             if live else nan),
            "lrs_selector_on_throughout": held(lrs), "hrs_selector_on_throughout": held(hrs),
            "selector_switched": (float(all(x.t_selected_on is not None for x in live))
                                  if live else nan),
            "gap_moved_max_m": _gap_moved(got, setup)}


def summarize_tables(paths) -> dict:
    """:func:`summarize_table` of several sweep tables of the study at once (e.g. the 2..32
    sweep and the 64 x 64 sweep, each with its own ``sweep.json``): their rows joined, the
    usable size over all of them.  Rows of the same (size, cell, scheme) in several tables
    are one row: each margin over the realizations where it was computed (the 64 x 64
    ``worst_only`` table gives the fixed-threshold margin, the ``voltage_only`` table the
    voltage margin of the same seeds)."""
    groups: dict = {}
    for p in paths:
        for key, rs in _groups(p).items():
            groups.setdefault(key, []).extend(rs)
    rows = sorted(_rows(groups), key=lambda r: (CELLS.index(r["cell"]), SCHEMES.index(r["scheme"]), r["size"]))
    usable = largest_usable(rows)
    return {**_meta(), "results": rows, "largest_usable": usable, "statement": statement(rows, usable),
            "source": [str(p) for p in paths], "trace": None}


def markdown_tables(result: dict) -> str:
    """The README's tables of a :func:`summarize_tables` result: per margin, one row per size,
    one column per (cell, scheme), mean ± half-width of the 95 % interval in % (1R: exact),
    and the realizations behind each 1S1R entry (RRAM rows: :func:`markdown_memory_tables`,
    appended)."""
    memory = [r for r in result["results"] if r.get("memory", "resistor") != "resistor"]
    rows = [r for r in result["results"] if r.get("memory", "resistor") == "resistor"]
    if not rows:
        return markdown_memory_tables(memory)
    cols = [(c, s) for c in CELLS for s in SCHEMES]
    sizes = sorted({r["size"] for r in rows})
    by = {(r["size"], r["cell"], r["scheme"]): r for r in rows}
    out = []
    for name, title in (("margin_fixed_threshold", "fixed-threshold worst-case margin (%)"),
                        ("margin_voltage", "voltage margin on the pull-up (%)")):
        out.append(f"**{title}**\n")
        out.append("| N x N | " + " | ".join(f"{c} {s.upper() if s != 'floating' else s}" for c, s in cols) + " |")
        out.append("|---:|" + "---:|" * len(cols))
        for n in sizes:
            cells = []
            for c, s in cols:
                r = by.get((n, c, s))
                if r is None or not np.isfinite(r[name]):
                    cells.append("--")
                    continue
                m, h = 100 * r[name], r[name + "_ci95"]
                if c == "1R":
                    cells.append(f"{m:.1f}")
                elif np.isfinite(h):
                    cells.append(f"{m:.1f} ± {100 * h:.1f} ({r['realizations']})")
                else:
                    cells.append(f"{m:.1f} ({r['realizations']})")
            out.append(f"| {n} | " + " | ".join(cells) + " |")
        out.append("")
    out.append("**selected selector ON through the whole sense window (fraction of the 1S1R reads)**\n")
    out.append("| N x N | " + " | ".join(s for s in SCHEMES) + " |")
    out.append("|---:|" + "---:|" * len(SCHEMES))
    for n in sizes:
        vals = []
        for s in SCHEMES:
            r = by.get((n, "1S1R", s))
            vals.append("--" if r is None else f"{r['reads_selector_on_throughout']:.2f}")
        out.append(f"| {n} | " + " | ".join(vals) + " |")
    text = "\n".join(out) + "\n"
    return text + ("\n" + markdown_memory_tables(memory) if memory else "")


def _pm(r, name) -> str:
    """mean ± 95 % half-width (realizations) in %, or -- ."""
    if r is None or not np.isfinite(r.get(name, float("nan"))):
        return "--"
    h = r[name + "_ci95"]
    tail = f" ± {100 * h:.1f}" if np.isfinite(h) else ""
    return f"{100 * r[name]:.1f}{tail} ({r['realizations']})"


def _frac(r, name) -> str:
    v = None if r is None else r.get(name)
    return "--" if v is None or not np.isfinite(v) else f"{v:.2f}"


def markdown_memory_tables(rows: list) -> str:
    """Tables of the RRAM rows (one block per read, :func:`config`): both margins per size and
    scheme, mean ± 95 % half-width (realizations), and what the reads were: the fraction of
    LRS / HRS worst-case reads whose selected selector held ON through the sense window, the
    fraction of realizations whose selector switched in every read, and the largest gap
    change of any memory in any read."""
    out = []
    for name in dict.fromkeys(config(r) for r in rows):
        rs = [r for r in rows if config(r) == name]
        by = {(r["size"], r["scheme"]): r for r in rs}
        sizes = sorted({r["size"] for r in rs})
        schemes = [s for s in SCHEMES if any(r["scheme"] == s for r in rs)]
        heads = " | ".join(s.upper() if s != "floating" else s for s in schemes)
        out.append(f"**{name}: fixed-threshold margin (%) / voltage margin on the load (%)**\n")
        out.append("| N x N | " + " | ".join(f"{h} fixed | {h} voltage" for h in heads.split(" | ")) + " |")
        out.append("|---:|" + "---:|---:|" * len(schemes))
        for n in sizes:
            cells = []
            for s in schemes:
                r = by.get((n, s))
                cells += [_pm(r, "margin_fixed_threshold"), _pm(r, "margin_voltage")]
            out.append(f"| {n} | " + " | ".join(cells) + " |")
        out.append("")
        out.append(f"**{name}: selector held ON through the window (LRS / HRS reads), switched in "
                   f"every read, largest gap change (m), usable**\n")
        out.append("| N x N | scheme | LRS held | HRS held | switched | gap moved (m) | usable |")
        out.append("|---:|---|---:|---:|---:|---:|---|")
        for n in sizes:
            for s in schemes:
                r = by.get((n, s))
                if r is None:
                    continue
                moved = r.get("gap_moved_max_m")
                out.append(f"| {n} | {s} | {_frac(r, 'lrs_selector_on_throughout')} | "
                           f"{_frac(r, 'hrs_selector_on_throughout')} | {_frac(r, 'selector_switched')} | "
                           f"{'--' if moved is None or not np.isfinite(moved) else f'{moved:.3g}'} | "
                           f"{'yes' if r['usable'] else 'no'} |")
        out.append("")
    return "\n".join(out)


def window_works(row) -> bool:
    """A read voltage works for a row of the window: it is usable (:func:`_usable`: the
    selected selector switched in every read of every realization, no gap moved, the lower
    end of the margin's interval above 10 %)."""
    return bool(row["usable"])


def window_table(rows: list) -> str:
    """The read-voltage window of RRAM rows (one scheme and load per table): per size (rows)
    and read voltage (columns), the fixed-threshold margin (mean ± 95 % half-width) and what
    failed: ``no switch`` (the selected selector did not turn ON in some read), ``LRS drop``
    (an LRS read's selector did not hold ON through the window in some realization),
    ``gap moved`` (a read moved an RRAM gap), ``margin`` (the interval's lower end <= 10 %).
    A voltage works (:func:`window_works`) when the selector switched in every read, no gap
    moved and the margin's lower end exceeds 10 %; LRS drop-outs are shown, not excluded
    (the margin counts the lower LRS current they give)."""
    out = []
    keys = dict.fromkeys((r["read_polarity"], r["scheme"], r["r_load"], r["cell"]) for r in rows)
    for pol, scheme, r_load, cell in keys:
        rs = [r for r in rows if (r["read_polarity"], r["scheme"], r["r_load"], r["cell"]) ==
              (pol, scheme, r_load, cell)]
        volts = sorted({r["v_read"] for r in rs})
        sizes = sorted({r["size"] for r in rs})
        by = {(r["size"], r["v_read"]): r for r in rs}
        out.append(f"**{cell} RRAM, {pol} read, {scheme}, {r_load:g} Ohm load: fixed-threshold margin (%) "
                   f"and what failed (works: switched in every read, no gap moved, lower end of the "
                   f"95 % interval > {USABLE_MARGIN:.0%})**\n")
        out.append("| N x N | " + " | ".join(f"{v:g} V" for v in volts) + " |")
        out.append("|---:|" + "---|" * len(volts))
        for n in sizes:
            cells = []
            for v in volts:
                r = by.get((n, v))
                if r is None:
                    cells.append("--")
                    continue
                why = []
                if r.get("selector_switched", 1.0) < 1.0:
                    why.append(f"no switch {1 - r['selector_switched']:.2f}")
                if r.get("lrs_selector_on_throughout", 1.0) < 1.0:
                    why.append(f"LRS drop {1 - r['lrs_selector_on_throughout']:.2f}")
                if r.get("reads_disturbed"):
                    why.append("gap moved")
                ok = window_works(r)
                lower = r["margin_fixed_threshold"] - r["margin_fixed_threshold_ci95"]
                if not (np.isfinite(lower) and lower > USABLE_MARGIN):
                    why.append("margin")
                mark = "**works**" if ok else "fails"
                cells.append(f"{mark} {_pm(r, 'margin_fixed_threshold')}" +
                             (f"; {', '.join(why)}" if why else ""))
            out.append(f"| {n} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def summarize_table(path) -> dict:
    """The study's rows, ``largest_usable`` and ``statement`` from a ``spicemem sweep`` table
    (``results.csv`` of :func:`sweep_realization` over ``python.size``, ``python.cell``,
    ``python.scheme``; ok rows only).  Each margin is the mean with the half-width of its
    95 % Student-t interval over the rows (the realizations: independent seeds and, with a
    random selector card, independent draws); a 1R row is deterministic (every realization
    the same number: its interval is 0).  A size is usable when the lower end of the
    fixed-threshold margin's interval exceeds 10 %: the one-sided confidence that the mean
    margin exceeds 10 % is then at least 97.5 %."""
    rows = _rows(_groups(path))
    usable = largest_usable(rows)
    return {**_meta(), "results": rows, "largest_usable": usable, "statement": statement(rows, usable),
            "source": str(path), "trace": None}


def _meta() -> dict:
    return {"params": {"usable_margin": USABLE_MARGIN, "array": ARRAY, "pull_up_ohm": R_PU,
                       "confidence": "mean and 95 % Student-t interval over the table's ok rows "
                                     "of each (size, cell, scheme); usable: lower end > "
                                     f"{USABLE_MARGIN:.0%} (one-sided confidence >= 97.5 %)"}}


def _groups(path) -> dict:
    """{(size, cell, scheme, memory, read_polarity, v_read, r_load): [csv rows]} of a sweep
    table's ok rows (a table without the read's columns is the resistor study's 4 V read)."""
    import csv
    import json
    from pathlib import Path

    # a value that is not varied is not a column: take it from the sweep's fixed values
    # (sweep.json beside the table)
    fixed = {}
    stored = Path(path).with_name("sweep.json")
    if stored.exists():
        fixed = json.loads(stored.read_text()).get("spec", {}).get("sections", {}).get("python", {})

    def value(row, key):
        if f"python.{key}" in row:
            return row[f"python.{key}"]
        if key in fixed:
            return fixed[key]
        raise KeyError(f"'python.{key}' is neither a column of {path} nor a fixed value in {stored}")

    def opt(row, key, default):
        try:
            v = value(row, key)
        except KeyError:
            return default
        return default if v in (None, "") else v

    def num(v):
        return None if v is None else float(v)

    groups: dict = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("status") != "ok":
                continue
            setup = read_setup(opt(row, "memory", "resistor"), opt(row, "read_polarity", None),
                               num(opt(row, "v_read", None)), num(opt(row, "r_load", None)),
                               cell=str(value(row, "cell")).upper(),
                               scheme=str(value(row, "scheme")).lower())
            key = (int(float(value(row, "size"))), str(value(row, "cell")).upper(),
                   str(value(row, "scheme")).lower(), setup["memory"], setup["read_polarity"],
                   setup["v_read"], setup["r_load"])
            groups.setdefault(key, []).append(row)
    return groups


def _rows(groups: dict) -> list:
    """The study's rows from :func:`_groups`: each metric over the rows where it is a number
    (``realizations``: the most any margin has)."""
    rows = []
    for (size, cell, scheme, memory, polarity, v_read, r_load), rs in sorted(groups.items(), key=str):
        out = {"size": size, "rows": size, "cols": size, "cell": cell, "scheme": scheme,
               "memory": memory, "read_polarity": polarity, "v_read": v_read, "r_load": r_load}
        counts = []
        deterministic = cell == "1R" and memory == "resistor"
        for name in SWEEP_METRICS:
            vals = [float(r[name]) for r in rs if r.get(name) not in (None, "")]
            vals = [v for v in vals if np.isfinite(v)]
            if name in _MAX_METRICS:
                out[name] = float(max(vals)) if vals else float("nan")
                out["reads_disturbed"] = int(sum(v > GAP_TOL for v in vals)) if vals else None
                continue
            if deterministic and name.startswith(("margin", "read_margin")) and vals:
                # deterministic: report the value, interval 0 (all rows agree)
                mean, half = (float(np.mean(vals)), 0.0 if np.ptp(vals) < 1e-12 else float("nan"))
            else:
                mean, half = _ci95(vals)
            out[name] = mean
            if name.startswith(("margin", "read_margin")):
                out[name + "_ci95"] = half
                out[name + "_per_realization"] = vals
                counts.append(len(vals))
        out["realizations"] = max(counts) if counts else len(rs)
        out["half_selected_on"] = bool(out["half_selected_on"] > 0) if cell == "1S1R" else None
        out["config"] = config(out)
        out["usable"] = bool(_usable(out))
        rows.append(out)
    return rows


def measure(size: int, cell: str, scheme: str, *, seed: int, realizations: int = 1,
            keep_trace: bool = False, setup: dict | None = None) -> dict:
    """One row of the study (see the module docstring for the margins).

    Every realization reads the selected cell under each stored pattern with its own seed
    (all reads of one realization share it); 1R arrays are deterministic, so one
    realization is exact.  Voltage-margin reads replace the sense resistance by the pull-up
    ``R_PU``.  ``setup`` (:func:`read_setup`) chooses the memory and the read; an RRAM row
    makes three reads per realization, its voltage margin on the load, and records
    ``gap_moved_max_m`` over every read.
    """
    from ..crossbar.nodal import solve_dc

    setup = read_setup(cell=cell, scheme=scheme) if setup is None else setup
    resistor = setup["memory"] == "resistor"
    reps = realizations if cell == "1S1R" or not resistor else 1
    pats = _patterns(size)
    per = {k: [] for k in ("same", "fixed", "voltage")}
    moved = []
    reads = {k: [] for k in (*pats, "lrs_worst_pu", "hrs_worst_pu")}
    for r in range(reps):
        got = _reads(size, cell, scheme, _seed(seed, size, CELLS.index(cell), SCHEMES.index(scheme), r),
                     setup=setup)
        for k, x in got.items():
            reads[k].append(x)
        for k, v in _margins(got, setup).items():
            per[k].append(v)
        moved.append(_gap_moved(got, setup))
    reads = {k: xs for k, xs in reads.items() if xs}
    every = [x for xs in reads.values() for x in xs]
    row = {"size": size, "rows": size, "cols": size, "cell": cell, "scheme": scheme,
           "realizations": reps, **setup}
    if not resistor:
        row["gap_moved_max_m"] = float(max(moved))
        row["reads_disturbed"] = int(sum(m > GAP_TOL for m in moved))
        row["gap_moved_per_realization_m"] = [float(m) for m in moved]
        lim = rram_read_limits(cell, scheme, setup["r_load"])
        row["read_limits_v"] = lim
    for key, name in (("fixed", "margin_fixed_threshold"), ("voltage", "margin_voltage"),
                      ("same", "read_margin")):
        mean, half = _ci95(per[key])
        row[name] = mean
        row[name + "_ci95"] = half
        row[name + "_per_realization"] = [float(x) for x in per[key]]
    hrs, lrs_same = reads["hrs_worst"], reads["lrs_same"]
    row.update({
        "read_margin_min": float(np.min(per["same"])),
        "sneak_current_a": float(np.mean([h.sneak for h in hrs])),
        "sense_current_lrs_a": float(np.mean([x.sensed for x in lrs_same])),
        "sense_current_lrs_worst_a": float(np.mean([x.sensed for x in reads["lrs_worst"]])),
        "sense_current_hrs_a": float(np.mean([x.sensed for x in hrs])),
        "cell_current_lrs_a": float(np.mean([x.cell for x in lrs_same])),
        "cell_current_hrs_a": float(np.mean([x.cell for x in hrs])),
        "half_selected_max_v": float(max(x.half_selected_max_v for x in every)),
        "ngspice_run_s": float(sum(x.run_s for x in every)),
        "accepted_steps": [int(x.steps.get("accepted", 0)) for x in every],
    })
    if cell == "1R":
        row.update({"half_selected_on": None, "selectors_on_other": None, "t_selected_on_s": None,
                    "reads_selector_on_throughout": None, "half_selected_g_norm_max_window": None})
    else:
        sel = [x for x in every]
        row.update({
            # inside the sense window only (crossbar.read): a half-selected selector ON, how
            # many other selectors were ON, the largest half-selected G / G_max
            "half_selected_on": any(x.half_selected_on for x in sel),
            "selectors_on_other": int(max(x.selectors_on for x in sel)),
            "half_selected_g_norm_max_window": float(max(x.half_g_max_window / x.g_max for x in sel)),
            # [LRS (same background) reads..., HRS (worst) reads...], s after the plateau began
            "t_selected_on_s": [x.t_selected_on for x in lrs_same + hrs],
            # the fraction of reads whose selected selector was ON at every point of the window
            "reads_selector_on_throughout": {k: float(np.mean([x.selected_on_throughout for x in xs]))
                                             for k, xs in reads.items()},
        })
    row["config"] = config(row)
    row["usable"] = bool(_usable(row))
    if cell == "1R" and resistor:
        # the same network solved directly: the netlist and ngspice agree with it
        dc = [solve_dc(spec_for(size, cell, scheme, pats[k])).sense_current
              for k in ("lrs_same", "hrs_worst", "lrs_worst")]
        ng = [reads[k][0].sensed for k in ("lrs_same", "hrs_worst", "lrs_worst")]
        row["nodal_rel_err"] = float(max(abs(a / b - 1.0) for a, b in zip(ng, dc)))
    if keep_trace:
        row["trace"] = _trace(lrs_same[0], hrs[0])
    return row


def voltage_margin(i_lrs_worst: float, i_hrs_worst: float, r_pu: float, v_read: float) -> float:
    """Liang & Wong's read margin: the difference of the sense-node voltages R_pu I of the
    worst LRS and worst HRS reads over the read voltage (usable: > 10 %)."""
    return r_pu * (i_lrs_worst - i_hrs_worst) / v_read


def config(row) -> str:
    """The label of a row's array and read: the cell for the resistor study ("1R", "1S1R");
    for an RRAM row also the memory and its read, e.g. "1S1R rram reverse 4 V 10000 Ohm"."""
    if row.get("memory", "resistor") == "resistor":
        return row["cell"]
    return (f"{row['cell']} {row['memory']} {row['read_polarity']} {row['v_read']:g} V "
            f"{row['r_load']:g} Ohm")


def _usable(row) -> bool:
    """The fixed-threshold margin exceeds USABLE_MARGIN: for live selectors at the lower end
    of its 95 % interval; a 1R array is deterministic (and one 1S1R realization has no
    interval: its value, flagged by ``realizations`` = 1 in the result).  An RRAM row is
    usable only if no read moved a gap (``gap_moved_max_m`` <= GAP_TOL), the selected
    selector switched in every read of every realization (``selector_switched`` = 1: an HRS
    read whose selector never switched reads low by accident, not by its state), and the
    lower end of its interval exceeds USABLE_MARGIN."""
    m, half = row["margin_fixed_threshold"], row["margin_fixed_threshold_ci95"]
    if row.get("memory", "resistor") != "resistor":
        moved = row.get("gap_moved_max_m")
        if moved is None or not np.isfinite(moved) or moved > GAP_TOL:
            return False
        switched = row.get("selector_switched")
        if row["cell"] == "1S1R" and (switched is None or not np.isfinite(switched) or switched < 1.0):
            return False
        return bool(np.isfinite(half) and m - half > USABLE_MARGIN)
    if row["cell"] == "1S1R" and np.isfinite(half):
        return m - half > USABLE_MARGIN
    return m > USABLE_MARGIN


def largest_usable(rows: list) -> dict:
    """{config: {scheme: N}} (:func:`config`: the cell, "1R"/"1S1R", for the resistor study):
    the largest N with margin > USABLE_MARGIN at N and at every smaller size run (None: not
    even the smallest)."""
    configs = list(CELLS)
    for r in rows:
        if config(r) not in configs:
            configs.append(config(r))
    out = {}
    for name in configs:
        out[name] = {}
        for scheme in SCHEMES:
            best = None
            rs = sorted((r for r in rows if config(r) == name and r["scheme"] == scheme),
                        key=lambda r: r["size"])
            if not rs:
                continue  # not run (a partial sweep table)
            for r in rs:
                if not r["usable"]:
                    break
                best = r["size"]
            out[name][scheme] = best
    if not any(out[c] for c in CELLS if c in out) and len(configs) > len(CELLS):
        for c in CELLS:  # an RRAM-only table: no resistor entries
            if not out[c]:
                del out[c]
    return out


def statement(rows: list, usable: dict) -> str:
    """README-ready sentence with the numbers of the run."""
    res = [r for r in rows if r.get("memory", "resistor") == "resistor"]
    mem = [r for r in rows if r.get("memory", "resistor") != "resistor"]
    out = [_statement_resistor(res, usable)] if res else []
    if mem:
        out.append(_statement_memory(mem, usable))
    return "  ".join(out)


def _top(rows) -> dict:
    # the largest size run of each (config, scheme): a partial table (e.g. 64 x 64 only for
    # some schemes) must not call a smaller usable size the limit
    top = {}
    for r in rows:
        key = (config(r), r["scheme"])
        top[key] = max(r["size"], top.get(key, 0))
    return top


def _say(n, top, name, sch):
    if n is None:
        return "none"
    return f">= {n}x{n} (largest run)" if n == top[(name, sch)] else f"{n}x{n}"


def _statement_resistor(rows: list, usable: dict) -> str:
    top = _top(rows)
    reps = max(r["realizations"] for r in rows)
    parts = []
    for cell in CELLS:
        if cell not in usable:
            continue
        parts.append(f"{cell}: " + ", ".join(f"{sch} {_say(usable[cell][sch], top, cell, sch)}"
                                             for sch in SCHEMES if sch in usable[cell]))
    half = [r for r in rows if r["cell"] == "1S1R"]
    n_on = sum(1 for r in half if r["half_selected_on"])
    conf = (f"lower end of the 95 % interval over {reps} realizations" if reps > 1
            else "one realization, no interval")
    return (f"Largest usable crossbar (fixed-threshold worst case: lowest LRS reading, others HRS, "
            f"vs highest HRS reading, others LRS; margin > {USABLE_MARGIN:.0%}, 1S1R: {conf}; "
            f"{PULSE.amplitude:g} V read, LRS {ARRAY['r_lrs']:g} Ohm / HRS {ARRAY['r_hrs']:g} Ohm, "
            f"{ARRAY['r_wire']:g} Ohm per wire segment): " + "; ".join(parts) +
            f".  Half-selected selectors turned ON inside the sense window in {n_on} of {len(half)} "
            f"1S1R configurations.")


def _statement_memory(rows: list, usable: dict) -> str:
    top = _top(rows)
    reps = min(r["realizations"] for r in rows)
    parts = []
    for name in dict.fromkeys(config(r) for r in rows):
        parts.append(f"{name}: " + ", ".join(f"{sch} {_say(usable[name][sch], top, name, sch)}"
                                             for sch in SCHEMES if sch in usable[name]))
    moved = sum(1 for r in rows if r.get("reads_disturbed"))
    return (f"RRAM memories (Stanford model, gaps g_min/g_max), largest usable array (no gap moved in "
            f"any read, the selected selector switched in every read, and the lower end of the "
            f"fixed-threshold margin's 95 % interval over >= {reps} realizations > {USABLE_MARGIN:.0%}; {ARRAY['r_wire']:g} Ohm per wire segment, "
            f"{ARRAY['r_driver']:g} Ohm drivers): " + "; ".join(parts) +
            f".  A gap moved in {moved} of {len(rows)} configurations.")


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None,
        sizes=None, memory: str = "resistor", read_polarity: str | None = None,
        v_read: float | None = None, r_load: float | None = None, cells=None, schemes=None) -> dict:
    """The study at ``sizes`` (default: 2..64, quick 2..8) with ``realizations`` selector
    seeds per 1S1R row (default 5, quick 2).  ``memory="rram"`` reads Stanford RRAM cells
    (``read_polarity``, ``v_read``, ``r_load``: :func:`read_setup`; default cells 1S1R
    only, sizes 2..16 and quick 2..4)."""
    from ..progress import Progress

    rram = str(memory).lower() != "resistor"
    default_sizes = (QUICK_SIZES[:2] if quick else SIZES[:4]) if rram else (QUICK_SIZES if quick else SIZES)
    sizes = tuple(sizes) if sizes is not None else default_sizes
    cells = tuple(cells) if cells is not None else (("1S1R",) if rram else CELLS)
    schemes = tuple(schemes) if schemes is not None else SCHEMES
    trace = QUICK_TRACE if quick else TRACE
    if rram:
        trace = (min(sizes), "v/2")
    realizations = realizations or (2 if quick else 5)
    # every row's read, validated before the first simulation (a refused read: one line)
    setups = {(c, s): read_setup(memory, read_polarity, v_read, r_load, cell=c, scheme=s)
              for c in cells for s in schemes}
    rows = []
    jobs = [(n, c, s) for n in sizes for c in cells for s in schemes]
    with Progress(len(jobs), "crossbar-sneak", enabled=progress) as bar:
        for n, c, s in jobs:
            keep = c == "1S1R" and (n, s) == trace
            rows.append(measure(n, c, s, seed=seed, realizations=realizations, keep_trace=keep,
                                setup=setups[(c, s)]))
            bar.update(1)
    traced = next((r for r in rows if "trace" in r), None)
    usable = largest_usable(rows)
    setup = next(iter(setups.values()))
    return {
        "params": {"sizes": list(sizes), "array": ARRAY, "selector_model": SELECTOR_MODEL,
                   "memory": setup["memory"], "read_polarity": setup["read_polarity"],
                   "r_load_ohm": setup["r_load"],
                   "pulse": {**{k: getattr(PULSE, k) for k in ("kind", "amplitude", "delay", "rise",
                                                               "width", "fall")},
                             "amplitude": setup["v_read"]},
                   "usable_margin": USABLE_MARGIN, "selector_on_fraction": 0.1,
                   "sense_window": "second half of the plateau", "selected_cell": "(0, N-1)",
                   "pull_up_ohm": R_PU if not rram else setup["r_load"],
                   "margins": {
                       "margin_fixed_threshold": "(I_LRS,min - I_HRS,max) / I_LRS,min: lowest LRS "
                                                 "reading (others HRS) vs highest HRS reading "
                                                 "(others LRS), one fixed sense threshold",
                       "margin_voltage": "R_pu (I_LRS,min - I_HRS,max) / V_read with the sense "
                                         "resistance replaced by the pull-up R_pu (Liang & Wong, "
                                         "IEEE TED 57, 2531 (2010))",
                       "read_margin": "(I_LRS - I_HRS) / I_LRS with every other cell LRS in both "
                                      "reads (the earlier, optimistic definition)"},
                   "confidence": "mean and 95 % Student-t interval over realizations (independent "
                                 "selector seeds); 1R arrays are deterministic"},
        "realizations": realizations,
        "results": [{k: v for k, v in r.items() if k != "trace"} for r in rows],
        "trace": None if traced is None else {"size": traced["size"], "scheme": traced["scheme"],
                                              **traced["trace"]},
        "largest_usable": usable,
        "statement": statement(rows, usable),
    }


# -- figures ------------------------------------------------------------------------------------
def plot(result: dict, path) -> None:
    """Read margin vs array size (``path``), and the time-resolved read (``*_read.png``)."""
    from pathlib import Path

    from matplotlib.figure import Figure

    from ..io import atomic_savefig

    rows = result["results"]
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.subplots()
    styles = {"floating": ":", "v/2": "-", "v/3": "--"}
    colors = {"1R": "C3", "1S1R": "C0"}
    for cell in CELLS:
        for scheme in SCHEMES:
            rs = sorted((r for r in rows if r["cell"] == cell and r["scheme"] == scheme),
                        key=lambda r: r["size"])
            if not rs:
                continue
            n = [r["size"] for r in rs]
            m = [100 * r["margin_fixed_threshold"] for r in rs]
            ci = [r["margin_fixed_threshold_ci95"] for r in rs]  # None/NaN: no interval
            err = [100 * c if c is not None and np.isfinite(c) else 0.0 for c in ci]
            mem = rs[0].get("memory", "resistor")
            ax.errorbar(n, m, yerr=err, fmt=styles[scheme], marker="o", color=colors[cell], capsize=3,
                        label=f"{cell}{'' if mem == 'resistor' else ' ' + mem}, {scheme}")
            for r in rs:
                if r.get("half_selected_on"):
                    ax.plot(r["size"], 100 * r["margin_fixed_threshold"], "x", color="k", ms=9)
    ax.axhline(100 * result["params"]["usable_margin"], color="0.5", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("array size N (N x N)")
    ax.set_ylabel("fixed-threshold read margin (%)")
    ax.set_ylim(-100, 100)
    ax.set_title("Worst-case read margin, mean and 95 % interval (x: half-selected selector ON)",
                 fontsize=9)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)

    tr = result.get("trace")
    if not tr:
        return
    path = Path(path)
    pulse = result["params"]["pulse"]
    fig = Figure(figsize=(6.4, 6.0))
    (a1, a2) = fig.subplots(2, 1, sharex=True)
    t_on = pulse["delay"] + pulse["rise"]
    t_off = t_on + pulse["width"]
    for key, color in (("lrs", "C0"), ("hrs", "C1")):
        d = tr[key]
        t = np.asarray(d["time_s"]) * 1e6
        a1.plot(t, np.asarray(d["sense_current_a"]) * 1e6, color=color,
                label=f"sensed, selected cell {key.upper()}")
        a2.semilogy(t, np.asarray(d["selected_g_norm"]), color=color,
                    label=f"selected selector ({key.upper()} cell)")
        a2.semilogy(t, np.asarray(d["half_selected_g_norm_max"]), color=color, ls="--",
                    label=f"largest half-selected selector ({key.upper()} read)")
    for a in (a1, a2):
        a.axvspan((t_off - 0.5 * pulse["width"]) * 1e6, t_off * 1e6, color="0.9", zorder=0)
    tp = np.array([0, pulse["delay"], t_on, t_off, t_off + pulse["fall"]]) * 1e6
    vp = np.array([0, 0, 1, 1, 0]) * pulse["amplitude"]
    av = a1.twinx()
    av.plot(tp, vp, color="0.4", lw=0.8)
    av.set_ylabel("selected row (V)", color="0.4")
    a1.set_ylabel("sense current (uA)")
    a1.legend(fontsize=8, loc="center right")
    a2.axhline(result["params"]["selector_on_fraction"], color="k", lw=0.8, ls=":")
    a2.set_ylabel("selector G / G_max")
    a2.set_xlabel("time (us)   (shaded: sense window)")
    a2.legend(fontsize=7, loc="center right")
    n = tr["size"]
    a1.set_title(f"Read of cell (0, {n - 1}) in a {n}x{n} 1S1R array, {tr['scheme']} scheme")
    fig.tight_layout()
    atomic_savefig(fig, path.with_name(path.stem + "_read.png"), dpi=120)


def plot_window(rows: list, path) -> None:
    """The RRAM read-voltage window: the fixed-threshold margin (mean, 95 % interval) against
    the read voltage, one line per array size (and polarity), open markers where the read
    failed (:func:`window_table`), the 10 % line."""
    from matplotlib.figure import Figure

    from ..io import atomic_savefig

    rows = [r for r in rows if r.get("memory", "resistor") != "resistor"]
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.subplots()
    sizes = sorted({r["size"] for r in rows})
    for k, n in enumerate(sizes):
        for pol, ls in (("reverse", "-"), ("forward", ":")):
            rs = sorted((r for r in rows if r["size"] == n and r["read_polarity"] == pol),
                        key=lambda r: r["v_read"])
            if not rs:
                continue
            shift = 0.03 * (k - 0.5 * (len(sizes) - 1))  # side by side, not on top
            v = [r["v_read"] + shift for r in rs]
            m = [100 * r["margin_fixed_threshold"] for r in rs]
            err = [100 * r["margin_fixed_threshold_ci95"] if np.isfinite(r["margin_fixed_threshold_ci95"])
                   else 0.0 for r in rs]
            line = ax.errorbar(v, m, yerr=err, fmt=ls, color=f"C{k}", capsize=3,
                               label=f"{n}x{n}, {pol}")
            for r, x, y in zip(rs, v, m):
                ax.plot(x, y, "o", color=line[0].get_color(),
                        mfc=line[0].get_color() if window_works(r) else "white", ms=6)
    ax.axhline(100 * USABLE_MARGIN, color="0.5", lw=0.8)
    ax.set_ylim(-100, 100)
    ax.set_xlabel("read voltage (V; sizes side by side)")
    ax.set_ylabel("fixed-threshold read margin (%)")
    ax.set_title("RRAM 1S1R read window, mean and 95 % interval (open: fails)", fontsize=9)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=120)
