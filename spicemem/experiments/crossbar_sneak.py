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


def spec_for(size: int, cell: str, scheme: str, pattern) -> Crossbar:
    """A read of cell (0, N-1) of the study with the stored ``pattern``, or (an int state) the
    selected cell in that state with every other cell LRS."""
    selected = (0, size - 1)
    if isinstance(pattern, int):
        pattern = worst_case_pattern(size, size, selected, pattern)
    return Crossbar(size, size, cell=cell, scheme=scheme, selected=selected, pattern=pattern,
                    pulse=PULSE, analysis="tran" if cell == "1S1R" else "op", **ARRAY)


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
           worst_only: bool = False, voltage_only: bool = False) -> dict:
    """The five reads of one realization (every read with the same base seed); with live
    selectors, ``worst_only`` makes only the two that the fixed-threshold margin needs and
    ``voltage_only`` only the two on the pull-up that the voltage margin needs (the same
    seed, so they pair with a ``worst_only`` row of the same seed)."""
    from ..crossbar.read import read

    if worst_only and voltage_only:
        raise ValueError("worst_only and voltage_only exclude each other: each keeps only the "
                         "two reads of its own margin")
    pats = _patterns(size)
    live = cell == "1S1R"  # 1R reads are operating points (cheap, deterministic): always all five

    def spec(pat):
        return spec_for(size, cell, scheme, pat).replace(selector_model=selector_model)

    got = {}
    if not (voltage_only and live):
        keep = ("lrs_worst", "hrs_worst") if worst_only and live else tuple(pats)
        got = {k: read(spec(pats[k]), seed=seed) for k in keep}
    if not (worst_only and live):
        for k in ("lrs_worst", "hrs_worst"):
            got[k + "_pu"] = read(spec(pats[k]).replace(r_sense=R_PU), seed=seed)
    return got


def _margins(got: dict) -> dict:
    """{same, fixed, voltage}: the three margins of one realization's reads (NaN for those
    whose reads were not made)."""
    from ..crossbar.read import read_margin

    nan = float("nan")
    return {"same": read_margin(got["lrs_same"].sensed, got["hrs_worst"].sensed) if "lrs_same" in got else nan,
            "fixed": read_margin(got["lrs_worst"].sensed, got["hrs_worst"].sensed) if "lrs_worst" in got else nan,
            "voltage": voltage_margin(got["lrs_worst_pu"].sensed, got["hrs_worst_pu"].sensed,
                                      R_PU, PULSE.amplitude) if "lrs_worst_pu" in got else nan}


#: The metrics of :func:`sweep_realization` (one row of a ``spicemem sweep`` table).
SWEEP_METRICS = ("margin_fixed_threshold", "margin_voltage", "read_margin", "sense_current_lrs_worst_a",
                 "sense_current_hrs_a", "sneak_current_a", "half_selected_on",
                 "half_selected_g_norm_max_window", "reads_selector_on_throughout")


def sweep_realization(*, seed: int, size: int, cell: str, scheme: str,
                      selector_model: str = SELECTOR_MODEL, worst_only: bool = False,
                      voltage_only: bool = False) -> dict:
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
    resistor, so NaN here: they belong to the 100 Ohm reads)."""
    got = _reads(int(size), str(cell), str(scheme), int(seed), selector_model, bool(worst_only),
                 bool(voltage_only))
    m = _margins(got)
    nan = float("nan")
    live = [x for x in got.values() if x.selected_on_throughout is not None]
    lrs, hrs = got.get("lrs_worst"), got.get("hrs_worst")
    return {"margin_fixed_threshold": m["fixed"], "margin_voltage": m["voltage"], "read_margin": m["same"],
            "sense_current_lrs_worst_a": lrs.sensed if lrs is not None else nan,
            "sense_current_hrs_a": hrs.sensed if hrs is not None else nan,
            "sneak_current_a": hrs.sneak if hrs is not None else nan,
            "half_selected_on": float(any(x.half_selected_on for x in live)) if live else nan,
            "half_selected_g_norm_max_window": (max(x.half_g_max_window / x.g_max for x in live)
                                                if live else nan),
            "reads_selector_on_throughout": (float(np.mean([x.selected_on_throughout for x in live]))
                                             if live else nan)}


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
    and the realizations behind each 1S1R entry."""
    rows = result["results"]
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
    return "\n".join(out) + "\n"


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
    """{(size, cell, scheme): [csv rows]} of a sweep table's ok rows."""
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

    groups: dict = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("status") != "ok":
                continue
            key = (int(float(value(row, "size"))), str(value(row, "cell")).upper(),
                   str(value(row, "scheme")).lower())
            groups.setdefault(key, []).append(row)
    return groups


def _rows(groups: dict) -> list:
    """The study's rows from :func:`_groups`: each metric over the rows where it is a number
    (``realizations``: the most any margin has)."""
    rows = []
    for (size, cell, scheme), rs in sorted(groups.items()):
        out = {"size": size, "rows": size, "cols": size, "cell": cell, "scheme": scheme}
        counts = []
        for name in SWEEP_METRICS:
            vals = [float(r[name]) for r in rs if r.get(name) not in (None, "")]
            vals = [v for v in vals if np.isfinite(v)]
            if cell == "1R" and name.startswith(("margin", "read_margin")) and vals:
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
        out["usable"] = bool(_usable(out))
        rows.append(out)
    return rows


def measure(size: int, cell: str, scheme: str, *, seed: int, realizations: int = 1,
            keep_trace: bool = False) -> dict:
    """One row of the study (see the module docstring for the margins).

    Every realization reads the selected cell under each stored pattern with its own seed
    (all reads of one realization share it); 1R arrays are deterministic, so one
    realization is exact.  Voltage-margin reads replace the sense resistance by the pull-up
    ``R_PU``.
    """
    from ..crossbar.nodal import solve_dc

    reps = realizations if cell == "1S1R" else 1
    pats = _patterns(size)
    per = {k: [] for k in ("same", "fixed", "voltage")}
    reads = {k: [] for k in (*pats, "lrs_worst_pu", "hrs_worst_pu")}
    for r in range(reps):
        got = _reads(size, cell, scheme, _seed(seed, size, CELLS.index(cell), SCHEMES.index(scheme), r))
        for k, x in got.items():
            reads[k].append(x)
        for k, v in _margins(got).items():
            per[k].append(v)
    every = [x for xs in reads.values() for x in xs]
    row = {"size": size, "rows": size, "cols": size, "cell": cell, "scheme": scheme,
           "realizations": reps}
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
    row["usable"] = bool(_usable(row))
    if cell == "1R":
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


def _usable(row) -> bool:
    """The fixed-threshold margin exceeds USABLE_MARGIN: for live selectors at the lower end
    of its 95 % interval; a 1R array is deterministic (and one 1S1R realization has no
    interval: its value, flagged by ``realizations`` = 1 in the result)."""
    m, half = row["margin_fixed_threshold"], row["margin_fixed_threshold_ci95"]
    if row["cell"] == "1S1R" and np.isfinite(half):
        return m - half > USABLE_MARGIN
    return m > USABLE_MARGIN


def largest_usable(rows: list) -> dict:
    """{cell: {scheme: N}}: the largest N with margin > USABLE_MARGIN at N and at every
    smaller size run (None: not even the smallest)."""
    out = {}
    for cell in CELLS:
        out[cell] = {}
        for scheme in SCHEMES:
            best = None
            rs = sorted((r for r in rows if r["cell"] == cell and r["scheme"] == scheme),
                        key=lambda r: r["size"])
            if not rs:
                continue  # not run (a partial sweep table)
            for r in rs:
                if not r["usable"]:
                    break
                best = r["size"]
            out[cell][scheme] = best
    return out


def statement(rows: list, usable: dict) -> str:
    """README-ready sentence with the numbers of the run."""
    # the largest size run of each (cell, scheme): a partial table (e.g. 64 x 64 only for some
    # schemes) must not call a smaller usable size the limit
    top = {}
    for r in rows:
        top[(r["cell"], r["scheme"])] = max(r["size"], top.get((r["cell"], r["scheme"]), 0))
    reps = max(r["realizations"] for r in rows)

    def say(n, cell, sch):
        if n is None:
            return "none"
        return f">= {n}x{n} (largest run)" if n == top[(cell, sch)] else f"{n}x{n}"

    parts = []
    for cell in CELLS:
        parts.append(f"{cell}: " + ", ".join(f"{sch} {say(usable[cell][sch], cell, sch)}" for sch in SCHEMES
                                             if sch in usable[cell]))
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


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None,
        sizes=None) -> dict:
    """The study at ``sizes`` (default: 2..64, quick 2..8) with ``realizations`` selector
    seeds per 1S1R row (default 5, quick 2)."""
    from ..progress import Progress

    sizes = tuple(sizes) if sizes is not None else (QUICK_SIZES if quick else SIZES)
    trace = QUICK_TRACE if quick else TRACE
    realizations = realizations or (2 if quick else 5)
    rows = []
    jobs = [(n, c, s) for n in sizes for c in CELLS for s in SCHEMES]
    with Progress(len(jobs), "crossbar-sneak", enabled=progress) as bar:
        for n, c, s in jobs:
            keep = c == "1S1R" and (n, s) == trace
            rows.append(measure(n, c, s, seed=seed, realizations=realizations, keep_trace=keep))
            bar.update(1)
    traced = next((r for r in rows if "trace" in r), None)
    usable = largest_usable(rows)
    return {
        "params": {"sizes": list(sizes), "array": ARRAY, "selector_model": SELECTOR_MODEL,
                   "pulse": {k: getattr(PULSE, k) for k in ("kind", "amplitude", "delay", "rise",
                                                            "width", "fall")},
                   "usable_margin": USABLE_MARGIN, "selector_on_fraction": 0.1,
                   "sense_window": "second half of the plateau", "selected_cell": "(0, N-1)",
                   "pull_up_ohm": R_PU,
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
            ax.errorbar(n, m, yerr=err, fmt=styles[scheme], marker="o", color=colors[cell], capsize=3,
                        label=f"{cell}, {scheme}")
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
