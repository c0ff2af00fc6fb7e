"""Read and write disturb in crossbars over time, with and without diffusive selectors.

The ``crossbar-disturb`` study (docs/crossbar.md, "Disturb over time"), one part at a time so
the two parts can run as separate processes: ``--parts reads`` (a second read on a shared
column after a first, vs the interval) and ``--parts writes`` (half-select disturb of TaOx
cells after N SET writes, 1R vs 1S1R).  Writes OUT/crossbar-disturb-<parts>.json and .png.

    python examples/crossbar_disturb.py --out out --seed 1 --parts reads --realizations 3
    python examples/crossbar_disturb.py --out out --seed 1 --parts writes --realizations 3
    python examples/crossbar_disturb.py --out out --combine out/crossbar-disturb-reads.json \
        out/crossbar-disturb-writes.json        # -> out/crossbar-disturb.json/.png, the statement
"""

import argparse
import sys
import time

from spicemem.experiments import crossbar_disturb
from spicemem.io import atomic_write_json, ensure_dir


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--parts", nargs="+", choices=("reads", "writes"), default=["reads", "writes"])
    ap.add_argument("--realizations", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--combine", nargs=2, metavar=("READS_JSON", "WRITES_JSON"),
                    help="join the two parts' results into one JSON and figure")
    args = ap.parse_args(argv)
    if args.combine:
        import json

        out = ensure_dir(args.out)
        try:
            reads, writes = (json.loads(open(p).read()) for p in args.combine)
            result = {**reads, "writes": writes["writes"], "parts": {"reads": reads.get("wall_time_s"),
                                                                     "writes": writes.get("wall_time_s")}}
            result["statement"] = crossbar_disturb.statement(reads["reads"], writes["writes"])
        except (OSError, KeyError, ValueError) as exc:
            print(f"crossbar_disturb: cannot combine {args.combine}: {exc}", file=sys.stderr)
            return 2
        js = atomic_write_json(out / "crossbar-disturb.json", result)
        crossbar_disturb.plot(result, out / "crossbar-disturb.png")
        print(result["statement"])
        print(f"wrote {js}")
        return 0
    if args.realizations < 1:
        print("crossbar_disturb: --realizations must be >= 1", file=sys.stderr)
        return 2
    out = ensure_dir(args.out)
    print(f"crossbar_disturb: seed {args.seed}", file=sys.stderr)
    t0 = time.perf_counter()
    result = crossbar_disturb.run(seed=args.seed, realizations=args.realizations, quick=args.quick,
                                  parts=tuple(args.parts))
    result.update(seed=args.seed, wall_time_s=time.perf_counter() - t0)
    stem = "crossbar-disturb-" + "-".join(args.parts)
    js = atomic_write_json(out / f"{stem}.json", result)
    crossbar_disturb.plot(result, out / f"{stem}.png")
    print(f"wrote {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
