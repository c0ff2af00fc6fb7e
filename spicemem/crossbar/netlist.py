"""Crossbar netlists: a :class:`~spicemem.crossbar.spec.Crossbar` as ngspice text.

Layout (node names, used by the readers of the results)::

    Vr<i> dr<i> 0 <wave>           row driver (selected row: the pulse; others: bias or none)
    Rdr<i> dr<i> r<i>_in R_driver
    Rwr<i>_<j> r<i>_<j-1> r<i>_<j> R_wire       (r<i>_-1 is r<i>_in)
    X<i>_<j> r<i>_<j> c<i>_<j> cell_lrs|cell_hrs
    Rwc<j>_<i> c<i-1>_<j> c<i>_<j> R_wire       (c-1 is the top end, left open)
    Rwc<j>_<R> c<R-1>_<j> cb<j> R_wire
    Rc<j> cb<j> dc<j> R_sense (selected column) or R_driver
    Vc<j> dc<j> 0 <wave>           column termination (selected: 0 V, the sense current)

Rows are driven from the column-0 end, columns terminate at the row R-1 end.  A zero
resistance merges its two nodes (no element is written).  A floating line has no driver
and no end segment.  Every cell is a subcircuit, one per stored state::

    .param vread=4 rwire=2 rdriver=100 rsense=100 rlrs=10000 rhrs=100000 [rsel=...]
    .subckt cell_lrs row col        1S1R: Rm row mid {rlrs} / Nsel col mid sel
    .ends                           1R:   Rm row col {rlrs}

Every array-wide value is a ``.param`` (elements read ``{rwire}``, sources ``{vread/2}``), so
one line changes it everywhere; ``cell_lrs`` and ``cell_hrs`` are both always defined, so an
``X`` line can be switched by hand.

(``Nmem row mid mem x0=...`` for a drift memory, ``Nmem row mid mem gap0=...`` for an RRAM
memory; ``Nmem mid row ...`` with ``memory_reversed``).  The selector's n+ terminal is the
column side (``selector_reversed``), so that the read pulse drives it in its switching
polarity.
"""

from __future__ import annotations

from pathlib import Path

from .spec import HRS, LRS, Crossbar, bias_levels, memory_types


def _num(x: float) -> str:
    return f"{x:.15g}"


# -- node names ------------------------------------------------------------------------------
def row_node(spec: Crossbar, i: int, j: int) -> str:
    """Node of row ``i`` at column ``j`` (``j = -1``: the driven end)."""
    if spec.r_wire == 0.0:
        return f"r{i}"
    return f"r{i}_in" if j < 0 else f"r{i}_{j}"


def col_node(spec: Crossbar, i: int, j: int) -> str:
    """Node of column ``j`` at row ``i`` (``i = rows``: the terminated end)."""
    if spec.r_wire == 0.0:
        return f"c{j}"
    return f"cb{j}" if i >= spec.rows else f"c{i}_{j}"


def sense_source(spec: Crossbar) -> str:
    """Name (lowercase) of the 0 V source whose current is the sensed current (A, positive
    into the sense amplifier)."""
    return f"vc{spec.selected[1]}"


def row_source(spec: Crossbar) -> str:
    """Name (lowercase) of the selected row's driver source."""
    return f"vr{spec.selected[0]}"


def selector_name(i: int, j: int) -> str:
    """Hierarchical bridge name of the selector of cell (i, j)."""
    return f"X{i}_{j}.Nsel"


def memory_name(i: int, j: int) -> str:
    """Hierarchical bridge name of the memristor memory of cell (i, j)."""
    return f"X{i}_{j}.Nmem"


# -- waveforms -------------------------------------------------------------------------------
#: The array-wide values of a netlist, as ``.param`` names (one place to change each).
PARAMS = ("vread", "rwire", "rdriver", "rsense", "rlrs", "rhrs", "rsel")


def _level_expr(level: float) -> str:
    """The pulse amplitude times ``level`` as a parameter expression."""
    named = {1.0: "vread", 0.5: "vread/2", 1.0 / 3.0: "vread/3", 2.0 / 3.0: "2*vread/3"}
    for value, expr in named.items():
        if abs(level - value) < 1e-15:
            return expr
    return f"vread*{_num(level)}"


def _wave(spec: Crossbar, level: float) -> str:
    """Source text: the pulse scaled by ``level`` (0 V source when level is 0)."""
    if spec.analysis == "op":
        return "dc 0" if level == 0.0 else f"dc {{{_level_expr(level)}}}"
    if level == 0.0:
        return "dc 0"
    p = spec.pulse
    v = f"{{{_level_expr(level)}}}"
    pts = [(0.0, "0"), (p.delay, "0"), (p.t_on, v), (p.t_off, v), (p.t_off + p.fall, "0")]
    if p.delay == 0.0:
        pts = pts[1:]
    return "pwl(" + " ".join(f"{_num(t)} {x}" for t, x in pts) + ")"


def _cell_subckt(spec: Crossbar, state: int) -> list:
    name = "cell_lrs" if state == LRS else "cell_hrs"
    lines = [f".subckt {name} row col"]
    bottom = "mid" if spec.cell == "1S1R" else "col"
    if spec.memory != "resistor":
        # the bridge reads memristor instance values as numbers, not .param expressions
        init = f"{memory_types()[spec.memory].state_key}={_num(spec.memory_state(state))}"
        plus, minus = (bottom, "row") if spec.memory_reversed else ("row", bottom)
        lines.append(f"Nmem {plus} {minus} mem {init}")
    else:
        lines.append(f"Rm row {bottom} {{{'rlrs' if state == LRS else 'rhrs'}}}")
    if spec.cell == "1S1R":
        plus, minus = ("col", "mid") if spec.selector_reversed else ("mid", "col")
        if spec.selector_resistance is not None:
            lines.append(f"Rsel {plus} {minus} {{rsel}}")
        else:
            lines.append(f"Nsel {plus} {minus} sel")
    lines.append(f".ends {name}")
    return lines


def netlist_text(spec: Crossbar, schedule=None) -> str:
    """The ngspice netlist of ``spec`` (runs with ``spicemem run`` / ``run_netlist``; with
    ``memory='resistor'`` and ``selector_resistance`` set, also in plain ngspice).

    ``schedule`` (a :class:`spicemem.crossbar.schedule.Schedule`) replaces the single pulse
    by a sequence of pulses on chosen cells: every line source gets its own piecewise-linear
    waveform and the ``.tran`` spans the whole sequence (``spec.pulse`` is then unused).
    """
    rows, cols = spec.rows, spec.cols

    def wave(kind, index, level):
        if schedule is None:
            return _wave(spec, level)
        return schedule.wave(spec, kind, index)

    i0, j0 = spec.selected
    p = spec.pulse
    f_row, f_col = bias_levels(spec.scheme)
    kind = "fixed selector" if spec.cell == "1S1R" and not spec.live_selectors else spec.cell
    what = (f"{p.kind} pulse {_num(p.amplitude)} V on cell ({i0}, {j0})" if schedule is None else
            f"a schedule of {len(schedule.events)} pulses (spicemem.crossbar.schedule)")
    lines = [f"* crossbar {rows}x{cols} {spec.cell} ({kind}, {spec.memory} memory), {spec.scheme} "
             f"scheme, {what}",
             "* generated by spicemem.crossbar (docs/crossbar.md); rows driven at column 0, "
             "columns sensed at row " + str(rows - 1),
             "* array-wide values: the .param line (V, Ohm); both cell subcircuits are defined"]
    # The model cards come at a fixed line: the bridge caches a card's parameters (and the
    # selector's hopping tables, ~2 s to build) per card text *and line*.
    if spec.live_selectors:
        lines.append(f".model sel diffusive ({spec.selector_model})")
    if spec.memory != "resistor":
        lines.append(f".model mem {spec.memory} ({spec.memory_card()})")
    # every array-wide value is a parameter: change one line to change it everywhere
    # (a value of 0 merges nodes instead of writing a resistor, so 0 <-> nonzero needs a
    # regenerated netlist)
    values = {"vread": spec.pulse.amplitude, "rwire": spec.r_wire, "rdriver": spec.r_driver,
              "rsense": spec.r_sense, "rlrs": spec.r_lrs, "rhrs": spec.r_hrs}
    if spec.selector_resistance is not None:
        values["rsel"] = spec.selector_resistance
    lines.append(".param " + " ".join(f"{k}={_num(v)}" for k, v in values.items()))
    if rows * cols <= 256:
        lines.append("* stored pattern (1 = LRS, 0 = HRS):")
        lines += ["*   " + " ".join(str(s) for s in r) for r in spec.pattern]
    for state in (LRS, HRS):  # both cells always defined: a hand edit of one X line works
        lines += _cell_subckt(spec, state)

    # rows: driver, end segment, segments between crossings
    for i in range(rows):
        level = 1.0 if i == i0 else f_row
        if level is not None:
            src = f"dr{i}" if spec.r_driver > 0 else row_node(spec, i, -1)
            lines.append(f"Vr{i} {src} 0 {wave('row', i, level)}")
            if spec.r_driver > 0:
                lines.append(f"Rdr{i} {src} {row_node(spec, i, -1)} {{rdriver}}")
        if spec.r_wire > 0:
            first = 0 if level is not None else 1
            for j in range(first, cols):
                lines.append(f"Rwr{i}_{j} {row_node(spec, i, j - 1)} {row_node(spec, i, j)} {{rwire}}")
    # columns: segments, end segment, termination
    for j in range(cols):
        level = 0.0 if j == j0 else f_col
        if spec.r_wire > 0:
            for i in range(1, rows):
                lines.append(f"Rwc{j}_{i} {col_node(spec, i - 1, j)} {col_node(spec, i, j)} {{rwire}}")
            if level is not None:
                lines.append(f"Rwc{j}_{rows} {col_node(spec, rows - 1, j)} {col_node(spec, rows, j)} {{rwire}}")
        if level is not None:
            r_end = spec.r_sense if j == j0 else spec.r_driver
            src = f"dc{j}" if r_end > 0 else col_node(spec, rows, j)
            if r_end > 0:
                lines.append(f"Rc{j} {col_node(spec, rows, j)} {src} {{{'rsense' if j == j0 else 'rdriver'}}}")
            lines.append(f"Vc{j} {src} 0 {wave('col', j, level)}")
    # cells
    for i in range(rows):
        for j in range(cols):
            sub = "cell_lrs" if spec.pattern[i][j] == LRS else "cell_hrs"
            lines.append(f"X{i}_{j} {row_node(spec, i, j)} {col_node(spec, i, j)} {sub}")
    if schedule is not None:
        lines.append(schedule.tran_line(spec))
    elif spec.analysis == "op":
        lines.append(".op")
    else:
        tstep = p.t_stop / 50.0
        tran = f".tran {_num(tstep)} {_num(p.t_stop)}"
        if spec.tmax is not None:
            tran += f" 0 {_num(spec.tmax)}"
        lines.append(tran)
    lines.append(".end")
    return "\n".join(lines) + "\n"


def write_netlist(spec: Crossbar, path) -> Path:
    """Write ``netlist_text(spec)`` to ``path`` and return the file's path.

    ``path`` is a file if it has a suffix (``.cir``), else a directory (created if needed)
    that receives ``crossbar_<tag>.cir``.
    """
    from ..io import atomic_write_text

    path = Path(path)
    if path.is_dir() or not path.suffix:
        path = path / f"crossbar_{spec.tag()}.cir"
    return atomic_write_text(path, netlist_text(spec))


__all__ = ["HRS", "LRS", "col_node", "memory_name", "netlist_text", "row_node", "row_source", "selector_name",
           "sense_source", "write_netlist"]
