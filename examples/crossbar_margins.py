"""Read margins of crossbar arrays with and without diffusive selectors, at chosen sizes.

The ``crossbar-sneak`` study (docs/crossbar.md) with the array sizes on the command line:
the fixed-threshold worst-case margin, the pull-up voltage margin and the earlier
same-background ratio, each 1S1R row a mean with its 95 % interval over ``--realizations``
independent selector seeds.  Writes OUT/crossbar-margins.json and .png (+ _read.png).

    python examples/crossbar_margins.py --out out --seed 1 --sizes 2 4 8 16 32 --realizations 5

Stanford RRAM memories behind the selector instead of fixed resistors (the reverse 4 V read
on a 10 kOhm load by default; a read that would move the selected cell's gap is refused)::

    python examples/crossbar_margins.py --memory rram --sizes 2 4 --realizations 3 --out out
    python examples/crossbar_margins.py --memory rram --read-polarity forward --v-read 3.5 ...

or, from the table of the same study run through ``spicemem sweep``
(``examples/sweep_crossbar_margins.toml``: local cores or a Dask scheduler)::

    python examples/crossbar_margins.py --from-sweep out/xbar/results.csv --out out/xbar
    python examples/crossbar_margins.py --from-sweep out/xbar/results.csv out/xbar64/results.csv \
        --out out/xbar --markdown      # 2..32 and 64 x 64 together, with the README's tables
    python examples/crossbar_margins.py --from-sweep out/xbar_rram_window/results.csv \
        out/xbar_rram_window_fwd/results.csv --window --out out/xbar_rram_window --markdown
        # the RRAM read-voltage window: table and crossbar-rram-window.png
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
    ap.add_argument("--window", action="store_true",
                    help="with --from-sweep: the tables are an RRAM read-voltage window "
                         "(python.v_read varied): write its table and crossbar-rram-window.png")
    ap.add_argument("--memory", default="resistor", choices=crossbar_sneak.MEMORIES,
                    help="memory element: fixed resistors (default) or Stanford RRAM cells")
    ap.add_argument("--read-polarity", choices=crossbar_sneak.POLARITIES,
                    help="RRAM read polarity (default reverse, the RESET polarity)")
    ap.add_argument("--v-read", type=float, help="read voltage, V (default 4)")
    ap.add_argument("--r-load", type=float,
                    help="sense load, Ohm (default: 100 for resistors, 10000 for RRAM)")
    ap.add_argument("--schemes", nargs="+", help="bias schemes (default floating v/2 v/3)")
    args = ap.parse_args(argv)
    if args.from_sweep:
        out = ensure_dir(args.out)
        try:
            result = crossbar_sneak.summarize_tables(args.from_sweep)
        except (OSError, KeyError, ValueError) as exc:
            print(f"crossbar_margins: cannot summarize {args.from_sweep}: {exc}", file=sys.stderr)
            return 2
        name = "crossbar-rram-window" if args.window else "crossbar-margins-sweep"
        js = atomic_write_json(out / f"{name}.json", result)
        if args.window:
            crossbar_sneak.plot_window(result["results"], out / f"{name}.png")
        else:
            crossbar_sneak.plot(result, out / f"{name}.png")
        print(result["statement"])
        if args.markdown:
            print(crossbar_sneak.window_table(result["results"]) if args.window
                  else crossbar_sneak.markdown_tables(result))
        print(f"wrote {js}")
        return 0
    if any(n < 1 for n in args.sizes) or args.realizations < 1:
        print("crossbar_margins: --sizes and --realizations must be >= 1", file=sys.stderr)
        return 2
    try:  # every row's read is checked before the first simulation
        for scheme in args.schemes or crossbar_sneak.SCHEMES:
            crossbar_sneak.read_setup(args.memory, args.read_polarity, args.v_read, args.r_load,
                                      scheme=scheme)
    except ValueError as exc:
        print(f"crossbar_margins: {exc}", file=sys.stderr)
        return 2
    out = ensure_dir(args.out)
    print(f"crossbar_margins: seed {args.seed}", file=sys.stderr)
    t0 = time.perf_counter()
    result = crossbar_sneak.run(seed=args.seed, sizes=args.sizes, realizations=args.realizations,
                                memory=args.memory, read_polarity=args.read_polarity,
                                v_read=args.v_read, r_load=args.r_load, schemes=args.schemes)
    result.update(seed=args.seed, wall_time_s=time.perf_counter() - t0)
    js = atomic_write_json(out / "crossbar-margins.json", result)
    crossbar_sneak.plot(result, out / "crossbar-margins.png")
    print(result["statement"])
    if args.memory != "resistor":
        print(crossbar_sneak.markdown_memory_tables(result["results"]))
    print(f"wrote {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
