"""Which part of an I-V loop's OFF reads is not common between two nearby parameters through
ngspice (issue 18h).  The loop of examples/fit_synthetic/crn_roughness.py (8 SiOxNy_Ag hybrid
devices, same seed) at w_pin ``--w`` and ``--w`` + ``--dw``; each sample of the up-sweep inside
the g_off window (25-75 % of the device's threshold) is classified by whether the accepted
point it picks (the last one at or before the sample time) is at the same time in both runs,
and the rms of the change of ln(I/V) is printed per class.  With common random numbers a
same-time pick agrees to the parameter's own effect (~1e-3); the rest is what ngspice's step
control moved.

Run: PYTHONPATH=. python bench/hybrid_crn_picks.py [--seed 5] [--w 0.270] [--dw 0.001]
"""

import argparse
import warnings

import numpy as np

from spicemem.bridge import run_netlist
from spicemem.devices.diffusive import DiffusiveParams
from spicemem.fit import protocols as pr


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--w", type=float, default=0.270)
    ap.add_argument("--dw", type=float, default=0.001)
    ap.add_argument("--devices", type=int, default=8)
    args = ap.parse_args(argv)
    pc = {"type": "iv_loop", "series_ohm": 1e6, "compliance_a": None, "v_max": 1.0, "v_min": None,
          "step_v": 0.025, "sweep_rate_v_per_s": 2500.0, "cycles": 1, "pause_s": 0.0, "temperature_k": 300.0}
    base = DiffusiveParams.from_preset("SiOxNy_Ag", integrator="hybrid")
    _, samples, _ = pr.loop_schedule(pc)
    ts = np.array([s[0] for s in samples])
    vs = np.array([s[1] for s in samples])

    def run(w):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = run_netlist(pr.loop_netlist("diffusive", base.replace(w_pin=w), pc, args.devices),
                            seed=args.seed)
        idx = np.clip(np.searchsorted(r.time, ts * (1 + 1e-12) + 1e-18, side="right") - 1, 0, r.time.size - 1)
        return r, idx

    (ra, ia), (rb, ib) = run(args.w), run(args.w + args.dw)
    top = int(np.argmax(vs))
    same, moved, shifts = [], [], []
    for d in range(args.devices):
        st = pr.loop_statistics(vs, ra.current[d][ia], series_ohm=pc["series_ohm"])
        vth = st["threshold_voltage"]
        if not np.isfinite(vth):
            continue
        for k in np.nonzero((vs[:top + 1] >= 0.25 * vth) & (vs[:top + 1] <= 0.75 * vth))[0]:
            dl = float(np.log(abs(rb.current[d][ib[k]]) / abs(ra.current[d][ia[k]])))
            if ra.time[ia[k]] == rb.time[ib[k]]:
                same.append(dl)
            else:
                moved.append(dl)
                shifts.append(abs(ra.time[ia[k]] - rb.time[ib[k]]))

    def rms(a):
        return float(np.sqrt(np.mean(np.square(a)))) if a else float("nan")

    print(f"accepted points {ra.time.size} / {rb.time.size}, {np.intersect1d(ra.time, rb.time).size} in common")
    print(f"OFF samples picked at the same time: {len(same)}, rms d ln G {rms(same):.4f}, "
          f"above 0.02: {np.mean(np.abs(same) > 0.02) if same else float('nan'):.2f}")
    print(f"OFF samples whose pick moved: {len(moved)} (by {1e9 * min(shifts or [0]):.1f}-"
          f"{1e9 * max(shifts or [0]):.1f} ns), rms d ln G {rms(moved):.4f}, "
          f"above 0.02: {np.mean(np.abs(moved) > 0.02) if moved else float('nan'):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
