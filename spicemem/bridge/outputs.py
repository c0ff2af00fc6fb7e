"""Result files of a bridge run: DIR/<stem>.csv, .json and .png (written atomically)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..errors import SimulationError
from ..io import atomic_savefig, atomic_write_json, atomic_write_text, ensure_dir


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
        "wall_time_s": result.wall_time,
        "ngspice_version": result.ngspice_version,
        "validity": result.extra.get("validity", []),
        "columns": {"time": "s", "v(...)": "V", "i(...)": "A", "g(...)": "S (as used by ngspice)",
                    "temp(...)": "K"},
    }


def write_png(result, path, title: str = "") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 6), constrained_layout=True)
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    t = result.time * 1e6
    shown = 0
    for name, arr in result.vectors.items():
        if name.startswith("v(") and shown < 8:
            ax1.plot(t, arr, label=name, lw=1)
            shown += 1
    ax1.set_ylabel("voltage (V)")
    if shown:
        ax1.legend(fontsize=7, loc="best")
    for k, name in enumerate(result.device_names[:16]):
        ax2.semilogy(t, np.maximum(result.conductance[k], 1e-300), label=f"g({name})", lw=1)
    ax2.set_ylabel("conductance (S)")
    ax2.set_xlabel("time (us)")
    if result.device_names:
        ax2.legend(fontsize=7, loc="best")
    fig.suptitle(title + (f"  [stopped: {result.error}]" if result.error else ""), fontsize=9)
    return atomic_savefig(fig, path, dpi=110)


def write_results(result, out_dir, stem: str, netlist_path: str = "") -> list:
    """Write DIR/<stem>.csv, .json and .png; return their paths."""
    out = ensure_dir(out_dir)
    paths = [write_csv(result, out / f"{stem}.csv"),
             atomic_write_json(out / f"{stem}.json", summary(result, netlist_path or result.netlist))]
    paths.append(write_png(result, out / f"{stem}.png", title=Path(netlist_path or stem).name))
    return paths


def run_to_files(netlist, out_dir, seed: int) -> list:
    """The ``spicemem run`` command: run ``netlist`` and write its result files.

    A run that stops early (non-convergence, Ctrl-C) still writes what it computed, then
    raises SimulationError naming the netlist and what happened.
    """
    from .run import BridgeInterrupted, BridgeRunError, run_netlist

    stem = Path(str(netlist)).stem or "netlist"
    ensure_dir(out_dir)  # fail on an unwritable directory before running anything
    try:
        result = run_netlist(netlist, seed=seed)
    except BridgeRunError as exc:
        if exc.result is not None:
            write_results(exc.result, out_dir, stem, str(netlist))
        raise SimulationError(f"{exc}; results so far written to {out_dir}") from None
    except BridgeInterrupted as exc:
        if exc.result is not None:
            write_results(exc.result, out_dir, stem, str(netlist))
        raise SimulationError(f"{exc}; results so far written to {out_dir}") from None
    return write_results(result, out_dir, stem, str(netlist))
