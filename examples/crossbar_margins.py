"""Read margins of crossbar arrays with and without diffusive selectors, at chosen sizes.

The ``crossbar-sneak`` study (docs/crossbar.md) with the array sizes on the command line:
the fixed-threshold worst-case margin, the pull-up voltage margin and the earlier
same-background ratio, each 1S1R row a mean with its 95 % interval over ``--realizations``
independent selector seeds.  Writes OUT/crossbar-margins.json and .png (+ _read.png).

    python examples/crossbar_margins.py --out out --seed 1 --sizes 2 4 8 16 32 --realizations 5

or, from the table of the same study run through ``spicemem sweep``
(``examples/sweep_crossbar_margins.toml``: local cores or a Dask scheduler)::

    python examples/crossbar_margins.py --from-sweep out/xbar/results.csv --out out/xbar
    python examples/crossbar_margins.py --from-sweep out/xbar/results.csv out/xbar64/results.csv \
        --out out/xbar --markdown      # 2..32 and 64 x 64 together, with the README's tables
"""

import argparse
import sys
import time

from spicemem.experiments import crossbar_sneak
from spicemem.io import atomic_write_json, ensure_dir


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sizes", type=int, nargs="+", default=[2, 4, 8, 16, 32])
    ap.add_argument("--realizations", type=int, default=5)
    ap.add_argument("--from-sweep", metavar="RESULTS_CSV", nargs="+",
                    help="summarize spicemem sweep tables (one or more, e.g. 2..32 and 64) instead "
                         "of running the study")
    ap.add_argument("--markdown", action="store_true",
                    help="with --from-sweep: also print the README's tables")
    args = ap.parse_args(argv)
    if args.from_sweep:
        out = ensure_dir(args.out)
        try:
            result = crossbar_sneak.summarize_tables(args.from_sweep)
        except (OSError, KeyError, ValueError) as exc:
            print(f"crossbar_margins: cannot summarize {args.from_sweep}: {exc}", file=sys.stderr)
            return 2
        js = atomic_write_json(out / "crossbar-margins-sweep.json", result)
        crossbar_sneak.plot(result, out / "crossbar-margins-sweep.png")
        print(result["statement"])
        if args.markdown:
            print(crossbar_sneak.markdown_tables(result))
        print(f"wrote {js}")
        return 0
    if any(n < 1 for n in args.sizes) or args.realizations < 1:
        print("crossbar_margins: --sizes and --realizations must be >= 1", file=sys.stderr)
        return 2
    out = ensure_dir(args.out)
    print(f"crossbar_margins: seed {args.seed}", file=sys.stderr)
    t0 = time.perf_counter()
    result = crossbar_sneak.run(seed=args.seed, sizes=args.sizes, realizations=args.realizations)
    result.update(seed=args.seed, wall_time_s=time.perf_counter() - t0)
    js = atomic_write_json(out / "crossbar-margins.json", result)
    crossbar_sneak.plot(result, out / "crossbar-margins.png")
    print(result["statement"])
    print(f"wrote {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
