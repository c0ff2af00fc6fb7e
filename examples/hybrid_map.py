"""The hybrid-vs-Langevin validity map on a chosen part of the grid (issue 14).

``spicemem experiment hybrid-map`` runs the whole grid of every preset (0-3 V_th every
0.25 V_th, k_B T0/w_p 0.10-0.45, held and pulsed, 48 devices per integrator and cell).
This script runs a part of it -- some presets, a coarser grid, fewer devices -- with the
same protocol, tests and Holm correction (over the tests it ran), and writes
OUT/hybrid-map[-TAG].json and .png.  The cell index fixes the random streams, so a cell's
numbers depend on its place in the run's list.

Every finished cell is also appended to OUT/hybrid-map[-TAG].cells.jsonl; the same command
run again resumes from it (a long map can be stopped and restarted), and ``--summarize``
writes the JSON and PNG of the cells done so far without running more.

    python examples/hybrid_map.py --out out --presets wang2017_fig4 --devices 32 --seed 1
    python examples/hybrid_map.py --out out --presets SiOxNy_Ag HfOx_Ag --voltage-step 0.5 \\
        --thetas 0.10 0.20 0.30 0.45 --devices 24 --tag measured
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from spicemem.experiments import hybrid_map as hm
from spicemem.io import atomic_write_json, ensure_dir


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--presets", nargs="+", required=True)
    ap.add_argument("--voltage-step", type=float, default=0.25, help="in V_th (<= 0.25 for the issue's map)")
    ap.add_argument("--thetas", type=float, nargs="+", default=list(hm.THETAS))
    ap.add_argument("--protocols", nargs="+", default=list(hm.PROTOCOLS), choices=hm.PROTOCOLS)
    ap.add_argument("--devices", type=int, default=hm.FULL_REALIZATIONS)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tag", default="")
    ap.add_argument("--summarize", action="store_true",
                    help="write JSON and PNG of the cells in the log so far; run nothing")
    args = ap.parse_args(argv)
    volts = tuple(np.round(np.arange(0.0, 3.0 + 1e-9, args.voltage_step), 4))
    spec = hm.full_spec(args.presets, volts, tuple(args.thetas), tuple(args.protocols))
    print(f"hybrid-map: {len(spec)} cells x 2 integrators x {args.devices} devices, seed {args.seed}",
          file=sys.stderr)
    out = ensure_dir(args.out)
    name = "hybrid-map" + (f"-{args.tag}" if args.tag else "")
    t0 = time.perf_counter()
    result = hm.run(seed=args.seed, realizations=args.devices, spec=spec, progress=True,
                    log=Path(out) / f"{name}.cells.jsonl", limit=0 if args.summarize else None)
    if not result["cells"]:
        print("hybrid-map: no cells done yet", file=sys.stderr)
        return 0
    result.update(experiment="hybrid-map", seed=args.seed, wall_time_s=time.perf_counter() - t0,
                  command="python examples/hybrid_map.py " + " ".join(argv or sys.argv[1:]))
    hm.plot(result, Path(out) / f"{name}.png")
    atomic_write_json(Path(out) / f"{name}.json", result)
    s = result["summary"]
    print(f"{s['tests']} tests, min p {s['min_p']:.3g}, Holm rejections {s['holm_rejections']}, "
          f"BH rejections {s['bh_rejections']}, wall {result['wall_time_s']:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
