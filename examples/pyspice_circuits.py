"""spicemem memristors in PySpice circuits: a 1S1R read and the diffusive + drift synapse.

Builds both circuits with PySpice's ``Circuit`` API (no netlist text written by hand), runs
them through the bridge with :func:`spicemem.pyspice.simulate`, and plots the waveforms the
way a PySpice user reads them (``analysis.branches[...]``, ``analysis.memristors[...]``).
Writes OUT/pyspice_circuits.{png,json}.

1. **1S1R read** (docs/crossbar.md's cell): a 4 V, 2 us read pulse through a 100 Ohm driver,
   a memory resistor (LRS 10 kOhm or HRS 100 kOhm), the diffusive selector of the crossbar
   netlists and a 100 Ohm sense resistor.  The selector turns ON behind the LRS cell, and
   stays (mostly) OFF behind the HRS cell: the read's sense current tells the states apart.
2. **Synapse** (Wang et al. 2017, Fig. 6c,d, the TaOx-weight circuit of netlists/synapse_stdp_taox.cir): a pre and a post
   spike 1 ms apart (pre first) across a diffusive device in series with a TaOx drift device,
   which is read at 0.1 V before and after; the weight change is the ratio of the reads.

    python examples/pyspice_circuits.py --out out [--seed 1] [--quick]

``--quick`` runs 2 read realizations per state instead of 8 (the tests use it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PySpice.Spice.Netlist import Circuit, SubCircuit
from PySpice.Unit import u_Ohm, u_us

from spicemem.io import atomic_savefig, atomic_write_json
from spicemem.pyspice import Memristor, simulate

SELECTOR = dict(preset="wang2017_paper", theta_ambient=0.125, tunnel_length_ratio=0.15,
                friction_ratio=10, heating_ratio=20, r_tunnel=100)
R_LRS, R_HRS = 10e3, 100e3


def read_circuit(r_memory: float, seed: int) -> Circuit:
    c = Circuit(f"1S1R read, memory {r_memory:g} Ohm")
    c.model("sel", "diffusive", **SELECTOR)
    c.PieceWiseLinearVoltageSource("read", "drv", c.gnd,
                                   values=[(0, 0), (0.1e-6, 0), (0.15e-6, 4), (2.15e-6, 4),
                                           (2.2e-6, 0)])
    c.R("drv", "drv", "row", 100 @ u_Ohm)
    c.R("m", "row", "mid", r_memory @ u_Ohm)
    Memristor(c, "sel", "col", "mid", model="sel", seed=seed)  # n+ at the column, as in the crossbar
    c.R("sense", "col", c.gnd, 100 @ u_Ohm)
    return c


def synapse_circuit() -> Circuit:
    c = Circuit("diffusive + drift synapse, STDP, dt = +1 ms")
    c.model("ag", "diffusive", preset="wang2017_fig4", cluster_position_ratio=0.825,
            r_tunnel=19.111, v_threshold=0.6, tau_thermal=800e-6)
    c.model("tao", "drift", preset="TaOx")
    c.model("sread", "sw", vt=0.5, vh=0.1, ron=1, roff=1e12)
    syn = SubCircuit("synapse", "pre", "post", "rd", "ctl")
    Memristor(syn, 1, "pre", "mid", model="ag")
    Memristor(syn, 2, "post", "mid", model="tao", x0=0.13)
    syn.VoltageControlledSwitch(1, "rd", "mid", "ctl", syn.gnd, model="sread")
    c.subcircuit(syn)
    spike = [(0, 0), (0.4e-6, 4), (2.4e-6, 4), (2.8e-6, 1.6), (802.8e-6, 1.6), (803.2e-6, 0)]
    t_pre, t_post, t_end = 20e-6, 1823.2e-6, 2656.4e-6
    c.PieceWiseLinearVoltageSource("pre", "pre", c.gnd,
                                   values=[(0, 0)] + [(round(t_pre + t, 10), v) for t, v in spike] + [(t_end, 0)])
    c.PieceWiseLinearVoltageSource("post", "post", c.gnd,
                                   values=[(0, 0)] + [(round(t_post + t, 10), v) for t, v in spike] + [(t_end, 0)])
    c.V("r", "rd", c.gnd, -0.1)
    c.PieceWiseLinearVoltageSource("c", "ctl", c.gnd,
                                   values=[(0, 1), (10e-6, 1), (10.1e-6, 0), (2646.3e-6, 0),
                                           (2646.4e-6, 1), (t_end, 1)])
    c.X(1, "synapse", "pre", "post", "rd", "ctl")
    return c


def run(out: Path, seed: int, quick: bool) -> dict:
    n = 2 if quick else 8
    reads = {}
    fig = Figure(figsize=(11, 4))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    for label, r_mem in (("LRS", R_LRS), ("HRS", R_HRS)):
        peaks = []
        for k in range(n):
            a = simulate(read_circuit(r_mem, seed=seed + k), step_time=10 @ u_us / 1000,
                         end_time=3 @ u_us, seed=seed)
            i_sense = np.asarray(a.branches["vread"])
            window = (np.asarray(a.time) > 1.15e-6) & (np.asarray(a.time) < 2.1e-6)
            peaks.append(float(np.max(np.abs(i_sense[window]))))
            if k == 0:
                t_us = np.asarray(a.time) * 1e6
                ax1.plot(t_us, np.abs(i_sense) * 1e3, label=f"{label} ({r_mem / 1e3:g} kOhm)")
                ax2.semilogy(t_us, np.asarray(a.memristors["nsel"].conductance), label=label)
        reads[label] = {"memory_ohm": r_mem, "peak_sense_current_a": peaks,
                        "mean_a": float(np.mean(peaks))}
    ax1.set(xlabel="time (us)", ylabel="|I(Vread)| (mA)", title="1S1R read (PySpice circuit)")
    ax1.legend()
    ax2.set(xlabel="time (us)", ylabel="selector conductance (S)", title="selector")
    ax2.legend()

    a = simulate(synapse_circuit(), step_time=10 @ u_us, end_time=2656.4 @ u_us, seed=seed)
    t = np.asarray(a.time)
    i_read = np.abs(np.asarray(a.branches["vr"]))
    # the read switch is closed over [0, 10 us] and [2646.4, 2656.4 us]
    before = float(np.median(i_read[(t > 2e-6) & (t < 9.9e-6)]))
    after = float(np.median(i_read[(t > 2648e-6) & (t < 2656e-6)]))
    i_drift = np.abs(np.asarray(a.memristors["x1.n2"].current))
    ax3.semilogy(t * 1e3, np.maximum(i_drift, 1e-9) * 1e3, lw=0.8, label="drift device |I|")
    ax3.axhline(before * 1e3, color="k", ls=":", lw=0.8, label="read before")
    ax3.axhline(after * 1e3, color="r", ls=":", lw=0.8, label="read after")
    ax3.set(xlabel="time (ms)", ylabel="current (mA)",
            title=f"synapse, dt = +1 ms: weight {100 * (after / before - 1):+.1f} %")
    ax3.legend(fontsize=7)
    fig.tight_layout()
    summary = {"seed": seed, "quick": quick, "read_realizations": n, "reads": reads,
               "synapse": {"read_before_a": before, "read_after_a": after,
                           "weight_change_percent": 100 * (after / before - 1),
                           "steps": a.result.steps}}
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "pyspice_circuits.json", summary)
    atomic_savefig(fig, out / "pyspice_circuits.png", dpi=120)
    return summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    s = run(Path(a.out), a.seed, a.quick)
    print(f"1S1R read, mean peak sense current: LRS {s['reads']['LRS']['mean_a'] * 1e3:.3f} mA, "
          f"HRS {s['reads']['HRS']['mean_a'] * 1e3:.3f} mA; synapse dt = +1 ms: "
          f"{s['synapse']['weight_change_percent']:+.1f} %")
    print(f"wrote {Path(a.out) / 'pyspice_circuits.png'} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
