"""How far a change of the bridge moves its results: run a few netlists in this tree and
save them, then compare the saves of two trees.

Issue 17 moved each device's state node from an external voltage source to an external
current source into 1 Ohm: a different MNA system (one unknown fewer per device, another
pivot order), so the results are no longer bit-identical.  This script shows by how much,
on the same seeds:

* ``read_1s1r``:   ``netlists/crossbar_4x4_1s1r_v2.cir`` (live selectors, a 4 V read);
* ``active_4x4``:  bench/bridge.py's all-active array, 4x4, 10 us, live;
* ``frozen_16x16``: the same array at 16x16 with frozen devices (the circuit alone);
* ``stdp_taox``:   ``netlists/synapse_stdp_taox.cir`` (diffusive selector + TaOx drift).

For each: whether the accepted time points are the same (and the largest shift of one), and
the largest difference of
every ngspice vector and of every device's conductance, relative to that quantity's largest
magnitude over the run.

Usage: PYTHONPATH=TREE_A python bench/tree_results_diff.py --save a.npz
       PYTHONPATH=TREE_B python bench/tree_results_diff.py --save b.npz
       python bench/tree_results_diff.py --compare a.npz b.npz
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def cases():
    sys.path.insert(0, HERE)
    from bridge import crossbar

    tmax = 0.5e-6
    r_fixed = 1e5  # unused: only the "fixed" form has resistors
    return {
        "read_1s1r": (open(os.path.join(ROOT, "netlists", "crossbar_4x4_1s1r_v2.cir")).read(), False),
        "active_4x4": (crossbar(4, 4, "live", 10e-6, tmax, r_fixed), False),
        "frozen_16x16": (crossbar(16, 16, "live", 10e-6, tmax, r_fixed), True),
        "stdp_taox": (open(os.path.join(ROOT, "netlists", "synapse_stdp_taox.cir")).read(), False),
    }


def save(path: str) -> None:
    from spicemem.bridge import run_netlist

    out = {}
    for name, (text, frozen) in cases().items():
        t0 = time.perf_counter()
        r = run_netlist(text, seed=11, frozen=frozen)
        out[f"{name}/time"] = r.time
        out[f"{name}/conductance"] = r.conductance
        for k, v in r.vectors.items():
            out[f"{name}/vec/{k}"] = v
        print(json.dumps({"case": name, "points": int(r.time.size), "devices": len(r.device_names),
                          "wall_s": round(time.perf_counter() - t0, 2)}), flush=True)
    np.savez(path, **out)


def _rel(a, b):
    scale = max(float(np.max(np.abs(a))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


def compare(pa: str, pb: str) -> None:
    a, b = np.load(pa), np.load(pb)
    for name in sorted({k.split("/")[0] for k in a.files}):
        ta, tb = a[f"{name}/time"], b[f"{name}/time"]
        same_axis = ta.shape == tb.shape and np.array_equal(ta, tb)
        line = {"case": name, "points": [int(ta.size), int(tb.size)], "same_time_points": same_axis}
        if ta.shape == tb.shape:
            line["max_time_point_shift_s"] = float(np.max(np.abs(ta - tb)))

        def on_a(x_b):
            return x_b if same_axis else np.interp(ta, tb, x_b)
        vec = {}
        for k in a.files:
            if k.startswith(f"{name}/vec/") and k in b.files:
                vec[k.split("/", 2)[2]] = _rel(a[k], on_a(b[k]))
        worst = max(vec, key=vec.get)
        line["max_rel_vector_diff"] = vec[worst]
        line["worst_vector"] = worst
        ga, gb = a[f"{name}/conductance"], b[f"{name}/conductance"]
        line["max_rel_conductance_diff"] = max(
            (_rel(ga[i], on_a(gb[i])) for i in range(ga.shape[0])), default=0.0)
        line["bit_identical"] = same_axis and all(
            np.array_equal(a[k], b[k]) for k in a.files if k.startswith(f"{name}/") and k in b.files)
        print(json.dumps(line), flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--save")
    g.add_argument("--compare", nargs=2)
    args = ap.parse_args(argv)
    if args.save:
        save(args.save)
    else:
        compare(*args.compare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
