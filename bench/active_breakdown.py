"""Where a live all-active run spends its time, itemised with counts and timers (issue 17,
lever 3).

One live run of bench/active.py's array (R x R, every row pulsed 2.5 V; ``--dt-factor``
sets the devices' Langevin step rule, default the model's 0.05), then three measurements
that need no guess:

1. **The run**: ngspice's ``run`` wall time, process CPU, accepted and rejected steps,
   GetVSRCData / GetSyncData calls (the context's counters), Newton iterations per step.
2. **The devices, replayed**: the same devices (same netlist, seed and streams) are
   advanced again, outside ngspice, by their compiled group kernel called through its
   address with the run's own accepted time points and solved voltages.  Every committed
   conductance must come out bit-identical to the run's (checked: then the replay did the
   run's device work exactly).  Each call is timed, and before/after each call the
   devices' regimes and clocks are read, so that each call's work is counted: Langevin
   particle-steps, devices hopping, devices in the mixed regime.  A least-squares fit of
   the call times on those counts gives the cost per Langevin particle-step, per hopping
   device-call and per device-call (the fixed per-device work: records, allocations,
   materialize, eq. 3), plus the fixed cost per group call, which is also measured
   directly (calls that advance nothing: unpacking, thread start/join).
3. **ngspice and the callbacks without device work**: the frozen run (devices never
   advance) of the same netlist, and the frozen run with the step cap lowered so that it
   takes about the live run's step count: its time per Newton iteration times the live
   run's Newton iterations is the live run's engine + callback time.  The same circuit
   with DC sources in place of the external ones (no callbacks) gives the callbacks' share.

Cost model: run time = engine(live steps) + sum over calls of the kernel time, checked
against the measured run time.  Then the floor: the engine at the frozen step count plus
the Langevin particle-steps the devices must take at the fitted cost per particle-step,
divided by the threads; and the step-control diagnosis (which criterion and which nodes
set the live run's steps, recomputed from the run's history with the callbacks' formula).

Usage: python bench/active_breakdown.py [--size 32] [--tstop 10e-6] [--dt-factor 0.2]
       [--threads 1] [--quick] [--repeat 1] [--measure node|device]
``--quick``: 16x16.  One JSON line per item, then a Markdown table.  The load average is
printed: on a loaded machine compare CPU times and counts, not wall times.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bridge import crossbar  # noqa: E402  (bench/bridge.py: the same array)

KERNEL = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_double, ctypes.c_double)


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def netlist(n: int, tstop: float, tmax: float, r_fixed: float, dt_factor) -> str:
    text = crossbar(n, n, "live", tstop, tmax, r_fixed)
    if dt_factor:
        text = text.replace("theta_ambient=0.35)", f"theta_ambient=0.35 dt_factor={dt_factor:g})")
    return text


def run(text: str, frozen: bool, step, repeat: int) -> tuple:
    """(result, counters): median run time over ``repeat`` runs, CPU, the context's counters."""
    from spicemem.bridge import callbacks as cb, run_netlist

    walls, cpus = [], []
    for _ in range(repeat):
        r = run_netlist(text, seed=1, frozen=frozen, step=step)
        cpus.append(r.extra["run_cpu_time_s"])  # ngspice's 'run' only, all threads
        walls.append(r.extra["run_time_s"])
    acc = r.steps["accepted"]
    rej = r.steps["rejected_by_ngspice"]
    ndev = len(r.device_names)
    out = {"run_s": round(statistics.median(walls), 4), "cpu_s": round(statistics.median(cpus), 4),
           "accepted": acc, "rejected": rej, "capped": r.steps["capped_by_bridge"],
           "vsrc_calls": r.steps["vsrc_calls"], "sync_calls": int(cb.CTX[cb.N_SYNC_CALLS]),
           "newton_per_point": round(r.steps["vsrc_calls"] / max(ndev, 1) / max(acc + rej, 1), 3)}
    out["newton_total"] = r.steps["vsrc_calls"] / max(ndev, 1)
    return r, out


def replay(text: str, r, threads: int, split: int = 1) -> dict:
    """Advance the run's devices again with its time points and voltages; time and count.

    ``split`` > 1: every accepted interval is advanced in ``split`` equal calls, the
    voltage interpolated linearly (the waveform each device sees is the same): the extra
    time over ``split`` = 1 is the cost of the extra calls, measured, not fitted."""
    import numba

    from spicemem.bridge.kernels import PARALLEL_MIN_DEVICES
    from spicemem.bridge.layout import B_DT, B_TSCALE
    from spicemem.bridge.netlist import read_netlist
    from spicemem.bridge.run import _device_specs
    from spicemem.bridge.session import DeviceArrays
    from spicemem.kernels.hopping import MODE_HOPPING, MODE_LANGEVIN, MODE_MIXED

    numba.set_num_threads(threads)
    net = read_netlist(text)
    specs, info, _ = _device_specs(net, 1)
    dev = DeviceArrays(specs, info)
    (grp,) = dev.groups  # one diffusive group
    fn = KERNEL(grp.kernel)
    block = int(grp.block.ctypes.data)
    fs, counts, modes = grp.arrays["fstate"], grp.arrays["counts"], grp.arrays["modes"]
    npart = grp.arrays["n_particles"]
    dt = float(grp.block.view(np.float64)[B_DT])
    tscale = float(grp.block.view(np.float64)[B_TSCALE])
    t, volt, gdev = r.time, r.voltage, r.device_conductance
    rows = []
    identical = True
    for k in range(1, t.size):
        m0 = modes[:, 0].copy()
        clock0 = fs[:, npart + 1].copy()
        nh = counts.sum(axis=1)
        el = 0.0
        for q in range(split):
            f0, f1 = q / split, (q + 1) / split
            dev.v0[:] = volt[:, k - 1] + f0 * (volt[:, k] - volt[:, k - 1]) if q else volt[:, k - 1]
            dev.v1[:] = volt[:, k - 1] + f1 * (volt[:, k] - volt[:, k - 1]) \
                if q < split - 1 else volt[:, k]
            ta = float(t[k - 1] + f0 * (t[k] - t[k - 1])) if q else float(t[k - 1])
            tb = float(t[k - 1] + f1 * (t[k] - t[k - 1])) if q < split - 1 else float(t[k])
            c0 = time.process_time()
            bad = fn(block, ta, tb)
            el += time.process_time() - c0
            if bad:
                raise RuntimeError(f"replay: device {bad - 1} non-finite at t = {tb}")
        steps = (fs[:, npart + 1] - clock0) / dt
        lang = np.where(m0 == MODE_LANGEVIN, npart, np.where(m0 == MODE_MIXED, npart - nh, 0))
        rows.append((el, float((steps * lang).sum()), int((m0 == MODE_HOPPING).sum()),
                     int((m0 == MODE_MIXED).sum()), int((steps > 0).sum()),
                     int((m0 == MODE_LANGEVIN).sum())))
        if not np.array_equal(dev.g, gdev[:, k]):
            identical = False
    a = np.array(rows)
    # fixed cost of a group call that advances nothing (every clock already at t1)
    idle = []
    for _ in range(300):
        c0 = time.process_time()
        fn(block, 0.0, 0.0)  # every device's clock is past t = 0: each returns at once
        idle.append(time.process_time() - c0)
    idle_s = statistics.median(idle)
    # least squares: call time = c_call + c_ps * Langevin particle-steps
    #     + c_lang * Langevin device-calls (the hybrid's regime checks, eq. 3, records,
    #       allocations) + c_hop * hopping device-calls + c_mix * mixed device-calls
    X = np.column_stack([np.ones(len(a)), a[:, 1], a[:, 5], a[:, 2], a[:, 3]])
    coef, *_ = np.linalg.lstsq(X, a[:, 0], rcond=None)
    pred = X @ coef
    r2 = 1.0 - ((a[:, 0] - pred) ** 2).sum() / ((a[:, 0] - a[:, 0].mean()) ** 2).sum()
    total = a[:, 0].sum()
    return {
        "bit_identical_to_run": identical, "calls": len(a), "threads": threads,
        "parallel": len(grp.indices) >= PARALLEL_MIN_DEVICES,
        "kernel_s": round(total, 4),
        "langevin_psteps": float(a[:, 1].sum()),
        "device_calls_advanced": int(a[:, 4].sum()),
        "device_calls_langevin": int(a[:, 5].sum()),
        "device_calls_hopping": int(a[:, 2].sum()), "device_calls_mixed": int(a[:, 3].sum()),
        "idle_call_us": round(1e6 * idle_s, 2),
        "fit_us_per_call": round(1e6 * coef[0], 2),
        "fit_ns_per_langevin_pstep": round(1e9 * coef[1], 3),
        "fit_us_per_langevin_device_call": round(1e6 * coef[2], 3),
        "fit_us_per_hopping_device_call": round(1e6 * coef[3], 3),
        "fit_us_per_mixed_device_call": round(1e6 * coef[4], 3),
        "fit_r2": round(float(r2), 4),
        "split_s": {"langevin": round(coef[1] * a[:, 1].sum(), 4),
                    "per_langevin_device_call": round(coef[2] * a[:, 5].sum(), 4),
                    "hopping": round(coef[3] * a[:, 2].sum(), 4),
                    "mixed": round(coef[4] * a[:, 3].sum(), 4),
                    "per_group_call": round(coef[0] * len(a), 4)},
        "dt_s": dt * tscale,
    }


def step_diagnosis(r, step) -> dict:
    """Which criterion set each live step: recompute the callbacks' measures from the
    run's history (G used, G committed, voltages) with their formula (callbacks.send_data,
    get_sync), step by step."""
    t = r.time
    gu, gd, v = r.conductance, r.device_conductance, r.voltage
    cap, tol = r.step_control["cap_s"], r.step_control["tol"]
    floor, rest_bias = r.step_control["floor_s"], r.step_control["rest_bias"]
    vinv = 1.0 / np.array([x["v_scale"] for x in r.devices])
    nodes = [x["nodes"] for x in r.devices]
    names = sorted({nd for ab in nodes for nd in ab if nd != "0"})
    nid = {nd: i for i, nd in enumerate(names)}
    na = np.array([nid.get(a, -1) for a, _ in nodes])
    nb = np.array([nid.get(b, -1) for _, b in nodes])
    by = {"rate": 0, "cap": 0, "rest": 0, "floor": 0, "tmax_or_breakpoint": 0}
    which = {"row": 0, "col": 0}
    dlns, dln_dev = [], []
    for k in range(2, t.size):
        # measures of step k-1 (t[k-2] -> t[k-1]), which set the step k-1 -> k
        g_new, g_old = gd[:, k - 1], gu[:, k - 1]
        vmax = np.maximum(abs(v[:, k - 2]), abs(v[:, k - 1]))
        w = vmax * vinv
        lag = np.minimum(w, 1.0) * vmax * abs(g_new - g_old)
        cur = vmax * np.minimum(g_new, g_old)
        s = np.zeros((len(names), 2))
        for arr in (na, nb):
            ok = arr >= 0
            np.add.at(s[:, 0], arr[ok], lag[ok])
            np.add.at(s[:, 1], arr[ok], cur[ok])
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(s[:, 1] > 0, np.log1p(s[:, 0] / s[:, 1]), 0.0)
        dln = float(d.max()) if d.size else 0.0
        dlns.append(dln)
        dln_dev.append(float((np.abs(np.log(g_new / g_old)) * np.minimum(w, 1.0)).max()))
        h_prev = t[k - 1] - t[k - 2]
        h = t[k] - t[k - 1]
        bias = w.max()
        c = cap if bias >= rest_bias else np.inf
        rate = tol * h_prev / dln if dln > 0 else np.inf
        limit = max(min(c, rate), floor)
        if h > 1.02 * limit:
            continue  # not the bridge's limit (should not happen)
        if h < 0.98 * limit:
            by["tmax_or_breakpoint"] += 1
        elif limit == floor and min(c, rate) < floor:
            by["floor"] += 1
        elif rate < c:
            by["rate"] += 1
            which["row" if names[int(d.argmax())].startswith("r") else "col"] += 1
        elif c == cap:
            by["cap"] += 1
        else:
            by["rest"] += 1
    dl = np.array(dlns)
    return {"steps_set_by": by, "rate_limited_node": which,
            "node_dln_median": round(float(np.median(dl)), 3),
            "node_dln_p90": round(float(np.quantile(dl, 0.9)), 3),
            "device_dln_median": round(float(np.median(dln_dev)), 3),
            "tol": tol, "cap_s": cap}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--tstop", type=float, default=10e-6)
    ap.add_argument("--dt-factor", type=float, default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--measure", default="node")
    ap.add_argument("--tol", type=float, default=None)
    ap.add_argument("--quick", action="store_true", help="16x16")
    args = ap.parse_args(argv)
    if args.quick:
        args.size = 16
    import numba

    from spicemem.bridge import StepControl
    from spicemem.devices.diffusive import DiffusiveParams

    numba.set_num_threads(args.threads)
    p = DiffusiveParams.from_preset("wang2017_paper", friction_ratio=10, heating_ratio=20,
                                    theta_ambient=0.35)
    tmax = 0.5 * p.tau_thermal
    r_fixed = 1.0 / (p.g_max * 0.02)
    n = args.size
    step = StepControl(measure=args.measure) if args.tol is None else \
        StepControl(measure=args.measure, tol=args.tol)
    print(json.dumps({"bench": "active_breakdown", "size": f"{n}x{n}", "tstop_s": args.tstop,
                      "dt_factor": args.dt_factor or p.dt_factor, "threads": args.threads,
                      "load_before": loadavg()}), flush=True)
    text = netlist(n, args.tstop, tmax, r_fixed, args.dt_factor)
    run(netlist(2, 2e-6, tmax, r_fixed, args.dt_factor), False, step, 1)  # compile / load
    fixed_text = crossbar(n, n, "fixed", args.tstop, tmax, r_fixed)
    from spicemem.bridge import run_netlist

    fw = []
    for _ in range(max(3, args.repeat)):
        fw.append(run_netlist(fixed_text, seed=1).extra["run_cpu_time_s"])
    fixed_s = statistics.median(fw)
    r, live = run(text, False, step, args.repeat)
    print(json.dumps({"item": "live", **live}), flush=True)
    _, frozen = run(text, True, step, max(3, args.repeat))
    print(json.dumps({"item": "frozen", **frozen}), flush=True)
    # the same circuit with every external source a DC source at G/G_max = 0.02 (the fixed
    # resistors' value): plain ngspice, no callbacks per Newton iteration; frozen - dc is
    # the callbacks' cost (GetVSRCData per source and iteration, SendData, GetSyncData)
    from spicemem.bridge.netlist import read_netlist

    dc_text = read_netlist(text).text.replace(" external", " dc 0.02").replace("spicemem:", "*", 1)
    dc = [run_netlist(dc_text, seed=1).extra["run_cpu_time_s"] for _ in range(max(3, args.repeat))]
    print(json.dumps({"item": "dc_sources", "cpu_s": round(statistics.median(dc), 4),
                      "cpu_s_runs": [round(x, 4) for x in dc]}), flush=True)
    # frozen with the cap lowered to take about the live run's step count
    tmax2 = args.tstop / live["accepted"]
    text2 = text.replace(f".tran {tmax:.6g} {args.tstop:.6g} 0 {tmax:.6g}",
                         f".tran {tmax2:.6g} {args.tstop:.6g} 0 {tmax2:.6g}")
    _, frozen2 = run(text2, True, StepControl(measure=args.measure, cap=tmax2),
                     max(3, args.repeat))
    per_newton = frozen2["cpu_s"] / frozen2["newton_total"]
    frozen2["s_per_newton_iteration"] = per_newton
    print(json.dumps({"item": "frozen_at_live_steps", **frozen2}), flush=True)
    rep = replay(text, r, args.threads)
    print(json.dumps({"item": "replay", **rep}), flush=True)
    rep2 = replay(text, r, args.threads, split=2)
    # split 2 makes one more call per device and accepted interval
    per_call = (rep2["kernel_s"] - rep["kernel_s"]) / max(rep["device_calls_advanced"], 1)
    rep["marginal_us_per_device_call"] = round(1e6 * per_call, 3)
    rep["per_call_s"] = round(per_call * rep["device_calls_advanced"], 4)
    print(json.dumps({"item": "replay_split2", "kernel_s": rep2["kernel_s"],
                      "device_calls_advanced": rep2["device_calls_advanced"],
                      "langevin_psteps": rep2["langevin_psteps"],
                      "marginal_us_per_device_call": rep["marginal_us_per_device_call"]}),
          flush=True)
    diag = step_diagnosis(r, step)
    print(json.dumps({"item": "steps", **diag}), flush=True)
    engine = per_newton * live["newton_total"]
    model = engine + rep["kernel_s"]
    psteps = rep["langevin_psteps"]
    c_ps = rep["fit_ns_per_langevin_pstep"] * 1e-9
    floor_s = frozen["cpu_s"] + psteps * c_ps
    out = {"item": "model", "run_cpu_s": live["cpu_s"], "run_s": live["run_s"], "engine_s": round(engine, 4),
           "kernel_s": rep["kernel_s"], "model_s": round(model, 4),
           "model_over_run_cpu": round(model / live["cpu_s"], 3),
           "fixed_cpu_s": round(fixed_s, 4), "live_over_fixed_cpu": round(live["cpu_s"] / fixed_s, 1),
           "floor_s": round(floor_s, 4), "floor_over_fixed": round(floor_s / fixed_s, 1),
           "load_after": loadavg()}
    print(json.dumps(out), flush=True)
    sp = rep["split_s"]
    print()
    print("| item | count | cost each | s | share of run |")
    print("|---|---:|---:|---:|---:|")
    run_s = live["cpu_s"]

    def row(name, count, each, s):
        print(f"| {name} | {count} | {each} | {s:.4f} | {100 * s / run_s:.1f} % |")

    row("engine + callbacks (frozen per Newton iteration x live iterations)",
        f"{live['newton_total']:.0f} it ({live['accepted']} acc + {live['rejected']} rej)",
        f"{1e6 * per_newton:.1f} us/it", engine)
    row("Langevin particle-steps", f"{psteps:.3g}", f"{rep['fit_ns_per_langevin_pstep']} ns",
        sp["langevin"])
    row("Langevin device-calls (regime checks, eq. 3, records, allocations)",
        rep["device_calls_langevin"], f"{rep['fit_us_per_langevin_device_call']} us",
        sp["per_langevin_device_call"])
    row("hopping device-calls (rates, Gillespie, materialize, eq. 3)", rep["device_calls_hopping"],
        f"{rep['fit_us_per_hopping_device_call']} us", sp["hopping"])
    row("mixed device-calls", rep["device_calls_mixed"],
        f"{rep['fit_us_per_mixed_device_call']} us", sp["mixed"])
    row("per group call (unpack, thread start/join)", rep["calls"],
        f"{rep['fit_us_per_call']} us (idle call {rep['idle_call_us']} us)", sp["per_group_call"])
    row("model total", "", "", model)
    row("of the kernels: per device-call, measured (2 calls per interval - 1)",
        rep["device_calls_advanced"], f"{rep['marginal_us_per_device_call']} us", rep["per_call_s"])
    print(f"\nCPU s throughout. Measured live run {run_s:.4f} s CPU ({live['run_s']:.4f} s wall); "
          f"fixed {fixed_s:.4f} s CPU; floor (frozen engine + Langevin particle-steps) "
          f"{floor_s:.4f} s CPU = {floor_s / fixed_s:.1f}x fixed; load after {loadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
