"""Sneak paths in crossbar arrays, with and without diffusive selectors (issue 8).

The paper proposes the diffusive memristor as a selector (Wang et al., Nat. Mater. 16, 101
(2017), last paragraph): its threshold switching, delayed and volatile, should suppress
the sneak currents that limit the size of a crossbar.  For N x N arrays (2 ... 64), cells
``1R`` (a memory resistor) and ``1S1R`` (a live diffusive selector in series with it), and
the biasing schemes floating, V/2 and V/3, the worst-case read is measured: the farthest
cell (row 0, last column) in HRS and in LRS while every other cell is LRS.

* read margin = (I_LRS - I_HRS) / I_LRS of the sensed current (usable: > 10 %);
* sneak current = sensed current minus the selected cell's own current (HRS read);
* the half-selected cells' largest voltage, and whether any half-selected selector turned
  ON (G > 0.1 G_max) during the read.

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

DESCRIPTION = "crossbar sneak paths: read margin vs size (2x2..64x64), 1R vs 1S1R, floating/V2/V3"

SIZES = (2, 4, 8, 16, 32, 64)
QUICK_SIZES = (2, 4, 8)
CELLS = ("1R", "1S1R")
#: A read is usable above this margin.
USABLE_MARGIN = 0.10
#: The array parameters of the study (Ohm) and the read pulse.
ARRAY = dict(r_lrs=10e3, r_hrs=100e3, r_wire=2.0, r_driver=100.0, r_sense=100.0)
PULSE = Pulse(kind="read", amplitude=4.0, delay=0.1e-6, rise=50e-9, width=2.0e-6, fall=50e-9)
#: The read shown time-resolved (the second figure): size, scheme.
TRACE = (16, "v/2")
QUICK_TRACE = (8, "v/2")


def spec_for(size: int, cell: str, scheme: str, state: int) -> Crossbar:
    """The worst-case read of the study: cell (0, N-1) in ``state``, every other cell LRS."""
    selected = (0, size - 1)
    return Crossbar(size, size, cell=cell, scheme=scheme, selected=selected,
                    pattern=worst_case_pattern(size, size, selected, state), pulse=PULSE,
                    analysis="tran" if cell == "1S1R" else "op", **ARRAY)


def _seed(seed: int, *keys) -> int:
    ss = np.random.SeedSequence([int(seed), *[int(k) for k in keys]])
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


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


def measure(size: int, cell: str, scheme: str, *, seed: int, realizations: int = 1,
            keep_trace: bool = False) -> dict:
    """One row of the study: LRS and HRS reads of the worst-case cell (``realizations``
    independent seeds for live selectors; both states of one realization share a seed)."""
    from ..crossbar.nodal import solve_dc
    from ..crossbar.read import read, read_margin

    reps = realizations if cell == "1S1R" else 1
    margins, lrs_all, hrs_all = [], [], []
    for r in range(reps):
        s = _seed(seed, size, CELLS.index(cell), SCHEMES.index(scheme), r)
        lrs = read(spec_for(size, cell, scheme, LRS), seed=s)
        hrs = read(spec_for(size, cell, scheme, HRS), seed=s)
        margins.append(read_margin(lrs.sensed, hrs.sensed))
        lrs_all.append(lrs)
        hrs_all.append(hrs)
    both = lrs_all + hrs_all
    row = {
        "size": size, "rows": size, "cols": size, "cell": cell, "scheme": scheme,
        "read_margin": float(np.mean(margins)),
        "read_margin_min": float(np.min(margins)),
        "sneak_current_a": float(np.mean([h.sneak for h in hrs_all])),
        "sense_current_lrs_a": float(np.mean([x.sensed for x in lrs_all])),
        "sense_current_hrs_a": float(np.mean([x.sensed for x in hrs_all])),
        "cell_current_lrs_a": float(np.mean([x.cell for x in lrs_all])),
        "cell_current_hrs_a": float(np.mean([x.cell for x in hrs_all])),
        "half_selected_max_v": float(max(x.half_selected_max_v for x in both)),
        "half_selected_on": None if cell == "1R" else any(x.half_selected_on for x in both),
        "selectors_on_other": None if cell == "1R" else int(max(x.selectors_on for x in both)),
        "t_selected_on_s": None if cell == "1R" else
        [x.t_selected_on for x in both],
        "realizations": reps,
        "ngspice_run_s": float(sum(x.run_s for x in both)),
        "accepted_steps": [int(x.steps.get("accepted", 0)) for x in both],
    }
    row["usable"] = bool(row["read_margin"] > USABLE_MARGIN)
    if cell == "1R":
        # the same network solved directly: the netlist and ngspice agree with it
        dc = [solve_dc(spec_for(size, cell, scheme, st)).sense_current for st in (LRS, HRS)]
        ng = [lrs_all[0].sensed, hrs_all[0].sensed]
        row["nodal_rel_err"] = float(max(abs(a / b - 1.0) for a, b in zip(ng, dc)))
    if keep_trace:
        row["trace"] = _trace(lrs_all[0], hrs_all[0])
    return row


def largest_usable(rows: list) -> dict:
    """{cell: {scheme: N}}: the largest N with margin > USABLE_MARGIN at N and at every
    smaller size run (None: not even the smallest)."""
    out = {}
    for cell in CELLS:
        out[cell] = {}
        for scheme in SCHEMES:
            best = None
            for r in sorted((r for r in rows if r["cell"] == cell and r["scheme"] == scheme),
                            key=lambda r: r["size"]):
                if not r["usable"]:
                    break
                best = r["size"]
            out[cell][scheme] = best
    return out


def statement(rows: list, usable: dict) -> str:
    """README-ready sentence with the numbers of the run."""
    top = max(r["size"] for r in rows)

    def say(n):
        if n is None:
            return "none"
        return f">= {n}x{n} (largest run)" if n == top else f"{n}x{n}"

    parts = []
    for cell in CELLS:
        parts.append(f"{cell}: " + ", ".join(f"{sch} {say(usable[cell][sch])}" for sch in SCHEMES))
    half = [r for r in rows if r["cell"] == "1S1R"]
    n_on = sum(1 for r in half if r["half_selected_on"])
    return (f"Largest usable crossbar (worst-case pattern, read margin > {USABLE_MARGIN:.0%}, "
            f"{PULSE.amplitude:g} V read, LRS {ARRAY['r_lrs']:g} Ohm / HRS {ARRAY['r_hrs']:g} Ohm, "
            f"{ARRAY['r_wire']:g} Ohm per wire segment): " + "; ".join(parts) +
            f".  Half-selected selectors turned ON in {n_on} of {len(half)} 1S1R configurations.")


def run(*, seed: int, realizations: int | None = None, quick: bool = False, progress=None) -> dict:
    from ..progress import Progress

    sizes = QUICK_SIZES if quick else SIZES
    trace = QUICK_TRACE if quick else TRACE
    realizations = realizations or 1
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
                   "sense_window": "second half of the plateau", "selected_cell": "(0, N-1)"},
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
            m = [100 * r["read_margin"] for r in rs]
            ax.plot(n, m, styles[scheme], marker="o", color=colors[cell], label=f"{cell}, {scheme}")
            for r in rs:
                if r.get("half_selected_on"):
                    ax.plot(r["size"], 100 * r["read_margin"], "x", color="k", ms=9)
    ax.axhline(100 * result["params"]["usable_margin"], color="0.5", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("array size N (N x N)")
    ax.set_ylabel("read margin (I_LRS - I_HRS) / I_LRS  (%)")
    ax.set_ylim(0, 100)
    ax.set_title("Worst-case read margin (x: a half-selected selector turned ON)")
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
