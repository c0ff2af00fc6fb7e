"""Result files of a bridge run: DIR/<stem>.csv, .json and .png (written atomically)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from ..errors import SimulationError
from ..io import atomic_savefig, atomic_write_bytes, atomic_write_json, atomic_write_text, ensure_dir


def write_csv(result, path) -> Path:
    """time, every saved vector, then g(NAME) in S and temp(NAME) in K, one row per point."""
    cols = result.columns()
    names = list(cols)
    data = np.column_stack([np.asarray(cols[n], dtype=float) for n in names]) if names else np.zeros((0, 0))
    buf = io.StringIO()
    buf.write(",".join(names) + "\n")
    if data.size:
        np.savetxt(buf, data, delimiter=",", fmt="%.10g")
    return atomic_write_text(path, buf.getvalue())


#: Vector types of an ngspice raw file, by the prefix of our column names.
_RAW_TYPES = (("time", "time"), ("v(", "voltage"), ("i(", "current"))


def write_raw(result, path) -> Path:
    """The run as an ngspice *binary raw file* (the format ngspice writes and waveform viewers
    read: ngspice's ``load``, Xschem, gaw, spicelib's ``RawRead``), atomically.

    Vectors: ``time`` (s), every saved ``v(...)`` (V) and ``i(...)`` (A), then ``g(NAME)`` (S)
    and ``temp(NAME)`` (K) of every device, the same columns as the CSV.  The header is ASCII
    ("Title:", "Date:", "Plotname:", "Flags: real", "No. Variables:", "No. Points:",
    "Variables:" with one ``<index> <name> <type>`` line each, "Binary:"), followed by the
    points as little-endian float64, one point after the other (ngspice's layout).
    """
    import datetime as _dt

    cols = result.columns()
    names = list(cols)
    n = int(np.asarray(cols["time"]).size)
    plot = "Transient Analysis" if result.analysis.startswith("tran") else (result.analysis or "Operating Point")
    lines = [f"Title: {Path(str(result.netlist)).name}",
             f"Date: {_dt.datetime.now().strftime('%a %b %d %H:%M:%S %Y')}",
             f"Plotname: {plot}", "Flags: real", f"No. Variables: {len(names)}",
             f"No. Points: {n}", "Variables:"]
    for k, name in enumerate(names):
        kind = next((t for prefix, t in _RAW_TYPES if name.startswith(prefix)), "notype")
        lines.append(f"\t{k}\t{name}\t{kind}")
    lines.append("Binary:")
    data = np.column_stack([np.asarray(cols[c], dtype="<f8") for c in names]) if n else np.zeros((0, len(names)))
    payload = ("\n".join(lines) + "\n").encode("ascii", "replace") + np.ascontiguousarray(data, dtype="<f8").tobytes()
    return atomic_write_bytes(path, payload)


def write_parquet(result, path) -> Path:
    """The waveforms as an Apache Parquet table (the columns of the CSV, float64; the units,
    seed and netlist in the table's metadata, where pandas' ``read_parquet`` puts them back
    into ``df.attrs``), atomically.  Needs pandas and pyarrow (``spicemem[data]``)."""
    _require(path, "parquet")
    df = result.to_dataframe()
    df.attrs = {k: df.attrs[k] for k in ("units", "seed", "netlist", "analysis")}
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return atomic_write_bytes(path, buf.getvalue())


def _require(where, fmt: str) -> None:
    """One line naming what is missing when ``fmt`` cannot be written here."""
    import importlib.util

    if fmt == "parquet" and any(importlib.util.find_spec(m) is None for m in ("pandas", "pyarrow")):
        raise SimulationError(f"{where}: --format parquet needs pandas and pyarrow: "
                              f"pip install 'spicemem[data]' (or use --format csv or raw)")


#: The waveform formats of ``--format`` (the writer is looked up when it writes, so a test
#: or a caller may replace write_csv / write_raw / write_parquet).
WRITERS = ("csv", "raw", "parquet")


def _writer(fmt: str):
    return {"csv": write_csv, "raw": write_raw, "parquet": write_parquet}[fmt]


def summary(result, netlist_path: str) -> dict:
    return {
        "netlist": str(netlist_path),
        "status": "ok" if result.error is None else "stopped",
        "error": result.error,
        "analysis": result.analysis,
        "seed": result.seed,
        "devices": result.devices,
        "steps": result.steps,
        "points": int(result.time.size),
        "t_end_s": float(result.time[-1]) if result.time.size else None,
        "step_control": result.step_control,
        "diagnostics": {k: v for k, v in result.extra.items() if k != "run_time_s"},
        "wall_time_s": result.wall_time,
        "ngspice_version": result.ngspice_version,
        "validity": result.extra.get("validity", []),
        "columns": {"time": "s", "v(...)": "V", "i(...)": "A", "g(...)": "S (as used by ngspice)",
                    "temp(...)": "K"},
    }


PLOT_POINTS = 20000
#: A device named as the crossbar generator names cells: X<row>_<col>.N<name>.
_CELL = re.compile(r"^x(\d+)_(\d+)\.n\w+$", re.IGNORECASE)


def _array_cells(names) -> dict | None:
    """{(row, col): device index} if the devices are the cells of a crossbar (at least 4),
    else None."""
    cells = {}
    for k, name in enumerate(names):
        m = _CELL.match(name)
        if m is None:
            return None
        cells.setdefault((int(m.group(1)), int(m.group(2))), k)
    return cells if len(cells) >= 4 else None


_UNIT_LABEL = {"V": "voltage (V)", "A": "current (A)", "S": "conductance (S)", "K": "temperature (K)"}


def check_plot(result, names) -> list:
    """The columns ``--plot`` names, case-insensitively, as the result spells them; a name the
    run does not have is a one-line error listing a few that it has."""
    cols = {c.lower(): c for c in result.columns() if c != "time"}
    out = []
    for name in names:
        col = cols.get(name.strip().lower())
        if col is None:
            have = ", ".join(list(cols.values())[:12]) + (", ..." if len(cols) > 12 else "")
            raise SimulationError(f"--plot: the run has no vector {name.strip()!r} (it has: {have})")
        out.append(col)
    return out


def _write_named_png(result, path, title, names) -> Path:
    """One panel per unit (V, A, S, K) with the named columns against time."""
    from matplotlib.figure import Figure

    units = result.units()
    groups: dict = {}
    for name in names:
        groups.setdefault(units.get(name, ""), []).append(name)
    fig = Figure(figsize=(8, 2.4 + 2.2 * len(groups)), constrained_layout=True)
    axes = fig.subplots(len(groups), 1, sharex=True, squeeze=False)[:, 0]
    t = result.time * 1e6
    stride = max(1, t.size // PLOT_POINTS)
    cols = result.columns()
    for ax, (unit, members) in zip(axes, groups.items()):
        log = unit == "S"
        for name in members:
            y = np.asarray(cols[name], dtype=float)[::stride]
            (ax.semilogy if log else ax.plot)(t[::stride], np.maximum(y, 1e-300) if log else y,
                                              label=name, lw=1)
        ax.set_ylabel(_UNIT_LABEL.get(unit, unit))
        ax.legend(fontsize=7, loc="best")
    axes[-1].set_xlabel("time (us)")
    fig.suptitle(title + (f"  [stopped: {result.error}]" if result.error else ""), fontsize=9)
    return atomic_savefig(fig, path, dpi=110)


def write_png(result, path, title: str = "", plot=None) -> Path:
    """A preview of the run; ``plot`` (a list of column names, e.g. ``['v(mid)', 'g(X1.N2)']``)
    draws exactly those, one panel per unit.  Otherwise:  Top: the node voltages, or -- in a netlist with more than 8
    nodes, e.g. a crossbar -- the currents of the 8 voltage sources that carry the most
    (a crossbar's sense and driver currents).  Bottom: the devices' conductances, or for a
    crossbar (devices named ``X<i>_<j>.N...`` by the generator) a map of every cell's
    conductance at the moment the devices conduct most."""
    from matplotlib.figure import Figure

    if plot:
        return _write_named_png(result, path, title, check_plot(result, plot))
    cells = _array_cells(result.device_names)
    fig = Figure(figsize=(8, 6) if cells is None else (11, 5), constrained_layout=True)
    if cells is None:
        ax1, ax2 = fig.subplots(2, 1, sharex=True)
    else:
        ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1.0]})
    t = result.time * 1e6
    # a preview: at most ~20000 points a curve (the CSV has every point)
    stride = max(1, t.size // PLOT_POINTS)
    volts = [n for n in result.vectors if n.startswith("v(")]
    amps = [n for n in result.vectors if n.startswith("i(")]
    if len(volts) > 8 and amps:
        amps.sort(key=lambda n: -float(np.max(np.abs(result.vectors[n]))) if result.vectors[n].size else 0.0)
        for name in amps[:8]:
            ax1.plot(t[::stride], result.vectors[name][::stride] * 1e6, label=name, lw=1)
        ax1.set_ylabel("source current (uA)")
        shown = min(8, len(amps))
    else:
        for name in volts[:8]:
            ax1.plot(t[::stride], result.vectors[name][::stride], label=name, lw=1)
        ax1.set_ylabel("voltage (V)")
        shown = min(8, len(volts))
    ax1.set_xlabel("time (us)")
    if shown:
        ax1.legend(fontsize=7, loc="best")
    if cells is None:
        for k, name in enumerate(result.device_names[:16]):
            ax2.semilogy(t[::stride], np.maximum(result.conductance[k][::stride], 1e-300),
                         label=f"g({name})", lw=1)
        ax2.set_ylabel("conductance (S)")
        ax2.set_xlabel("time (us)")
        if result.device_names:
            ax2.legend(fontsize=7, loc="best")
    elif t.size:
        g = result.device_conductance
        k_t = int(np.argmax(g.sum(axis=0)))
        rows = 1 + max(i for i, _ in cells)
        cols = 1 + max(j for _, j in cells)
        grid = np.full((rows, cols), np.nan)
        for (i, j), k in cells.items():
            grid[i, j] = g[k, k_t]
        im = ax2.imshow(np.log10(np.maximum(grid, 1e-300)), cmap="viridis", origin="upper")
        fig.colorbar(im, ax=ax2, label="log10 conductance (S)")
        ax2.set_title(f"cell devices at t = {t[k_t]:.3g} us (most conducting)", fontsize=8)
        ax2.set_xlabel("column")
        ax2.set_ylabel("row")
        if max(rows, cols) <= 16:
            ax2.set_xticks(range(cols))
            ax2.set_yticks(range(rows))
    fig.suptitle(title + (f"  [stopped: {result.error}]" if result.error else ""), fontsize=9)
    return atomic_savefig(fig, path, dpi=110)


class ResultsInterrupted(SimulationError):
    """Ctrl-C while result files were being written; the message says which are on disk."""


def write_results(result, out_dir, stem: str, netlist_path: str = "", fmt: str = "csv",
                  plot=None) -> list:
    """Write DIR/<stem>.json, the waveforms (``fmt``: ``csv``, ``raw`` (an ngspice binary
    raw file) or ``parquet``) and .png, each atomically; return their paths.

    The small summary comes first.  A Ctrl-C while writing stops at once: the file being
    written is not left half-written, and ResultsInterrupted names the files already on disk.
    """
    if fmt not in WRITERS:
        raise ValueError(f"unknown result format {fmt!r}: choose one of {', '.join(WRITERS)}")
    out = ensure_dir(out_dir)
    jobs = ((f"{stem}.json", lambda p: atomic_write_json(p, summary(result, netlist_path or result.netlist))),
            (f"{stem}.{fmt}", lambda p: _writer(fmt)(result, p)),
            (f"{stem}.png", lambda p: write_png(result, p, title=Path(netlist_path or stem).name,
                                                plot=plot)))
    paths = []
    for fname, write in jobs:
        try:
            paths.append(write(out / fname))
        except KeyboardInterrupt:
            done = ", ".join(str(p) for p in paths) or "nothing"
            raise ResultsInterrupted(f"interrupted while writing {str(out / fname)!r}; on disk: "
                                     f"{done}") from None
    return paths


def run_to_files(netlist, out_dir, seed: int, fmt: str = "csv", progress=None, plot=None,
                 max_memory=None) -> list:
    """The ``spicemem run`` command: run ``netlist`` and write its result files.

    A run that stops early (non-convergence, Ctrl-C) still writes what it computed, then
    raises SimulationError naming the netlist and what happened.  ``progress``: as in
    :func:`~spicemem.bridge.run.run_netlist` (None: a bar on stderr when it is a terminal).
    """
    from .run import BridgeInterrupted, BridgeRunError, run_netlist

    stem = Path(str(netlist)).stem or "netlist"
    ensure_dir(out_dir)  # fail on an unwritable directory before running anything
    if fmt not in WRITERS:
        raise ValueError(f"unknown result format {fmt!r}: choose one of {', '.join(WRITERS)}")
    _require(out_dir, fmt)
    try:
        result = run_netlist(netlist, seed=seed, progress=progress, max_memory=max_memory)
    except (BridgeRunError, BridgeInterrupted) as exc:
        if exc.result is None:
            raise SimulationError(f"{exc}; nothing was written") from None
        try:
            write_results(exc.result, out_dir, stem, str(netlist), fmt, plot)
        except ResultsInterrupted as again:
            raise SimulationError(f"{exc}; then {again}") from None
        raise SimulationError(f"{exc}; results so far written to {out_dir}") from None
    return write_results(result, out_dir, stem, str(netlist), fmt, plot)
