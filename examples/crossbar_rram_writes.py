"""Half-select write disturb of Stanford RRAM memories in a crossbar, 1R vs 1S1R (issue 16).

N SET writes (1 us, 1 us apart) into cell (0, N-1) of an all-HRS 4 x 4 array of
``stanford_hfox`` RRAM cells, V/2 and V/3 schemes.  The model's gap does not move below its
field threshold at the HRS gap, F_min t_ox / gamma(g_max) = 1.392 V
(``crossbar_disturb.rram_set_threshold``), so the 1R amplitudes bracket 2 x and 3 x that
threshold (half-selected cells 0.012 V below / 0.008 V above it) with ideal lines and drivers;
then the study's array (2 Ohm wire segments, 100 Ohm drivers), and 1S1R cells (the write
study's selector card) at 4 V over ``--realizations`` selector seeds.  Writes
OUT/crossbar-rram-writes.json with every run and prints a table.

    python examples/crossbar_rram_writes.py --out out --seed 1 --writes 10 --realizations 3
"""

import argparse
import sys
import time

from spicemem.experiments import crossbar_disturb as cd
from spicemem.io import atomic_write_json, ensure_dir


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--writes", type=int, default=10)
    ap.add_argument("--realizations", type=int, default=3)
    ap.add_argument("--size", type=int, default=4)
    args = ap.parse_args(argv)
    if args.writes < 1 or args.realizations < 1 or args.size < 2:
        print("crossbar_rram_writes: --writes, --realizations >= 1, --size >= 2", file=sys.stderr)
        return 2
    v_th = cd.rram_set_threshold()
    ideal = dict(r_wire=0.0, r_driver=0.0, r_sense=0.0)
    study = dict(r_wire=None, r_driver=None, r_sense=None)
    jobs = []
    for scheme, k in (("v/2", 2.0), ("v/3", 3.0)):
        for amp in (round(k * (v_th - 0.012), 3), round(k * (v_th + 0.008), 3), 4.0):
            jobs.append(("1R", scheme, amp, "ideal", ideal, 0))
            jobs.append(("1R", scheme, amp, "study", study, 0))
        for r in range(args.realizations):
            jobs.append(("1S1R", scheme, 4.0, "ideal", ideal, r))
            jobs.append(("1S1R", scheme, 4.0, "study", study, r))
    print(f"crossbar_rram_writes: seed {args.seed}; threshold {v_th:.4f} V", file=sys.stderr)
    t0 = time.perf_counter()
    runs = []
    for cell, scheme, amp, lines, kw, r in jobs:
        seed = cd._seed(args.seed, 4, ("1R", "1S1R").index(cell), cd.SCHEMES.index(scheme), r)
        run = cd.write_run(args.size, cell, scheme, amp, args.writes, seed=seed, memory="rram", **kw)
        run["lines"] = lines
        runs.append(run)
        print(f"{cell:4s} {scheme:4s} {amp:5.3f} V {lines:5s} seed {seed}: selected x "
              f"{run['selected_x'][-1]:.3f}, half-selected x max {run['half_selected_x_max'][-1]:.3g}, "
              f"unselected {run['unselected_x_max'][-1]:.3g}, writes to disturb {run['writes_to_disturb']}"
              + (f", half-selected selector G/G_max {run['half_selected_selector_g_norm_max']:.2g}"
                 if cell == "1S1R" else ""), flush=True)
    out = ensure_dir(args.out)
    js = atomic_write_json(out / "crossbar-rram-writes.json",
                           {"seed": args.seed, "threshold_v": v_th, "size": args.size,
                            "n_writes": args.writes, "write_width_s": cd.WRITE_WIDTH,
                            "selector_model": cd.WRITE_SELECTOR_MODEL, "runs": runs,
                            "wall_time_s": time.perf_counter() - t0})
    print(f"wrote {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
