"""The all-active crossbar: live spicemem devices vs fixed resistors, frozen devices and a
compact-model peer, on the same generated netlists (issue 17).

The array is bench/bridge.py's: R x C devices, every row driven by a 2.5 V pulse (0.5 us
edges, 8 us plateau, period 20 us, delays staggered by 0.2 us) through 100 Ohm, every column
to ground through 100 Ohm.  For each size (default 16x16, 32x32, 64x64) it runs, in this one
process and through the same engine path (``run_netlist``):

* ``fixed``:      every device a fixed resistor (1 / (0.02 G_max)) in plain ngspice;
* ``frozen``:     the bridge with devices whose state never changes (its own overhead);
* ``live_1t``:    the bridge with live diffusive devices on 1 Numba thread;
* ``live_2t``:    the same on 2 threads (``--threads``);
* ``live_device_1t``: (``--device-measure``) 1 thread, the step control before issue 17;
* ``live_dtF_2t``: (``--dt-factor F``) 2 threads, the devices' Langevin step rule at F
                  instead of 0.05 (bench/langevin_dt.py: the statistics at 2x, 4x, 8x dt);
* ``peer``:       every device an instance of our ngspice subcircuit of the compact diffusive
                  memristor of T. Wang et al., IEEE TCASAI 2024 (``bench/peers/wang2024.py``;
                  noise off, its cheapest form; its bounds as stiff restoring rates, the form
                  an ngspice expert writes; time rescaled so that it switches within the
                  pulses, see there);
* ``peer_literal``: (``--forms ...,peer_literal``) the same with the published if-cascade
                  written literally (the port before issue 17b: 11-17 Newton iterations a step).

All use the same ``.tran`` line with TMAX = the bridge's default cap (0.5 us).  For each form:
accepted steps, ngspice ``run`` wall time (median of ``--repeat`` runs, and the spread
min-max), ms per accepted step, and the process CPU time (which the machine's load inflates
less than the wall time).  For the live runs it also reports the cost per particle-step of
the Langevin integration (device-steps x particles / run time), next to the standalone kernel
and the RNG floor of ``bench/kernel.py`` (``--kernel``).  Then the ratios live / fixed and
peer / live.  One JSON line per size, then a Markdown table; the load average is printed
before and after, because the wall times mean little on a loaded machine.

Usage: python bench/active.py [--sizes 16,32,64] [--repeat 3] [--tstop 20e-6] [--quick]
       [--threads 1,2] [--forms fixed,frozen,live,peer[,peer_literal]] [--kernel]
       [--device-measure] [--dt-factor 0.2] [--acct]
``--acct``: also ngspice's own accounting of every form: the matrix's equations, non-zeroes
and fill-ins (counts the machine's load does not change) and ngspice's timers of loading,
factoring and solving it (elapsed time, as inflated by the load as the wall time).
``--quick``: sizes 16,32, tstop 10 us, one repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bridge import crossbar  # noqa: E402  (bench/bridge.py: the same array)
from peers.wang2024 import NAME as PEER, OPTIONS as PEER_OPTIONS, subcircuit  # noqa: E402

#: Unit of time of the peer's rates (s): switches in ~1 us under the 2.5 V rows.
PEER_TIME_SCALE = 1e-6


def peer_netlist(rows: int, cols: int, tstop: float, tmax: float, form: str = "expert") -> str:
    """bench/bridge.py's array with every device an instance of the peer subcircuit
    (``form``: see :func:`peers.wang2024.subcircuit`)."""
    text = crossbar(rows, cols, "fixed", tstop, tmax, 1.0)
    out = []
    for line in text.splitlines():
        if line.startswith("R") and "_" in line.split()[0]:
            name, a, b, _ = line.split()
            line = f"X{name[1:]} {a} {b} {PEER}"
        out.append(line)
    out.insert(1, subcircuit(time_scale=PEER_TIME_SCALE, form=form).rstrip("\n"))
    if form == "expert":
        out.insert(1, f".options {PEER_OPTIONS}")  # the peer's best integration method
    return "\n".join(out) + "\n"


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


#: ngspice's own accounting (``rusage all`` before the circuit is removed), with ``--acct``.
RUSAGE = {"Circuit Equations": "equations", "Circuit total non-zeroes": "nonzeros",
          "Circuit fill-in non-zeroes": "fillins", "Transient load time": "load_s",
          "Transient factor time": "factor_s", "Transient solve time": "solve_s"}


class Accounting:
    """Reads ngspice's ``rusage all`` each time the engine is about to remove a circuit (the
    bridge clears after every run), so a run's matrix size and fill-ins (counts that the
    machine's load does not change) and ngspice's own timers (elapsed time) are kept."""

    def __init__(self):
        from spicemem.bridge.engine import get_engine

        self.engine = get_engine()
        self.last: dict = {}
        self._clear = self.engine.clear
        self.engine.clear = self._read_then_clear

    def _read_then_clear(self):
        acct = {}
        for ln in self.engine.command("rusage all")[0]:
            key, _, val = ln.partition(" = ")
            if key.strip() in RUSAGE:
                acct[RUSAGE[key.strip()]] = float(val.split()[0])
        if acct.get("equations"):
            self.last = acct
        self._clear()


ACCT: Accounting | None = None


def measure(text: str, repeat: int, frozen: bool = False, threads: int | None = None,
            step_measure: str = "node", sources: int = 1) -> dict:
    """Time ``text`` ``repeat`` times; ``sources``: external sources of the netlist (the
    devices; 1 for plain ngspice, the bridge's idle source), to count Newton iterations."""
    import numba

    from spicemem.bridge import StepControl, run_netlist

    if threads is not None:
        numba.set_num_threads(threads)
    walls, cpus, steps = [], [], None
    for _ in range(repeat):
        c0 = time.process_time()
        r = run_netlist(text, seed=1, frozen=frozen, step=StepControl(measure=step_measure))
        cpus.append(time.process_time() - c0)
        walls.append(r.extra["run_time_s"])  # ngspice's 'run' only (no parsing, setup, output)
        steps = r.steps["accepted"]
        # GetVSRCData is called once per external source and Newton iteration
        newton = r.steps["vsrc_calls"] / sources / max(1, steps + r.steps["rejected_by_ngspice"])
    wall = statistics.median(walls)
    out = {"wall_s": round(wall, 4), "spread_s": [round(min(walls), 4), round(max(walls), 4)],
           "cpu_s": round(statistics.median(cpus), 4), "accepted": steps,
           "ms_per_step": round(1e3 * wall / max(steps, 1), 3),
           "newton_per_step": round(newton, 2)}
    if ACCT is not None:
        out["ngspice"] = ACCT.last  # the last repeat's
    return out


def kernel_rates() -> dict:
    """bench/kernel.py's standalone kernel and RNG floor, in ns per particle-step."""
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, os.path.join(here, "kernel.py"), "--steps", "100000"],
                         capture_output=True, text=True, check=True).stdout
    k = json.loads(out.strip().splitlines()[-1])
    return {"kernel_ns_zero_bias": round(1e9 / k["particle_steps_per_s"], 2),
            "kernel_ns_biased": round(1e9 / k["particle_steps_per_s_biased"], 2),
            "rng_floor_ns": round(1e9 / k["rng_floor_particle_steps_per_s"], 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="16,32,64")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tstop", type=float, default=20e-6)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--forms", default="fixed,frozen,live,peer")
    ap.add_argument("--kernel", action="store_true", help="also time bench/kernel.py")
    ap.add_argument("--device-measure", action="store_true",
                    help="also run live on 1 thread with the step control before issue 17 "
                         "(StepControl(measure='device'))")
    ap.add_argument("--dt-factor", type=float, default=None,
                    help="also run live on the largest thread count with this dt_factor on the "
                         ".model line (the step rule's factor; default 0.2, 0.05 before issue 17): bench/langevin_dt.py "
                         "measures whether the statistics change")
    ap.add_argument("--quick", action="store_true", help="sizes 16,32, tstop 10 us, 1 repeat")
    ap.add_argument("--acct", action="store_true",
                    help="also report ngspice's own accounting of each run (rusage: equations, "
                         "non-zeroes, fill-ins, time spent loading/factoring/solving the matrix)")
    args = ap.parse_args(argv)
    global ACCT
    if args.acct:
        ACCT = Accounting()
    if args.quick:
        args.sizes, args.tstop, args.repeat = "16,32", 10e-6, 1
    from spicemem.bridge import run_netlist
    from spicemem.devices.diffusive import DiffusiveParams

    p = DiffusiveParams.from_preset("wang2017_paper", friction_ratio=10, heating_ratio=20,
                                    theta_ambient=0.35)
    tmax = 0.5 * p.tau_thermal  # the bridge's default cap
    r_fixed = 1.0 / (p.g_max * 0.02)
    dt_s = p.core.dt * p.tau_thermal  # Langevin step, s
    forms = args.forms.split(",")
    threads = [int(t) for t in args.threads.split(",")]
    print(json.dumps({"bench": "active", "load_before": loadavg(), "cpus": os.cpu_count(),
                      "tstop_s": args.tstop, "repeat": args.repeat, "langevin_dt_s": dt_s,
                      "particles": p.n_particles}), flush=True)
    # warm up: compile/load the callbacks and kernels, on every thread count, outside timing
    for t in threads:
        measure(crossbar(2, 2, "live", 2e-6, tmax, r_fixed), 1, threads=t)
    run_netlist(peer_netlist(2, 2, 2e-6, tmax), seed=0)
    kern = kernel_rates() if args.kernel else None
    if kern:
        print(json.dumps({"kernel": kern}), flush=True)
    rows_out = []
    for n in (int(s) for s in args.sizes.split(",")):
        line = {"size": f"{n}x{n}", "devices": n * n}
        if "fixed" in forms:
            line["fixed"] = measure(crossbar(n, n, "fixed", args.tstop, tmax, r_fixed), args.repeat)
        if "frozen" in forms:
            line["frozen"] = measure(crossbar(n, n, "live", args.tstop, tmax, r_fixed), args.repeat,
                                     frozen=True, sources=n * n)
        if "live" in forms:
            text = crossbar(n, n, "live", args.tstop, tmax, r_fixed)
            variants = [(f"live_{t}t", t, "node") for t in threads]
            if args.device_measure:
                variants.append(("live_device_1t", 1, "device"))
            if args.dt_factor:
                variants.append((f"live_dt{args.dt_factor:g}_{max(threads)}t", max(threads),
                                 "node"))
            for key, t, sm in variants:
                txt, dts = text, dt_s
                if "_dt" in key:
                    txt = text.replace("theta_ambient=0.35)",
                                       f"theta_ambient=0.35 dt_factor={args.dt_factor:g})")
                    dts = dt_s * args.dt_factor / p.dt_factor
                m = measure(txt, args.repeat, threads=t, step_measure=sm, sources=n * n)
                # Langevin particle-steps of the run if every device stepped every dt (the
                # hybrid hops instead at 0 V: bench/active_profile.py counts them)
                psteps = n * n * (args.tstop / dts) * p.n_particles
                m["ns_per_particle_step"] = round(1e9 * m["wall_s"] / psteps, 2)
                m["cpu_ns_per_particle_step"] = round(1e9 * m["cpu_s"] / psteps, 2)
                line[key] = m
        if "peer" in forms:
            line["peer"] = measure(peer_netlist(n, n, args.tstop, tmax), args.repeat)
        if "peer_literal" in forms:
            line["peer_literal"] = measure(peer_netlist(n, n, args.tstop, tmax, "literal"),
                                           args.repeat)
        fx = line.get("fixed", {}).get("wall_s")
        for key in [k for k in line if k.startswith("live_")] + ["frozen", "peer", "peer_literal"]:
            if key in line and fx:
                line[f"{key}_over_fixed"] = round(line[key]["wall_s"] / fx, 1)
        for key in [k for k in line if k.startswith("live_") and not k.endswith("fixed")]:
            if "peer" in line:
                line[f"peer_over_{key}"] = round(line["peer"]["wall_s"] / line[key]["wall_s"], 2)
                # by process CPU time (less inflated by the machine's load than the wall time;
                # on 2 threads it counts both threads' work)
                line[f"peer_over_{key}_cpu"] = round(line["peer"]["cpu_s"] / line[key]["cpu_s"], 2)
        if "live_1t" in line and "live_2t" in line:
            line["speedup_2t"] = round(line["live_1t"]["wall_s"] / line["live_2t"]["wall_s"], 2)
        line["load"] = loadavg()
        print(json.dumps(line), flush=True)
        rows_out.append(line)
    print()
    print("| size | form | steps | Newton/step | run wall s (spread) | ms/step | CPU s | x fixed |")
    print("|---|---|---:|---:|---|---:|---:|---:|")
    for line in rows_out:
        for key in ("fixed", "frozen", *[k for k in line if k.startswith("live_")
                                         and isinstance(line[k], dict)], "peer", "peer_literal"):
            if key in line:
                m = line[key]
                ratio = line.get(f"{key}_over_fixed", 1.0 if key == "fixed" else "")
                print(f"| {line['size']} | {key} | {m['accepted']} | {m['newton_per_step']} | {m['wall_s']} "
                      f"({m['spread_s'][0]}-{m['spread_s'][1]}) | {m['ms_per_step']} | "
                      f"{m['cpu_s']} | {ratio} |")
    import numba

    print(f"\nload after: {loadavg()}; Numba threading layer: {numba.threading_layer()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
